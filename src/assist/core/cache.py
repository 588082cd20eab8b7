"""Embedding cache keyed by content hash, so a reindex or an eval re-embeds only what changed.

A key is sha256(embedder fingerprint, role, normaliser version, text): a new model, prefix
scheme or normaliser never reuses stale vectors. Stored in one SQLite file (stdlib), which
copes with concurrent readers and an interrupted writer.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .embed import Embedder, Role
from .text import NORMALISER_VERSION

_CHUNK = 500  # keys per SELECT (SQLite's variable limit is 999 on old builds)
BATCH = 64  # texts per embedder call; also the progress granularity


class EmbeddingCache:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB)")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def key(fingerprint: str, role: Role, text: str) -> bytes:
        raw = f"{fingerprint}\x1f{role}\x1f{NORMALISER_VERSION}\x1f{text}".encode()
        return hashlib.sha256(raw).digest()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk)
            found.update(rows)
        return found

    def put_many(self, items: Sequence[tuple[bytes, bytes]]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", items)


def embed_cached(
    embedder: Embedder,
    texts: Sequence[str],
    role: Role,
    cache: EmbeddingCache | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (already normalised) and how many had to be computed.

    `progress(n)` is called as texts are resolved, from the cache or the model.
    """
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    keys = [EmbeddingCache.key(embedder.fingerprint, role, t) for t in texts]
    known = cache.get_many(sorted(set(keys))) if cache else {}
    missing: dict[bytes, list[int]] = {}
    for row, key in enumerate(keys):
        blob = known.get(key)
        if blob is not None and len(blob) == 4 * embedder.dim:
            out[row] = np.frombuffer(blob, dtype=np.float32)
        else:
            missing.setdefault(key, []).append(row)
    if progress:
        progress(len(texts) - sum(len(rows) for rows in missing.values()))
    todo = list(missing)
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        vectors = embedder.embed([texts[missing[k][0]] for k in batch], role)
        for key, vector in zip(batch, vectors, strict=True):
            out[missing[key]] = vector
        if cache:
            cache.put_many(
                [(k, v.astype(np.float32).tobytes()) for k, v in zip(batch, vectors, strict=True)]
            )
        if progress:
            progress(sum(len(missing[k]) for k in batch))
    return out, len(todo)


class CachedEmbedder:
    """An Embedder that keeps every vector it computes, so an evaluation re-run (or a
    long-lived batch job) embeds each distinct text once."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache):
        self.inner, self.cache = inner, cache
        self.name, self.model_id = inner.name, inner.model_id
        self.dim, self.max_tokens = inner.dim, inner.max_tokens
        self.engine = getattr(inner, "engine", inner.name)
        self.computed = 0

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray:
        vectors, computed = embed_cached(self.inner, texts, role, self.cache)
        self.computed += computed
        return vectors

    def token_count(self, text: str) -> int:
        return self.inner.token_count(text)


class MemoEmbedder:
    """An Embedder that remembers its last `max_items` vectors in memory, by role and
    text: a caller that embeds mostly the same texts again (the replay's curve points,
    the gap clustering of a growing set of kept messages) computes only the new ones.
    Thread-safe; the inner embedder is called outside the lock."""

    def __init__(self, inner: Embedder, max_items: int | None = None):
        self.inner, self.max_items = inner, max_items
        self.name, self.model_id = inner.name, inner.model_id
        self.dim, self.max_tokens = inner.dim, inner.max_tokens
        self.computed = 0
        self._vectors: OrderedDict[tuple[Role, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get((role, text))
                if vector is not None:
                    found[text] = vector
                    self._vectors.move_to_end((role, text))
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            computed = self.inner.embed(missing, role)
            found.update(zip(missing, computed, strict=True))
            with self._lock:
                self.computed += len(missing)
                for text, vector in zip(missing, computed, strict=True):
                    self._vectors[(role, text)] = vector
                while self.max_items is not None and len(self._vectors) > self.max_items:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([found[t] for t in texts])

    def token_count(self, text: str) -> int:
        return self.inner.token_count(text)
