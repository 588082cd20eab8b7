"""The onnxruntime MiniLM engine gives sentence-transformers' vectors (cosine ≥ 0.9999).

That equality is what lets both engines share one fingerprint, so an index built with either
serves with the other. Texts: every English and Persian string in the bundled and fixture
playbooks (sampled), plus long ones glued from them that pass the 256-token limit.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from assist.core.embed import SentenceTransformerEmbedder
from assist.core.embed.onnx_minilm import OnnxMiniLMEmbedder
from conftest import BUNDLED_PLAYBOOKS, FIXTURE_PLAYBOOKS

pytestmark = pytest.mark.slow

PERSIAN = re.compile("[\u0600-\u06ff]")


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node] if len(node.split()) >= 2 else []  # sentences, not ids or keys
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def corpus() -> tuple[list[str], list[str], list[str]]:
    """(English, Persian, long) texts, the same on every run."""
    found: set[str] = set()
    for folder in (BUNDLED_PLAYBOOKS, FIXTURE_PLAYBOOKS):
        for path in sorted(Path(folder).glob("*.yaml")):
            for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                found.update(_strings(document))
    texts = sorted(found)
    # short messages keep the run under a minute; the long ones cover truncation
    persian = [t for t in texts if PERSIAN.search(t) and len(t) <= 100]
    english = [t for t in texts if not PERSIAN.search(t) and len(t) <= 160]
    english, persian = english[:: len(english) // 600], persian[:: len(persian) // 420]
    # ~2,000 characters each: well past 256 WordPiece tokens in either language
    step = (len(texts) - 40) // 40
    long = [" ".join(texts[i : i + 40]) for i in range(0, 40 * step, step)]
    return english, persian, long


@pytest.fixture(scope="module")
def engines(tmp_path_factory) -> tuple[OnnxMiniLMEmbedder, SentenceTransformerEmbedder]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSIST_ONNX_CACHE", str(tmp_path_factory.mktemp("onnx-cache")))
        onnx_engine = OnnxMiniLMEmbedder(threads=1)
    # one thread each: torch's pool collapses when the machine is busy (issue 14)
    return onnx_engine, SentenceTransformerEmbedder(threads=1)


def test_same_fingerprint_as_torch(engines):
    onnx_engine, torch_engine = engines
    assert onnx_engine.fingerprint == torch_engine.fingerprint
    assert (onnx_engine.dim, onnx_engine.max_tokens) == (torch_engine.dim, torch_engine.max_tokens)


def test_vectors_equal_sentence_transformers_on_english_persian_and_long_texts(engines):
    onnx_engine, torch_engine = engines
    english, persian, long = corpus()
    texts = english + persian + long
    assert len(english) >= 600 and len(persian) >= 420 and len(texts) >= 1000
    assert min(torch_engine.token_count(t) for t in long) > 256
    counts = [onnx_engine.token_count(t) for t in texts]
    assert counts == [torch_engine.token_count(t) for t in texts]

    ours = onnx_engine.embed(texts, "document")
    theirs = torch_engine.embed(texts, "document")
    cosine = np.sum(ours * theirs, axis=1)  # both L2-normalised
    for name, part in (("english", english), ("persian", persian), ("long", long)):
        start = texts.index(part[0])
        low = cosine[start : start + len(part)].min()
        assert low >= 0.9999, f"{name}: min cosine {low:.6f}"
    assert cosine.mean() >= 0.99999
