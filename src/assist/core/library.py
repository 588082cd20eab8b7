"""The library one request searches: the published index plus the live snippets.

`combine` joins them into one `Index` value (the Suggester keeps reading a single
reference, swapped whole): the live snippets' entries and units are appended, their
vectors searched beside the main FAISS index, and any snippet the index holds in an older
state (edited, retired, rejected since the build) is blocked by ordinal.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .embed import Embedder, truncate
from .index import Index, Unit
from .lexical import Lexical
from .render import strip_slots
from .schemas import Entry
from .snippets import JoinedLexical, JoinedVectors, LiveSnippets, Viewer, snippet_id
from .text import normalise, words


def combine(base: Index, live: LiveSnippets) -> Index:
    if not live.records:
        return base
    superseded = {
        ordinal
        for ordinal, entry_id in enumerate(base.entry_ids)
        if snippet_id(entry_id) in live.records
    }
    entries = dict(base.entries)
    scopes = {k: v for k, v in base.scopes.items() if snippet_id(k) not in live.records}
    for entry in live.entries:
        entries[entry.id] = entry
        number = snippet_id(entry.id)
        assert number is not None
        scopes[entry.id] = live.records[number].scope
    entry_ids = base.entry_ids + tuple(e.id for e in live.entries)
    ordinal = {e.id: len(base.entry_ids) + i for i, e in enumerate(live.entries)}
    units = base.units + tuple(Unit("example", e, lang, t) for e, lang, t in live.units)
    unit_entry = np.concatenate(
        [base.unit_entry, np.array([ordinal[e] for e, _, _ in live.units], dtype=np.int64)]
    )
    vectors, lexical = base.vectors, base.lexical
    if live.units:
        vectors = JoinedVectors(base.vectors, live.vectors)
        if base.lexical is not None:
            lexical = JoinedLexical(
                base.lexical, Lexical.build(list(live.unit_texts)), len(base.units)
            )  # type: ignore[assignment]
    return dataclasses.replace(
        base,
        entries=entries,
        units=units,
        unit_entry=unit_entry,
        entry_ids=entry_ids,
        vectors=vectors,
        lexical=lexical,
        scopes=scopes,
        snippet_change=max(base.snippet_change, live.change),
        blocked=base.blocked | frozenset(superseded),
    )


# ------------------------------------------------------------------ search by typing


@dataclass(frozen=True)
class Found:
    """One reply wording of the library, as a search by typing shows it."""

    entry_id: str
    reply_id: str
    lang: str
    variant: int
    title: str
    text: str
    source: str  # playbook | snippet
    author: str | None
    score: float
    by: str  # meaning | words | both

    @property
    def id(self) -> str:
        return f"{self.entry_id}/{self.reply_id}/{self.lang}/{self.variant}"


def search_library(
    index: Index,
    embedder: Embedder,
    query: str,
    *,
    viewer: Viewer | None,
    lang: str | None = None,
    k: int = 10,
    depth: int = 64,
) -> list[Found]:
    """Reply wordings an agent may use, for what they typed: by meaning (the situations
    whose customer messages are nearest) and by words (the wordings and titles that
    contain what was typed, prefixes too). Both lists are merged by score."""
    typed = normalise(query)
    if not typed:
        return []
    hidden = index.hidden_for(viewer)
    vector = embedder.embed([truncate(embedder, typed)[0]], "query")
    scores, ids = index.search(vector, depth)
    meaning: dict[str, float] = {}
    for score, unit in zip(scores[0].tolist(), ids[0].tolist(), strict=True):
        if unit < 0 or (hidden is not None and hidden[index.unit_entry[unit]]):
            continue
        meaning.setdefault(index.entry_ids[index.unit_entry[unit]], score)
    terms = words(typed)
    found: dict[str, Found] = {}
    for ordinal, entry_id in enumerate(index.entry_ids):
        entry = index.entries[entry_id]
        if hidden is not None and hidden[ordinal]:
            continue
        source = "snippet" if entry_id in index.scopes else "playbook"
        for reply in entry.replies:
            for reply_lang in [lang] if lang in ("en", "fa") else ["en", "fa"]:
                title = entry.title.get(reply_lang) or entry.title.get("en") or ""
                title_words = frozenset(words(title))
                for variant, text in enumerate(reply.get(reply_lang)):
                    # the wording's words are computed once per index, not per keystroke
                    fixed = index.wording_words[(entry_id, reply.id, reply_lang, variant)]
                    hit = _word_share(terms, title_words | fixed)
                    near = meaning.get(entry_id)
                    if not hit and near is None:
                        continue
                    score = (near or 0.0) + hit
                    by = "both" if hit and near is not None else "words" if hit else "meaning"
                    item = Found(
                        entry_id,
                        reply.id,
                        reply_lang,
                        variant,
                        title,
                        text,
                        source,
                        reply.author,
                        round(score, 4),
                        by,
                    )
                    if item.id not in found or found[item.id].score < score:
                        found[item.id] = item
    ranked = sorted(found.values(), key=lambda f: (-f.score, f.id))
    return ranked[:k]


def _word_share(terms: list[str], vocabulary: frozenset[str]) -> float:
    """Share of the typed words found in the text (a word typed so far matches as a
    prefix: "refu" finds "refund")."""
    if not terms:
        return 0.0
    hits = sum(
        1 for term in terms if term in vocabulary or any(w.startswith(term) for w in vocabulary)
    )
    return hits / len(terms)


# ------------------------------------------------------------------ near duplicates


@dataclass(frozen=True)
class Duplicate:
    entry_id: str
    source: str
    author: str | None
    title: str
    similarity: float  # the nearest customer message's (situation) or wording's (reply)
    matched: str  # what was near: an example message, or a reply wording
    kind: str  # situation | wording


def near_duplicates(
    index: Index,
    embedder: Embedder,
    replies: Mapping[str, Sequence[str]],
    triggers: Sequence[str],
    *,
    situation: float,
    wording: float,
    skip: str | None = None,
    depth: int = 16,
) -> list[Duplicate]:
    """What the library already has that a proposed snippet may repeat: entries whose
    customer messages are within `situation` cosine of the snippet's triggers, and reply
    wordings whose text overlaps one of the snippet's by at least `wording` (character
    similarity, slots ignored). `skip`: the snippet's own entry id."""
    out: dict[tuple[str, str], Duplicate] = {}
    texts = [truncate(embedder, normalise(t))[0] for t in triggers if normalise(t)]
    if texts:
        scores, ids = index.search(embedder.embed(texts, "query"), depth)
        for row_scores, row_ids in zip(scores, ids, strict=True):
            for score, unit in zip(row_scores.tolist(), row_ids.tolist(), strict=True):
                if unit < 0 or score < situation or index.unit_entry[unit] in index.blocked:
                    continue
                entry = index.entries[index.entry_ids[index.unit_entry[unit]]]
                if entry.id == skip:
                    continue
                known = out.get((entry.id, "situation"))
                if known is None or known.similarity < score:
                    out[(entry.id, "situation")] = _duplicate(
                        index, entry, score, index.units[unit].text, "situation"
                    )
    mine = [strip_slots(t) for ws in replies.values() for t in ws]
    for ordinal, entry_id in enumerate(index.entry_ids):
        entry = index.entries[entry_id]
        if entry.id == skip or ordinal in index.blocked:
            continue
        for reply in entry.replies:
            for text in (*reply.en, *reply.fa):
                best = max((_text_similarity(text, m) for m in mine), default=0.0)
                known = out.get((entry.id, "wording"))
                if best >= wording and (known is None or known.similarity < best):
                    out[(entry.id, "wording")] = _duplicate(index, entry, best, text, "wording")
    return sorted(out.values(), key=lambda d: -d.similarity)


def _duplicate(index: Index, entry: Entry, similarity: float, matched: str, kind: str) -> Duplicate:
    authors = {r.author for r in entry.replies if r.author}
    return Duplicate(
        entry.id,
        "snippet" if entry.id in index.scopes else "playbook",
        next(iter(authors)) if len(authors) == 1 else None,
        entry.title.get("en") or entry.title.get("fa") or entry.id,
        round(float(similarity), 4),
        matched,
        kind,
    )


def _text_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(
        None, normalise(strip_slots(a)), normalise(b), autojunk=False
    ).ratio()
