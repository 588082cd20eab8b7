"""A hashed bag of words: deterministic and instant, for fast unit tests only."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from .base import Role

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
