"""Builds an ONNX graph of a sentence-transformers BERT model (all-MiniLM-L6-v2) from its files.

The graph computes what sentence-transformers' pipeline does (modules.json: Transformer →
Pooling with masked mean → Normalize): BERT embeddings + LayerNorm, post-LN encoder layers
with exact (erf) GELU, then the mean over real tokens, L2-normalised. Weights stay float32,
so the vectors equal torch's to rounding; they go to a page-aligned file beside the graph.
Plain ai.onnx opset 18; onnxruntime fuses the GELU pattern itself when it loads the graph.

Reads `model.safetensors` with numpy (a JSON header, then raw little-endian arrays), so
building needs neither torch nor the `safetensors` package; `onnx` is imported only here.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Bump when the builder would write different bytes: it is part of the cache key.
BUILDER_KIND = "minilm-fp32-v1"
OPSET = 18
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "sentence_embedding"
WEIGHTS = "minilm.weights"  # external data file, in the graph's own cache directory
EXTERNAL_MIN_BYTES = 64 * 1024  # matrices and tables; biases and LayerNorm stay inline
ALIGN = 64 * 1024  # the mmap granularity onnxruntime's external-data loader expects


@dataclass(frozen=True)
class BertShape:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    eps: float

    @classmethod
    def from_config(cls, model_dir: Path) -> BertShape:
        config = json.loads((model_dir / "config.json").read_text())
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ValueError(
                f"{model_dir}: expected a BERT model with exact GELU, got "
                f"model_type={config.get('model_type')!r} hidden_act={config.get('hidden_act')!r}"
            )
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{model_dir}: only absolute position embeddings are supported")
        return cls(
            hidden=int(config["hidden_size"]),
            layers=int(config["num_hidden_layers"]),
            heads=int(config["num_attention_heads"]),
            intermediate=int(config["intermediate_size"]),
            eps=float(config["layer_norm_eps"]),
        )


def check_pipeline(model_dir: Path) -> None:
    """Refuse a model whose sentence-transformers pipeline is not mean pooling + Normalize."""
    modules = json.loads((model_dir / "modules.json").read_text())
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise ValueError(f"{model_dir}: pipeline {kinds} is not Transformer, Pooling, Normalize")
    pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
    pooling = json.loads((model_dir / pooling_dir / "config.json").read_text())
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode") and v)
    if modes != ["pooling_mode_mean_tokens"]:
        raise ValueError(f"{model_dir}: pooling {modes} is not plain mean pooling")


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Float32 tensors of a safetensors file, memory-mapped (no copy until used)."""
    with open(path, "rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue  # position_ids (I64) is a buffer, not a weight
        start, end = info["data_offsets"]
        array = raw[start:end].view("<f4").reshape(info["shape"])
        tensors[name.removeprefix("bert.")] = array
    return tensors


def build_graph(model_dir: Path, target: Path) -> None:
    """Write the ONNX graph of the model in `model_dir` to `target`."""
    import onnx

    check_pipeline(model_dir)
    shape = BertShape.from_config(model_dir)
    weights = read_safetensors(model_dir / "model.safetensors")
    graph = _Graph(weights)
    hidden = graph.embeddings(shape)
    bias = graph.attention_bias()
    for i in range(shape.layers):
        hidden = graph.layer(i, hidden, bias, shape)
    graph.pool_and_normalise(hidden)

    batch_seq = ["batch", "seq"]
    inputs = [
        onnx.helper.make_tensor_value_info(n, onnx.TensorProto.INT64, batch_seq) for n in INPUTS
    ]
    output = onnx.helper.make_tensor_value_info(
        OUTPUT, onnx.TensorProto.FLOAT, ["batch", shape.hidden]
    )
    model = onnx.helper.make_model(
        onnx.helper.make_graph(graph.nodes, "minilm", inputs, [output], graph.initializers),
        opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        producer_name="assist.minilm_graph",
    )
    model.ir_version = 9
    onnx.checker.check_model(model)
    _move_weights_out(model, target.parent)
    onnx.save(model, str(target))


def _move_weights_out(model: Any, folder: Path) -> None:
    """Store the large initializers in WEIGHTS beside the graph, page-aligned.

    onnxruntime memory-maps external data: the word-embedding table stays in the page cache
    (only the rows used become resident; shared by sessions and workers) and the matrices are
    read once into its prepacked layout. Measured: 56 MB per session instead of 124.
    The file is written under a private name and renamed, so racing builders (which write
    the same bytes) never expose a partial file.
    """
    from onnx import external_data_helper

    fd, partial = tempfile.mkstemp(prefix=".weights-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            for tensor in model.graph.initializer:
                if len(tensor.raw_data) < EXTERNAL_MIN_BYTES:
                    continue
                out.write(b"\0" * (-out.tell() % ALIGN))
                offset = out.tell()
                out.write(tensor.raw_data)
                external_data_helper.set_external_data(
                    tensor, WEIGHTS, offset=offset, length=len(tensor.raw_data)
                )
                tensor.ClearField("raw_data")
        os.chmod(partial, 0o644)  # readable by a server run as another user
        os.replace(partial, folder / WEIGHTS)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


class _Graph:
    """Accumulates nodes and initializers; each method returns the name of its output."""

    def __init__(self, weights: dict[str, np.ndarray]):
        import onnx

        self._onnx = onnx
        self._weights = weights
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def weight(self, name: str) -> np.ndarray:
        if name not in self._weights:
            raise ValueError(f"model.safetensors has no tensor {name!r}")
        return np.asarray(self._weights[name], dtype=np.float32)

    def const(self, value: np.ndarray, hint: str = "c") -> str:
        name = f"{hint}_{len(self.initializers)}"
        self.initializers.append(
            self._onnx.numpy_helper.from_array(np.ascontiguousarray(value), name)
        )
        return name

    def op(self, kind: str, *inputs: str, **attrs: Any) -> str:
        self._count += 1
        out = f"{kind.lower()}_{self._count}"
        self.nodes.append(self._onnx.helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def linear(self, x: str, prefix: str, scale: float = 1.0) -> str:
        # torch's Linear stores [out, in]; MatMul wants [in, out]
        w = self.const(self.weight(f"{prefix}.weight").T * np.float32(scale), "w")
        b = self.const(self.weight(f"{prefix}.bias") * np.float32(scale), "b")
        return self.op("Add", self.op("MatMul", x, w), b)

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        gamma = self.const(self.weight(f"{prefix}.weight"), "ln_w")
        beta = self.const(self.weight(f"{prefix}.bias"), "ln_b")
        return self.op("LayerNormalization", x, gamma, beta, axis=-1, epsilon=eps)

    def embeddings(self, shape: BertShape) -> str:
        words = self.op(
            "Gather",
            self.const(self.weight("embeddings.word_embeddings.weight"), "word"),
            "input_ids",
        )
        types = self.op(
            "Gather",
            self.const(self.weight("embeddings.token_type_embeddings.weight"), "type"),
            "token_type_ids",
        )
        # positions 0 … seq-1, as BertModel's position_ids buffer: the first `seq` rows
        seq = self.op("Shape", "input_ids", start=1, end=2)
        zero = self.const(np.array([0], np.int64))
        table = self.const(self.weight("embeddings.position_embeddings.weight"), "pos")
        pos = self.op("Slice", table, zero, seq, zero)
        summed = self.op("Add", self.op("Add", words, types), pos)
        return self.layer_norm(summed, "embeddings.LayerNorm", shape.eps)

    def attention_bias(self) -> str:
        """[batch, 1, 1, seq]: 0 for real tokens, float32's minimum for padding (as BertModel)."""
        mask = self.op("Cast", "attention_mask", to=self._onnx.TensorProto.FLOAT)
        mask4 = self.op("Unsqueeze", mask, self.const(np.array([1, 2], np.int64)))
        inverted = self.op("Sub", self.const(np.array(1.0, np.float32)), mask4)
        return self.op("Mul", inverted, self.const(np.array(np.finfo(np.float32).min, np.float32)))

    def layer(self, i: int, x: str, bias: str, shape: BertShape) -> str:
        p = f"encoder.layer.{i}"
        head_dim = shape.hidden // shape.heads
        split = self.const(np.array([0, 0, shape.heads, head_dim], np.int64))
        merge = self.const(np.array([0, 0, shape.hidden], np.int64))

        def heads(t: str, perm: list[int]) -> str:
            return self.op("Transpose", self.op("Reshape", t, split), perm=perm)

        # 1/√d folded into the query projection
        q = heads(self.linear(x, f"{p}.attention.self.query", head_dim**-0.5), [0, 2, 1, 3])
        k = heads(self.linear(x, f"{p}.attention.self.key"), [0, 2, 3, 1])
        v = heads(self.linear(x, f"{p}.attention.self.value"), [0, 2, 1, 3])
        scores = self.op("Add", self.op("MatMul", q, k), bias)
        probs = self.op("Softmax", scores, axis=-1)
        context = self.op("Transpose", self.op("MatMul", probs, v), perm=[0, 2, 1, 3])
        attended = self.linear(self.op("Reshape", context, merge), f"{p}.attention.output.dense")
        x = self.layer_norm(
            self.op("Add", attended, x), f"{p}.attention.output.LayerNorm", shape.eps
        )

        inner = self.linear(x, f"{p}.intermediate.dense")
        # exact GELU: x·½·(1 + erf(x/√2)), the pattern onnxruntime fuses into one Gelu
        erf = self.op("Erf", self.op("Div", inner, self.const(np.array(np.sqrt(2.0), np.float32))))
        one_plus = self.op("Add", erf, self.const(np.array(1.0, np.float32)))
        gelu = self.op(
            "Mul", self.op("Mul", inner, one_plus), self.const(np.array(0.5, np.float32))
        )
        out = self.linear(gelu, f"{p}.output.dense")
        return self.layer_norm(self.op("Add", out, x), f"{p}.output.LayerNorm", shape.eps)

    def pool_and_normalise(self, x: str) -> None:
        """sentence-transformers' Pooling (mean over real tokens) then Normalize."""
        mask = self.op("Cast", "attention_mask", to=self._onnx.TensorProto.FLOAT)
        mask3 = self.op("Unsqueeze", mask, self.const(np.array([2], np.int64)))
        axis1 = self.const(np.array([1], np.int64))
        summed = self.op("ReduceSum", self.op("Mul", x, mask3), axis1, keepdims=0)
        count = self.op("ReduceSum", mask, axis1, keepdims=1)
        count = self.op(
            "Max", count, self.const(np.array(1e-9, np.float32))
        )  # torch.clamp(min=1e-9)
        mean = self.op("Div", summed, count)
        norm = self.op("ReduceL2", mean, axis1, keepdims=1)
        norm = self.op("Max", norm, self.const(np.array(1e-12, np.float32)))  # F.normalize's eps
        self.nodes.append(self._onnx.helper.make_node("Div", [mean, norm], [OUTPUT]))
