"""Expert snippets as the Suggester sees them: entries with an author and a scope.

A snippet is an agent's own reply, shared and (for the team) approved by a lead. Here it
is plain data, handed over by the served state (the Suggester never calls the database):
it becomes an `Entry` whose examples are its trigger messages, so it competes with
playbook entries in the same search. Snippets approved since the published index was
built live in a small side index that is searched with the main one; `assist reindex`
folds every approved snippet into the next version.

Who sees what: a `team` snippet is suggested to its team, a `private` one only to its
author. A snippet that was retired, or edited, after the index was built hides the
version inside the index.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np

from .embed import Embedder, truncate
from .lexical import Lexical
from .schemas import Entry, Localized, LocalizedList, Reply
from .text import detect_script, normalise

SNIPPET_PREFIX = "snippet-"
SNIPPET_REPLY = "shared"  # the one reply id of a snippet entry
SCOPES_FILE = "snippets.json"
Visibility = Literal["team", "private"]


@dataclass(frozen=True)
class Viewer:
    """Who asks: the key's name and team (None = a tool with no key: team snippets of
    every team, no private ones)."""

    name: str
    team: str


@dataclass(frozen=True)
class Scope:
    author: str
    team: str
    visibility: Visibility

    def visible_to(self, viewer: Viewer | None) -> bool:
        if self.visibility == "private":
            return viewer is not None and viewer.name == self.author
        return viewer is None or viewer.team == self.team


@dataclass(frozen=True)
class SharedReply:
    """A snippet as the store hands it over (any status: the live state also needs to
    know which ones stopped being served)."""

    id: int
    change: int
    author: str
    team: str
    visibility: Visibility
    status: str
    replies: Mapping[str, Sequence[str]]
    triggers: Sequence[str]
    title: str | None = None
    entry_id: str | None = None

    @property
    def key(self) -> str:
        return f"{SNIPPET_PREFIX}{self.id}"

    @property
    def served(self) -> bool:
        return self.status == "approved"

    @property
    def scope(self) -> Scope:
        return Scope(self.author, self.team, self.visibility)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> SharedReply:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in names})


def snippet_id(entry_id: str) -> int | None:
    """The snippet number in an entry id `snippet-42`, else None."""
    if entry_id.startswith(SNIPPET_PREFIX) and entry_id[len(SNIPPET_PREFIX) :].isdigit():
        return int(entry_id[len(SNIPPET_PREFIX) :])
    return None


def as_entry(snippet: SharedReply, parent: Entry | None = None) -> Entry:
    """The snippet as an entry: its triggers are the examples; a snippet that belongs to
    a playbook entry borrows that entry's coaching, moods, tags and promise limit."""
    examples: dict[str, list[str]] = {"en": [], "fa": []}
    for trigger in snippet.triggers:
        examples["en" if detect_script(trigger) == "en" else "fa"].append(trigger)
    title = Localized()
    if snippet.title:
        title = Localized(**{"en" if detect_script(snippet.title) == "en" else "fa": snippet.title})
    elif parent is not None:
        title = parent.title
    reply = Reply(
        id=SNIPPET_REPLY,
        en=list(snippet.replies.get("en", ())),
        fa=list(snippet.replies.get("fa", ())),
        author=snippet.author,
    )
    return Entry(
        id=snippet.key,
        title=title,
        tags=list(parent.tags) if parent else [],
        mood=list(parent.mood) if parent else [],
        examples=LocalizedList(**examples),
        guidance=parent.guidance if parent else LocalizedList(),
        replies=[reply],
        promise_limit_hours=parent.promise_limit_hours if parent else None,
        follow_up=parent.follow_up if parent else None,
    )


def as_entries(snippets: Iterable[SharedReply], library: Mapping[str, Entry]) -> list[Entry]:
    out = []
    for snippet in snippets:
        parent = library.get(snippet.entry_id) if snippet.entry_id else None
        out.append(as_entry(snippet, parent))
    return out


# ------------------------------------------------------------ folded into an index


def scopes_blob(snippets: Sequence[SharedReply], change: int) -> bytes:
    """`snippets.json` of a version: who each folded snippet belongs to, and the change
    number the build saw (a replica polls for changes after it)."""
    data = {
        "change": change,
        "scopes": {
            s.key: {"author": s.author, "team": s.team, "visibility": s.visibility}
            for s in snippets
        },
    }
    return json.dumps(data, ensure_ascii=False).encode()


def read_scopes(directory: Path, entries: Mapping[str, Entry]) -> tuple[dict[str, Scope], int]:
    raw = json.loads((directory / SCOPES_FILE).read_bytes())
    change = raw["change"]
    if not isinstance(change, int) or change < 0:
        raise ValueError("change is not a non-negative integer")
    scopes = {}
    for key, value in raw["scopes"].items():
        if key not in entries:
            raise ValueError(f"a scope for {key!r}, which entries.json lacks")
        if value.get("visibility") not in ("team", "private"):
            raise ValueError(f"{key}: visibility is not team or private")
        scopes[key] = Scope(str(value["author"]), str(value["team"]), value["visibility"])
    return scopes, change


