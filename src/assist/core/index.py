"""Load and search a versioned index directory (built by publish.py).

    index/<version>/ manifest.json  embedder, model, dim, counts, sha256 of sources and files
                     vectors.faiss  row i is the vector of unit i
                     units.jsonl    unit i: kind, entry_id, lang, text (as written)
                     entries.json   the validated playbook entries the units point to
                     moods.npy/json mood exemplar vectors and labels
    index/current -> <version>      a symlink, swapped atomically

A version that loads is one every request can use: checksums, the embedder and every
file's agreement with the others are checked first (IndexMismatch otherwise).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from pydantic import ValidationError

from ..errors import IndexMismatch, IndexNotReady
from .embed import Embedder
from .lexical import Lexical
from .lexical import files as lexical_files
from .publish import (  # re-exported: the names callers have always imported from here
    CURRENT,
    DATA_FILES,
    FLAT_LIMIT,
    MOOD_LABELS,
    ORPHAN_SECONDS,
    BuildReport,
    Unit,
    _sha256_file,
    build_index,
    collect_units,
    mood_exemplars,
)
from .render import strip_slots
from .schemas import Entry, Manifest
from .sides import (
    Sides,
    read_sides,
)
from .snippets import (
    SCOPES_FILE,
    Scope,
    Viewer,
    read_scopes,
)
from .text import NORMALISER_VERSION, detect_script, words

__all__ = [
    "CURRENT",
    "DATA_FILES",
    "FLAT_LIMIT",
    "MOOD_LABELS",
    "ORPHAN_SECONDS",
    "BuildReport",
    "Index",
    "Unit",
    "build_index",
    "collect_units",
    "current_version",
    "load_index",
    "mood_exemplars",
    "resolve",
]


@dataclass(frozen=True)
class Index:
    """A loaded, immutable index; a reload builds a new one and swaps the reference."""

    path: Path
    manifest: Manifest
    entries: dict[str, Entry]
    units: tuple[Unit, ...]
    unit_entry: np.ndarray  # entry ordinal of each unit
    entry_ids: tuple[str, ...]  # ordinal -> entry id
    vectors: Any  # faiss index
    mood_vectors: np.ndarray
    mood_labels: tuple[str, ...]
    lexical: Lexical | None = None  # BM25 over the same units (absent in old versions)
    sides: Sides | None = None  # out-of-scope exemplars and reply stages (absent in old ones)
    # Snippet entries' owners, and the snippet change number the build (or the live
    # state) has seen; entries without a scope are the team's playbook, seen by everyone.
    scopes: Mapping[str, Scope] = field(default_factory=dict)
    snippet_change: int = 0
    # Entry ordinals never to return (a snippet retired or edited since the build).
    blocked: frozenset[int] = frozenset()

    @property
    def version(self) -> str:
        return self.manifest.version

    @cached_property
    def wording_words(self) -> dict[tuple[str, str, str, int], frozenset[str]]:
        """Fixed words of every reply wording, to recognise one the agent already sent."""
        return {
            (entry.id, reply.id, lang, v): frozenset(words(strip_slots(text)))
            for entry in self.entries.values()
            for reply in entry.replies
            for lang in ("en", "fa")
            for v, text in enumerate(reply.get(lang))
        }

    @cached_property
    def scripts_of_entries(self) -> dict[str, np.ndarray]:
        """Per script ("fa": Persian letters, "en": Latin, Finglish included, as e5 reads
        it), whether each entry (by ordinal) has an example message in it (titles don't
        count: a label is not how customers write)."""
        has = {"fa": np.zeros(len(self.entry_ids), bool), "en": np.zeros(len(self.entry_ids), bool)}
        for unit, ordinal in zip(self.units, self.unit_entry.tolist(), strict=True):
            if unit.kind == "example":
                has["en" if detect_script(unit.text) == "en" else "fa"][ordinal] = True
        return has

    def hidden_for(self, viewer: Viewer | None) -> np.ndarray | None:
        """Per entry ordinal, whether `viewer` may not be offered it (None: nothing to
        hide). Kept per viewer on the index: a few teams and authors, each computed once."""
        if not self.scopes and not self.blocked:
            return None
        cache_key = (viewer.name, viewer.team) if viewer else None
        known = self._hidden.get(cache_key)
        if known is None:
            known = np.zeros(len(self.entry_ids), dtype=bool)
            for ordinal, entry_id in enumerate(self.entry_ids):
                scope = self.scopes.get(entry_id)
                known[ordinal] = ordinal in self.blocked or (
                    scope is not None and not scope.visible_to(viewer)
                )
            if len(self._hidden) < 1000:
                self._hidden[cache_key] = known
        return known

    @cached_property
    def _hidden(self) -> dict[tuple[str, str] | None, np.ndarray]:
        return {}

    def search(self, queries: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, unit ids) of the `depth` nearest units per query row; -1 pads."""
        depth = min(depth, len(self.units))
        return self.vectors.search(np.ascontiguousarray(queries, dtype=np.float32), depth)


