"""The live pipeline: one customer message in, ranked reply suggestions out.

normalise → signals (language, mood, questions) → embed → search units → group by entry
→ rerank (similarity, mood) → skip wordings already sent in this conversation → render.
The API and the CLI both call `Suggester.suggest`; nothing else ranks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import IndexMismatch, InvalidMessage
from ..settings import Settings
from .embed import Embedder, truncate
from .index import Index
from .mood import detect_mood
from .render import Slot, customer_context, render
from .schemas import Entry, Lang
from .text import detect_script, normalise, reply_language, split_questions, words

# Cosine similarity below which nothing is confidently relevant, per embedder; e5's
# scores sit in a narrow high band, so its bar is high. Tuned by `assist eval`.
DEFAULT_NO_MATCH = {"e5": 0.80, "sentence-transformers": 0.40, "hash": 0.25}
MAX_QUESTIONS = 4  # a longer list is treated as one message
SENT_OVERLAP = 0.6  # share of a wording's words in an agent turn that marks it as sent


@dataclass(frozen=True)
class Turn:
    role: Literal["customer", "agent"]
    text: str
    suggestion_id: str | None = None


@dataclass(frozen=True)
class Query:
    message: str
    conversation_id: str = ""
    history: Sequence[Turn] = ()
    customer: Mapping[str, object] = field(default_factory=dict)
    lang: Lang | None = None
    k: int | None = None


@dataclass(frozen=True)
class Why:
    text: str  # the example (or title) the message matched, as written
    kind: str
    lang: str
    similarity: float


@dataclass(frozen=True)
class Suggestion:
    id: str  # entry/reply/lang/variant: stable, so feedback and history can name it
    entry_id: str
    reply_id: str
    source: Literal["playbook", "snippet"]
    author: str | None
    title: str
    lang: Lang
    fallback_lang: bool  # the entry has no wording in the conversation's language
    text: str
    slots: tuple[Slot, ...]
    guidance: tuple[str, ...]
    score: float
    why: Why
    question: int  # which of signals.questions this answers
    promise_limit_hours: int | None
    follow_up: dict[str, object] | None


@dataclass(frozen=True)
class Signals:
    lang: Lang
    script: str
    mood: str
    mood_cues: tuple[str, ...]
    questions: tuple[str, ...]
    truncated: bool


@dataclass(frozen=True)
class Result:
    suggestions: tuple[Suggestion, ...]
    signals: Signals
    no_match: bool
    best_score: float
    index_version: str
    took_ms: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class _Candidate:
    entry_id: str
    similarity: float
    score: float
    unit: int
    question: int


class Suggester:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings):
        self.index = index  # swapped whole on reload; each call reads it once
        self.embedder = embedder
        self.settings = settings
        self.threshold = (
            settings.no_match_threshold
            if settings.no_match_threshold is not None
            else DEFAULT_NO_MATCH.get(embedder.name, 0.5)
        )

    def suggest(self, query: Query) -> Result:
        started = time.perf_counter()
        index = self.index
        message = (query.message or "").strip()
        if not normalise(message):
            raise InvalidMessage("message is empty: send the customer's text")
        k = query.k or self.settings.k
        lang: Lang = query.lang or reply_language(message)
        questions = split_questions(message)
        if len(questions) > MAX_QUESTIONS:
            questions = [message]
        texts, truncated = [], False
        for question in questions:
            text, cut = truncate(self.embedder, normalise(question))
            texts.append(text)
            truncated |= cut
        vectors = self.embedder.embed(texts, "query")
        mood_vector = vectors[0] if len(vectors) == 1 else _unit(vectors.mean(axis=0))
        mood = detect_mood(message, mood_vector, index.mood_vectors, index.mood_labels)
        depth = self.settings.search_depth
        while True:  # dig deeper when a few entries own all the nearest units
            scores, ids = index.search(vectors, depth)
            candidates = self._rank(index, scores, ids, texts, mood.mood, lang)
            if len(candidates) >= k * len(questions) or depth >= len(index.units):
                break
            depth *= 4
        best = max((c.similarity for c in candidates), default=0.0)
        no_match = best < self.threshold
        suggestions: list[Suggestion] = []
        if not no_match:
            sent = _sent_wordings(index, query.history)
            context = customer_context(query.customer)
            for number in range(len(questions)):
                mine = [c for c in candidates if c.question == number]
                picked = 0
                for candidate in mine:
                    if picked == k:
                        break
                    suggestion = self._render(
                        index, candidate, lang, sent, context, query.conversation_id
                    )
                    if suggestion is not None:
                        suggestions.append(suggestion)
                        picked += 1
        signals = Signals(
            lang, detect_script(message), mood.mood, mood.cues, tuple(questions), truncated
        )
        took = (time.perf_counter() - started) * 1000
        return Result(
            tuple(suggestions), signals, no_match, round(best, 4), index.version, round(took, 2)
        )

    def _rank(
        self,
        index: Index,
        scores: np.ndarray,
        ids: np.ndarray,
        texts: list[str],
        mood: str,
        lang: Lang,
    ) -> list[_Candidate]:
        """Entries ranked per question, mood-boosted; an entry answers only the question
        it matches best, so two questions get two different situations.

        Dense score: a soft maximum over the entry's matching units,
        1 + t * log(sum(exp((s_i - 1) / t))): the best unit's similarity plus a little for
        every other close example, so an entry that several examples agree on beats one
        lucky near-duplicate (t = 0 is the plain maximum). With `retrieval = hybrid`, the
        entry's best BM25 score, scaled to [0, 1] for the query, adds `bm25_weight` (or
        `bm25_weight_fa` for Persian) times itself; with `bm25` it is the whole score.
        """
        best: dict[str, _Candidate] = {}
        for question, (row_scores, row_ids) in enumerate(zip(scores, ids, strict=True)):
            ranked = self._dense(index, row_scores, row_ids)
            if self.settings.retrieval != "dense":
                weight = self.settings.bm25_weight_fa if lang == "fa" else self.settings.bm25_weight
                ranked = self._with_words(index, ranked, texts[question], len(row_ids), weight)
            for entry_id, (score, similarity, unit) in ranked.items():
                if mood in index.entries[entry_id].mood:
                    score += self.settings.mood_boost
                known = best.get(entry_id)
                if known is None or score > known.score:
                    best[entry_id] = _Candidate(entry_id, similarity, score, unit, question)
        return sorted(best.values(), key=lambda c: -c.score)

    def _dense(
        self, index: Index, row_scores: np.ndarray, row_ids: np.ndarray
    ) -> dict[str, tuple[float, float, int]]:
        """entry id -> (score, best similarity, best unit) from the nearest units."""
        t = self.settings.aggregation_temperature
        hits: dict[str, list[float]] = {}
        top: dict[str, tuple[float, int]] = {}
        for similarity, unit in zip(row_scores.tolist(), row_ids.tolist(), strict=True):
            if unit >= 0:
                entry_id = index.entry_ids[index.unit_entry[unit]]
                hits.setdefault(entry_id, []).append(similarity)
                top.setdefault(entry_id, (similarity, unit))  # faiss returns best first
        out = {}
        for entry_id, sims in hits.items():
            score = (
                1.0 + t * math.log(sum(math.exp((s - 1.0) / t) for s in sims)) if t > 0 else sims[0]
            )
            out[entry_id] = (score, *top[entry_id])
        return out

    def _with_words(
        self,
        index: Index,
        dense: dict[str, tuple[float, float, int]],
        text: str,
        depth: int,
        weight: float,
    ) -> dict[str, tuple[float, float, int]]:
        if index.lexical is None:
            raise IndexMismatch(
                f"retrieval={self.settings.retrieval} needs BM25 data, which "
                f"index {index.version} lacks: run `assist reindex`"
            )
        lex_scores, lex_ids = index.lexical.search(text, depth)
        words_best: dict[str, tuple[float, int]] = {}
        for score, unit in zip(lex_scores.tolist(), lex_ids.tolist(), strict=True):
            words_best.setdefault(index.entry_ids[index.unit_entry[unit]], (score, unit))
        scale = float(lex_scores[0]) if len(lex_scores) else 1.0
        floor = min((v[1] for v in dense.values()), default=0.0)
        out = {}
        for entry_id in dense.keys() | words_best.keys():
            lexical, lexical_unit = words_best.get(entry_id, (0.0, -1))
            score, similarity, unit = dense.get(entry_id, (floor, floor, lexical_unit))
            share = lexical / scale if scale else 0.0
            if self.settings.retrieval == "bm25":
                out[entry_id] = (share, similarity, unit)
            else:
                out[entry_id] = (score + weight * share, similarity, unit)
        return out

    def _render(
        self,
        index: Index,
        candidate: _Candidate,
        lang: Lang,
        sent: set[tuple[str, str, str, int]],
        context: Mapping[str, str],
        conversation_id: str,
    ) -> Suggestion | None:
        entry = index.entries[candidate.entry_id]
        choice = _choose_wording(entry, lang, sent, conversation_id)
        if choice is None:
            return None  # every wording of this entry was already sent here
        reply_index, reply_lang, variant = choice
        reply = entry.replies[reply_index]
        rendered = render(reply.get(reply_lang)[variant], context)
        unit = index.units[candidate.unit]
        guidance = entry.guidance.get(lang) or entry.guidance.get(reply_lang)
        return Suggestion(
            id=f"{entry.id}/{reply.id}/{reply_lang}/{variant}",
            entry_id=entry.id,
            reply_id=reply.id,
            source="playbook",
            author=None,
            title=entry.title.get(lang) or entry.title.get(reply_lang) or entry.id,
            lang=reply_lang,
            fallback_lang=reply_lang != lang,
            text=rendered.text,
            slots=rendered.slots,
            guidance=tuple(guidance),
            score=round(candidate.score, 4),
            why=Why(unit.text, unit.kind, unit.lang, round(candidate.similarity, 4)),
            question=candidate.question,
            promise_limit_hours=entry.promise_limit_hours,
            follow_up=entry.follow_up.model_dump() if entry.follow_up else None,
        )


def _choose_wording(
    entry: Entry, lang: Lang, sent: set[tuple[str, str, str, int]], conversation_id: str
) -> tuple[int, Lang, int] | None:
    """(reply index, language, variant) to show, or None if all were sent.

    The conversation moves forward: a reply none of whose wordings was sent comes
    first, in playbook order. Within a reply the starting wording is picked by the
    conversation id, so different customers read different words, yet one conversation
    sees a stable suggestion until the agent sends it.
    """
    other: Lang = "en" if lang == "fa" else "fa"
    for reply_lang in (lang, other):
        fresh: list[tuple[int, list[int]]] = []
        used: list[tuple[int, list[int]]] = []
        for r, reply in enumerate(entry.replies):
            variants = reply.get(reply_lang)
            if not variants:
                continue
            unsent = [
                v for v in range(len(variants)) if (entry.id, reply.id, reply_lang, v) not in sent
            ]
            if not unsent:
                continue
            (fresh if len(unsent) == len(variants) else used).append((r, unsent))
        for r, unsent in fresh + used:
            reply = entry.replies[r]
            start = _stable_hash(f"{conversation_id}/{entry.id}/{reply.id}") % len(
                reply.get(reply_lang)
            )
            variant = min(unsent, key=lambda v: (v - start) % len(reply.get(reply_lang)))
            return r, reply_lang, variant
        if any(reply.get(reply_lang) for reply in entry.replies):
            return None  # the language exists but is used up: don't fall back to repeating
    return None


def _sent_wordings(index: Index, history: Sequence[Turn]) -> set[tuple[str, str, str, int]]:
    """Wordings the agent already sent here: by suggestion id, or by a sent text that
    still carries most of a wording's fixed words (the agent personalises, not recites)."""
    sent: set[tuple[str, str, str, int]] = set()
    agent_words = []
    for turn in history:
        if turn.role != "agent":
            continue
        if turn.suggestion_id:
            parts = turn.suggestion_id.split("/")
            if len(parts) == 4 and parts[3].isdigit():
                sent.add((parts[0], parts[1], parts[2], int(parts[3])))
        agent_words.append(set(words(turn.text)))
    if agent_words:
        for key, wording in index.wording_words.items():
            if any(len(wording & said) >= SENT_OVERLAP * len(wording) for said in agent_words):
                sent.add(key)
    return sent


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
