"""Build and publish a versioned index directory.

    index/<version>/ manifest.json  embedder, model, dim, counts, sha256 of sources and files
                     vectors.faiss  row i is the vector of unit i
                     units.jsonl    unit i: kind, entry_id, lang, text (as written)
                     entries.json   the validated playbook entries the units point to
                     moods.npy/json mood exemplar vectors and labels
                     snippets.json  the folded snippets' owners and change number
    index/current -> <version>      a symlink, swapped atomically

A build goes to index/.tmp-*, is fsynced, renamed to index/<version>, and only then is
`current` repointed; a build that fails anywhere leaves `current` as it was. Loading and
searching are in index.py.
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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import yaml

from .cache import EmbeddingCache, embed_cached
from .embed import Embedder, truncate
from .lexical import Lexical
from .lexical import files as lexical_files
from .playbooks import Playbooks
from .schemas import Entry, Manifest
from .sides import (
    out_of_scope_exemplars,
    side_texts,
    stage_messages,
    write_sides,
)
from .snippets import (
    SCOPES_FILE,
    SharedReply,
    as_entries,
    scopes_blob,
)
from .text import NORMALISER_VERSION, normalise

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
                engine=getattr(embedder, "engine", embedder.name),
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