# ---------------------------------------------------------------------------- build


def resolve(path: Path) -> Path:
    """An index root (holding `current`) or a version directory -> the version directory."""
    if (path / "manifest.json").is_file():
        return path
    current = path / CURRENT
    if current.is_symlink() or current.exists():
        target = current.resolve()
        if (target / "manifest.json").is_file():
            return target
    raise IndexNotReady(str(path))


def current_version(root: Path) -> str | None:
    """The version `current` points at, without loading anything (for reload polling)."""
    try:
        return os.readlink(root / CURRENT)
    except OSError:
        return None


def load_index(path: Path, embedder: Embedder) -> Index:
    """Load and verify an index; IndexMismatch if it is corrupt or from another embedder."""
    directory = resolve(path)
    try:
        manifest = Manifest.model_validate_json((directory / "manifest.json").read_bytes())
    except (ValidationError, OSError) as exc:
        raise IndexMismatch(
            f"{directory}: unreadable manifest.json ({exc.__class__.__name__}); "
            "run `assist reindex`"
        ) from exc
    if manifest.fingerprint != embedder.fingerprint or manifest.dim != embedder.dim:
        raise IndexMismatch(
            f"index {manifest.version} was built with {manifest.fingerprint} (dim "
            f"{manifest.dim}) but this process embeds with {embedder.fingerprint} (dim "
            f"{embedder.dim}); run `assist reindex` with the serving embedder, or set "
            "ASSIST_EMBEDDER/ASSIST_MODEL to match the index"
        )
    if manifest.normaliser != NORMALISER_VERSION:
        raise IndexMismatch(
            f"index {manifest.version} used text normaliser v"
            f"{manifest.normaliser}, this build has v{NORMALISER_VERSION}; "
            "run `assist reindex`"
        )
    strange = [name for name in manifest.files if not _inside(name)]
    if strange:
        raise IndexMismatch(
            f"index {manifest.version}: the manifest lists {strange[0]!r}, outside the "
            "version directory; run `assist reindex`"
        )
    missing = [name for name in DATA_FILES if name not in manifest.files] + [
        name for name in manifest.files if not (directory / name).is_file()
    ]
    if missing:
        raise IndexMismatch(
            f"index {manifest.version}: {missing[0]} is missing; run `assist reindex`"
        )
    for name, expected in manifest.files.items():
        if _sha256_file(directory / name) != expected:
            raise IndexMismatch(
                f"index {manifest.version}: checksum of {name} does not match "
                "the manifest (corrupt or edited); run `assist reindex`"
            )
    return _parse(directory, manifest)


