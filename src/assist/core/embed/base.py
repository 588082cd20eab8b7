"""What every embedder is: the protocol and the truncation rule they share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np

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
