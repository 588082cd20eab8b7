"""Build, publish, load and search a versioned index directory.

    index/<version>/ manifest.json  embedder, model, dim, counts, sha256 of sources and files
                     vectors.faiss  row i is the vector of unit i
                     units.jsonl    unit i: kind, entry_id, lang, text (as written)
                     entries.json   the validated playbook entries the units point to
                     moods.npy/json mood exemplar vectors and labels
    index/current -> <version>      a symlink, swapped atomically

A build goes to index/.tmp-*, is fsynced, renamed to index/<version>, and only then is
`current` repointed; a build that fails anywhere leaves `current` as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import yaml
from pydantic import ValidationError

from ..errors import IndexMismatch, IndexNotReady
from .cache import EmbeddingCache, embed_cached
from .embed import Embedder, truncate
from .lexical import Lexical
from .lexical import files as lexical_files
from .playbooks import Playbooks
from .render import strip_slots
from .schemas import Entry, Manifest
from .sides import (
    Sides,
    out_of_scope_exemplars,
    read_sides,
    side_texts,
    stage_messages,
    write_sides,
)
from .snippets import (
    SCOPES_FILE,
    Scope,
    SharedReply,
    Viewer,
    as_entries,
    read_scopes,
    scopes_blob,
)
from .text import NORMALISER_VERSION, detect_script, normalise, words

FLAT_LIMIT = 200_000  # exact search up to here; HNSW above (DESIGN.md: measured)
CURRENT = "current"
MOOD_LABELS = ("calm", "frustrated", "angry")
DATA_FILES = ("vectors.faiss", "units.jsonl", "entries.json", "moods.npy", "moods.json")
# Leftovers of a killed build (`.tmp-*`, `.current-*`) older than this are removed by the
# next build. The build lock already keeps out live builds; the age is for filesystems
# where flock does nothing (some NFS), where an HNSW build sits minutes in its folder.
ORPHAN_SECONDS = 3600


@dataclass(frozen=True)
class Unit:
    kind: str  # "example" | "title"
    entry_id: str
    lang: str
    text: str  # as written, shown to the agent as the reason for a match


@dataclass(frozen=True)
class BuildReport:
    version: str
    path: Path
    entries: int
    units: int
    embedded: int  # vectors computed; the rest came from the cache
    seconds: float


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


def collect_units(
    entries: tuple[Entry, ...] | list[Entry], *, titles: bool = True, guidance: bool = False
) -> list[Unit]:
    """Every example message becomes one searchable unit; so do titles and, if asked,
    guidance lines (`assist eval` measures whether they help)."""
    units = []
    for entry in entries:
        for lang in ("en", "fa"):
            title = entry.title.get(lang)
            if titles and title:
                units.append(Unit("title", entry.id, lang, title))
            units.extend(Unit("example", entry.id, lang, t) for t in entry.examples.get(lang))
            if guidance:
                units.extend(Unit("guidance", entry.id, lang, t) for t in entry.guidance.get(lang))
    return units


def mood_exemplars() -> list[tuple[str, str, str]]:
    """(label, lang, text) of the bundled mood exemplars."""
    raw = yaml.safe_load(resources.files("assist").joinpath("data/moods.yaml").read_text("utf-8"))
    return [
        (label, lang, text)
        for label in MOOD_LABELS
        for lang, texts in raw[label].items()
        for text in texts
    ]


def build_index(
    playbooks: Playbooks,
    embedder: Embedder,
    root: Path,
    *,
    cache: EmbeddingCache | None = None,
    keep: int = 5,
    progress: Callable[[int, int], None] | None = None,
    titles: bool = True,
    guidance: bool = False,
    out_of_scope: list[tuple[str, str]] | None = None,
    snippets: Sequence[SharedReply] = (),
    snippet_change: int = 0,
) -> BuildReport:
    """Embed and publish a new version; returns what it did. `progress(done, total)`.
    `out_of_scope`: (lang, text) exemplars of messages no entry answers; None = the
    bundled set, [] = none. `snippets`: the approved snippets to fold in, as the store
    had them at change number `snippet_change`."""
    started = time.perf_counter()
    served = [s for s in snippets if s.served]
    if served:
        playbooks = dataclasses.replace(
            playbooks, entries=(*playbooks.entries, *as_entries(served, playbooks.by_id()))
        )
    units = collect_units(playbooks.entries, titles=titles, guidance=guidance)
    moods = mood_exemplars()
    outside = out_of_scope_exemplars() if out_of_scope is None else out_of_scope
    stages = stage_messages(playbooks.entries)
    texts = (
        [normalise(u.text) for u in units]
        + [normalise(t) for _, _, t in moods]
        + [normalise(t) for t in side_texts(outside, stages)]
    )
    # Cut like queries: the model reads no further, and a huge text would embed for minutes.
    texts = [truncate(embedder, text)[0] for text in texts]
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(texts))

    matrix, embedded = embed_cached(embedder, texts, "document", cache, advance)
    split = len(units) + len(moods)
    unit_vectors, mood_vectors = matrix[: len(units)], matrix[len(units) : split]
    root.mkdir(parents=True, exist_ok=True)
    with _build_lock(root):
        _remove_orphans(root)
        tmp = root / f".tmp-{uuid.uuid4().hex[:12]}"
        tmp.mkdir()
        try:
            sources_sha = _sha256_text(json.dumps(playbooks.sources, sort_keys=True))
            version = _new_version(root, sources_sha)
            files = _write_data(
                tmp, playbooks, units, texts[: len(units)], unit_vectors, moods, mood_vectors
            )
            for name in write_sides(tmp, outside, stages, matrix[split:]):
                files[name] = _sha256_file(tmp / name)
            if served or snippet_change:
                _write(tmp / SCOPES_FILE, scopes_blob(served, snippet_change))
                files[SCOPES_FILE] = _sha256_file(tmp / SCOPES_FILE)
            manifest = Manifest(
                version=version,
                embedder=embedder.name,
                model=embedder.model_id,
                fingerprint=embedder.fingerprint,
                dim=embedder.dim,
                normaliser=NORMALISER_VERSION,
                index_type="flat" if len(units) <= FLAT_LIMIT else "hnsw",
                counts={
                    "entries": len(playbooks.entries),
                    "units": len(units),
                    "moods": len(moods),
                    "out_of_scope": len(outside),
                    "stages": len(stages),
                    "snippets": len(served),
                    **{
                        f"units_{kind}": sum(u.kind == kind for u in units)
                        for kind in ("example", "title", "guidance")
                    },
                },
                sources=playbooks.sources,
                sources_sha256=sources_sha,
                files=files,
                built_at=datetime.now(UTC).isoformat(timespec="seconds"),
                build_seconds=round(time.perf_counter() - started, 3),
            )
            _write(tmp / "manifest.json", manifest.model_dump_json(indent=2).encode())
            _fsync_dir(tmp)
            final = root / version
            os.rename(tmp, final)
            _fsync_dir(root)
            _point_current(root, version)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _prune(root, keep)
    return BuildReport(
        version, final, len(playbooks.entries), len(units), embedded, time.perf_counter() - started
    )


def _write_data(
    tmp: Path,
    playbooks: Playbooks,
    units: list[Unit],
    unit_texts: list[str],
    unit_vectors: np.ndarray,
    moods: list[tuple[str, str, str]],
    mood_vectors: np.ndarray,
) -> dict[str, str]:
    vectors = _new_faiss_index(unit_vectors.shape[1], len(units))
    vectors.add(np.ascontiguousarray(unit_vectors))
    blobs = {
        "vectors.faiss": faiss.serialize_index(vectors).tobytes(),
        "units.jsonl": "".join(
            json.dumps(
                {"kind": u.kind, "entry_id": u.entry_id, "lang": u.lang, "text": u.text},
                ensure_ascii=False,
            )
            + "\n"
            for u in units
        ).encode(),
        "entries.json": json.dumps(
            [e.model_dump(mode="json", exclude_none=True) for e in playbooks.entries],
            ensure_ascii=False,
        ).encode(),
        "moods.json": json.dumps([label for label, _, _ in moods]).encode(),
    }
    for name, blob in blobs.items():
        _write(tmp / name, blob)
    for path in Lexical.build(unit_texts).save(tmp):  # normalised, as embedded
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())
    with open(tmp / "moods.npy", "wb") as fh:
        np.save(fh, mood_vectors.astype(np.float32))
        fh.flush()
        os.fsync(fh.fileno())
    return {name: _sha256_file(tmp / name) for name in (*DATA_FILES, *lexical_files(tmp))}


def _new_faiss_index(dim: int, size: int) -> Any:
    if size <= FLAT_LIMIT:
        return faiss.IndexFlatIP(dim)
    hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 200
    return hnsw


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """One publisher at a time per index root (a batch job and a person may overlap)."""
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_orphans(root: Path) -> None:
    """Remove what killed builds left; call it holding the build lock."""
    stale = time.time() - ORPHAN_SECONDS
    for path in root.iterdir():
        if not path.name.startswith((".tmp-", ".current-")):
            continue
        try:
            if path.lstat().st_mtime >= stale:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()
        except OSError:
            continue  # gone already, or not ours to remove: the build goes on


def _new_version(root: Path, sources_sha: str) -> str:
    # Microseconds keep names unique and sortable even for back-to-back builds.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    version = f"{stamp}-{sources_sha[:8]}"
    n = 2
    while (root / version).exists():
        version = f"{stamp}-{sources_sha[:8]}-{n}"
        n += 1
    return version


def _point_current(root: Path, version: str) -> None:
    link = root / f".current-{uuid.uuid4().hex[:8]}"
    os.symlink(version, link)
    os.replace(link, root / CURRENT)  # atomic: readers see the old or the new target
    _fsync_dir(root)


def _prune(root: Path, keep: int) -> None:
    current = os.readlink(root / CURRENT)
    versions = sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not p.is_symlink()
    )
    for name in versions[:-keep]:
        if name != current:
            shutil.rmtree(root / name, ignore_errors=True)


def _write(path: Path, blob: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(blob)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------------------- load


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
    scopes, snippet_change = {}, 0
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