def _inside(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


@contextlib.contextmanager
def _reading(manifest: Manifest, name: str) -> Iterator[None]:
    """A file whose checksum matches can still fail to parse (a build killed mid-write
    and re-checksummed, a bug, a hand edit): any failure refuses the version."""
    try:
        yield
    except IndexMismatch:
        raise
    except Exception as exc:  # faiss, numpy, json, pydantic and bm25s each raise their own
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise IndexMismatch(
            f"index {manifest.version}: {name} is malformed "
            f"({exc.__class__.__name__}{': ' + reason if reason else ''}); run `assist reindex`"
        ) from exc


def _parse(directory: Path, manifest: Manifest) -> Index:
    """Read the verified files, checking they agree with each other, so a version that
    loads is one every request can use."""
    with _reading(manifest, "entries.json"):
        raw_entries = json.loads((directory / "entries.json").read_bytes())
        if not isinstance(raw_entries, list):
            raise ValueError("expected a list of entries")
        entries = {entry.id: entry for entry in map(Entry.model_validate, raw_entries)}
    with _reading(manifest, "units.jsonl"):
        lines = (directory / "units.jsonl").read_text("utf-8").splitlines()
        units = tuple(_unit(json.loads(line), entries) for line in lines)
    with _reading(manifest, "vectors.faiss"):
        vectors = faiss.deserialize_index(np.fromfile(directory / "vectors.faiss", dtype=np.uint8))
        if vectors.ntotal != len(units) or vectors.d != manifest.dim:
            raise ValueError(
                f"{vectors.ntotal} vectors of dim {vectors.d} for {len(units)} units "
                f"of dim {manifest.dim}"
            )
        if hasattr(vectors, "hnsw"):
            vectors.hnsw.efSearch = 128
    with _reading(manifest, "moods.json"):
        mood_labels = tuple(json.loads((directory / "moods.json").read_bytes()))
        if not set(mood_labels) <= set(MOOD_LABELS):
            raise ValueError(f"labels other than {', '.join(MOOD_LABELS)}")
    with _reading(manifest, "moods.npy"):
        mood_vectors = np.load(directory / "moods.npy", allow_pickle=False)
        if mood_vectors.dtype != np.float32 or mood_vectors.shape != (
            len(mood_labels),
            manifest.dim,
        ):
            raise ValueError(
                f"{mood_vectors.dtype} array of shape {mood_vectors.shape} for "
                f"{len(mood_labels)} labels of dim {manifest.dim}"
            )
    lexical = None
    if lexical_files(directory):
        with _reading(manifest, "lexical/"):
            lexical = Lexical.load(directory, len(units))
    side_data = None
    if "sides.json" in manifest.files:
        with _reading(manifest, "sides.json"):
            side_data = read_sides(directory, manifest.dim, entries)
    scopes: dict[str, Scope] = {}
    snippet_change = 0
    if SCOPES_FILE in manifest.files:
        with _reading(manifest, SCOPES_FILE):
            scopes, snippet_change = read_scopes(directory, entries)
    entry_ids = tuple(entries)
    ordinal = {entry_id: i for i, entry_id in enumerate(entry_ids)}
    return Index(
        path=directory,
        manifest=manifest,
        entries=entries,
        units=units,
        unit_entry=np.array([ordinal[u.entry_id] for u in units], dtype=np.int64),
        entry_ids=entry_ids,
        vectors=vectors,
        mood_vectors=mood_vectors,
        mood_labels=mood_labels,
        lexical=lexical,
        sides=side_data,
        scopes=scopes,
        snippet_change=snippet_change,
    )


def _unit(raw: Any, entries: dict[str, Entry]) -> Unit:
    unit = Unit(**raw)  # TypeError on a missing or an unknown field
    if not all(isinstance(v, str) for v in (unit.kind, unit.entry_id, unit.lang, unit.text)):
        raise ValueError("a unit field is not text")
    if unit.entry_id not in entries:
        raise ValueError(f"a unit points at entry {unit.entry_id!r}, which entries.json lacks")
    return unit