# ------------------------------------------------------------------- live side


@dataclass(frozen=True)
class LiveSnippets:
    """Snippets changed since the published index was built, with their triggers'
    vectors: `records` holds every changed snippet (whatever its status), `served` the
    approved ones as entries, searched through `vectors`."""

    records: Mapping[int, SharedReply] = field(default_factory=dict)
    entries: tuple[Entry, ...] = ()
    units: tuple[tuple[str, str, str], ...] = ()  # (entry id, lang, text as written)
    unit_texts: tuple[str, ...] = ()  # normalised, as embedded
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    change: int = 0  # the newest change seen

    def apply(
        self,
        changed: Sequence[SharedReply],
        embedder: Embedder,
        library: Mapping[str, Entry],
    ) -> LiveSnippets:
        """A new state with `changed` applied; only new trigger texts are embedded."""
        if not changed:
            return self
        records = dict(self.records)
        for snippet in changed:
            records[snippet.id] = snippet
        served = [s for s in sorted(records.values(), key=lambda s: s.id) if s.served]
        entries = as_entries(served, library)
        units = [
            (entry.id, lang, text)
            for entry in entries
            for lang in ("en", "fa")
            for text in entry.examples.get(lang)
        ]
        texts = [truncate(embedder, normalise(text))[0] for _, _, text in units]
        known = dict(zip(self.unit_texts, self.vectors, strict=True)) if len(self.vectors) else {}
        todo = sorted({t for t in texts if t not in known})
        if todo:
            known.update(zip(todo, embedder.embed(todo, "document"), strict=True))
        vectors = np.array([known[t] for t in texts], dtype=np.float32).reshape(
            len(texts), embedder.dim
        )
        newest = max(self.change, *(s.change for s in changed))
        return LiveSnippets(records, tuple(entries), tuple(units), tuple(texts), vectors, newest)

    def since(self, change: int) -> LiveSnippets:
        """Drop what a newly published index already holds (built at `change`)."""
        if all(s.change > change for s in self.records.values()):
            return self
        kept = {i: s for i, s in self.records.items() if s.change > change}
        units = {e.id for e in self.entries if snippet_id(e.id) in kept}
        rows = [i for i, (entry_id, _, _) in enumerate(self.units) if entry_id in units]
        return LiveSnippets(
            kept,
            tuple(e for e in self.entries if e.id in units),
            tuple(self.units[i] for i in rows),
            tuple(self.unit_texts[i] for i in rows),
            self.vectors[rows] if len(self.vectors) else self.vectors,
            max(self.change, change),
        )


class JoinedVectors:
    """The published FAISS index and the live side index, searched as one (side unit i
    is unit `offset + i`)."""

    def __init__(self, main: Any, side: np.ndarray):
        self.main, self.side, self.offset = main, side, int(main.ntotal)
        self._side = faiss.IndexFlatIP(side.shape[1])
        self._side.add(np.ascontiguousarray(side, dtype=np.float32))
        self.ntotal = self.offset + len(side)
        self.d = main.d

    def search(self, queries: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        scores, ids = self.main.search(queries, min(depth, self.offset))
        side_scores, side_ids = self._side.search(queries, min(depth, len(self.side)))
        side_ids = np.where(side_ids >= 0, side_ids + self.offset, -1)
        all_scores = np.hstack([scores, side_scores])
        all_ids = np.hstack([ids, side_ids])
        all_scores = np.where(all_ids >= 0, all_scores, -np.inf)
        order = np.argsort(-all_scores, axis=1, kind="stable")[:, :depth]
        picked = np.take_along_axis(all_scores, order, axis=1)
        return np.where(np.isfinite(picked), picked, -1.0).astype(np.float32), np.take_along_axis(
            all_ids, order, axis=1
        )

    def reconstruct(self, unit: int) -> np.ndarray:
        if unit < self.offset:
            return self.main.reconstruct(unit)
        return self.side[unit - self.offset]

    def reconstruct_n(self, start: int, count: int) -> np.ndarray:
        return np.vstack([self.reconstruct(i) for i in range(start, start + count)])


class JoinedLexical:
    """BM25 over the published units and, separately, over the live snippets' triggers
    (their own small model, rebuilt on each change), merged by raw score: the side
    model's word weights come from fewer texts, close enough until the next reindex
    folds the snippets into one model."""

    def __init__(self, main: Lexical, side: Lexical, offset: int):
        self.main, self.side, self.offset = main, side, offset
        self.size = main.size + side.size

    def search(self, text: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
        scores, ids = self.main.search(text, depth)
        side_scores, side_ids = self.side.search(text, depth)
        if not len(side_scores):
            return scores, ids
        all_scores = np.concatenate([scores, side_scores])
        all_ids = np.concatenate([ids, side_ids + self.offset])
        order = np.argsort(-all_scores, kind="stable")[:depth]
        return all_scores[order], all_ids[order]
