"""Shared snippets are found by paraphrases of their own triggers (leave-one-out over
tests/data/snippets.yaml, served live beside the bundled index, real e5), and serving
them all costs the golden set almost nothing. Floors just under what the test split
reached on 2026-12-07 (README, "Expert snippets")."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist.eval.evaluate import load_golden
from assist.eval.snippets import golden_with_snippets, leave_one_out, load_snippets

DATA = Path(__file__).parent.parent / "data"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def snippets():
    return load_snippets(DATA / "snippets.yaml")


def test_snippets_are_found_by_their_held_out_triggers(e5_suggester, snippets):
    report = leave_one_out(e5_suggester, snippets, split="test")
    assert report["snippets"] >= 55
    everything = report["groups"]["all"]
    assert everything["hit@3"] >= 0.83, report["misses"][:10]
    assert report["groups"]["fa"]["hit@3"] >= 0.86
    assert report["groups"]["en"]["hit@3"] >= 0.80


def test_serving_every_snippet_keeps_the_golden_top_answer(e5_suggester, snippets):
    report = golden_with_snippets(e5_suggester, snippets, load_golden(DATA / "golden.yaml"))
    assert report["after"]["hit@1"] >= report["before"]["hit@1"] - 0.01
    assert len(report["taken_by_snippets"]) <= 8
