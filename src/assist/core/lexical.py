"""BM25 over the units' normalised words (bm25s), kept beside the vectors in every index
version, so `retrieval = bm25 | hybrid` needs no rebuild. Dense retrieval stays the
default; `assist eval` measures when the words help (README, "Quality")."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .text import words

FOLDER = "lexical"


class Lexical:
    def __init__(self, retriever: object, size: int):
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> Lexical:
        import bm25s

        retriever = bm25s.BM25()
        # A unit with no word at all still needs a (dummy) token to keep row i = unit i.
        retriever.index([words(t) or ["\u2400"] for t in texts], show_progress=False)
        return cls(retriever, len(texts))

    def save(self, directory: Path) -> list[Path]:
        target = directory / FOLDER
        self._retriever.save(str(target))  # type: ignore[attr-defined]
        return sorted(p for p in target.iterdir() if p.is_file())

    @classmethod
    def load(cls, directory: Path, size: int) -> Lexical:
        import bm25s

        retriever = bm25s.BM25.load(str(directory / FOLDER))
        found = retriever.scores.get("num_docs") if isinstance(retriever.scores, dict) else None
        if found != size:  # else a search returns rows past the units: a 500 per request
            raise ValueError(f"BM25 over {found} documents for {size} units")
        return cls(retriever, size)

    def search(self, text: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, unit ids), best first; units sharing no word are left out."""
        vocabulary = self._retriever.vocab_dict  # type: ignore[attr-defined]
        tokens = [token for token in words(text) if token in vocabulary]
        if not tokens or not self.size:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        # Scores of every unit, then the top `depth`: the same ranking as bm25s's
        # `retrieve`, about 9x faster per query (no batching or checks we don't need).
        scores = np.asarray(self._retriever.get_scores(tokens))  # type: ignore[attr-defined]
        k = min(depth, self.size)
        top = np.argpartition(-scores, k - 1)[:k] if k < self.size else np.arange(self.size)
        top = top[np.argsort(-scores[top], kind="stable")]
        keep = scores[top] > 0
        return scores[top][keep].astype(np.float32), top[keep].astype(np.int64)


def files(directory: Path) -> list[str]:
    """Paths of the lexical files relative to an index version directory."""
    target = directory / FOLDER
    if not target.is_dir():
        return []
    return sorted(f"{FOLDER}/{name}" for name in os.listdir(target))
