"""The quick public-data subset with the default embedder (CI runs it): a regression guard
on real data nobody on the team wrote. Floors sit a little under today's measurements
(README, "Quality"), so a real regression fails and machine noise does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assist.core.cache import EmbeddingCache
from assist.core.embed import load_embedder
from assist.eval.benchmarks import FAST
from assist.eval.evaluate import run_benchmark
from assist.settings import Settings
from conftest import REPO

pytestmark = pytest.mark.slow

DATA = Path(os.environ.get("ASSIST_EVAL_DATA", REPO.parent / "shared" / "datasets"))
FLOORS = {"massive-fa": 0.78, "massive-en2fa": 0.70, "massive-fa2en": 0.70, "bitext-b": 0.62}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    if not (DATA / "massive-fa-sample").is_dir():
        pytest.skip(f"public datasets not found at {DATA} (set ASSIST_EVAL_DATA)")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    embedder = load_embedder(settings)
    work = tmp_path_factory.mktemp("eval")
    cache_path = REPO / "reports" / ".cache" / "embeddings.sqlite"  # reused across runs
    with EmbeddingCache(cache_path) as cache:
        return {name: run_benchmark(name, settings, embedder, DATA, work, cache) for name in FAST}


@pytest.mark.parametrize("name", FAST)
def test_fast_subset_stays_above_its_floor(reports, name):
    report = reports[name]
    assert report["n"] >= 150
    assert report["hit@1"] >= FLOORS[name], report
    assert report["hit@3"] >= report["hit@1"]
