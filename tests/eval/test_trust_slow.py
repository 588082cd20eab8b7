"""Trust on real traffic with the real model (issue 11's goals), on the test splits of the
sets in tests/data (written blind to the playbooks). Floors sit a little under what the
defaults reach (README, "Knowing when nothing fits"); tuning used the dev splits only."""

from __future__ import annotations

import pytest

from assist.eval import trust
from assist.eval.evaluate import load_golden
from conftest import DATA

pytestmark = pytest.mark.slow


def test_out_of_scope_is_refused_and_in_scope_is_not(e5_suggester):
    golden = [(c.text, c.lang) for c in load_golden(DATA / "golden.yaml")]
    report = trust.evaluate_out_of_scope(
        e5_suggester, trust.load_items(DATA / "out_of_scope.yaml", "test"), golden
    )
    assert report["oos_refused"] >= 0.83, report["oos_by_kind"]
    assert report["inscope_refused"] <= 0.02, report["inscope_by_lang"]


def test_follow_ups_are_read_with_the_conversation(e5_suggester):
    report = trust.evaluate_conversations(
        e5_suggester, trust.load_items(DATA / "conversations.yaml", "test")
    )
    first, follow = report["groups"]["first"], report["groups"]["follow_up"]
    assert first["entry_hit@1"] >= 0.95 and first["reply_hit@1"] >= 0.83, first
    assert follow["entry_hit@1"] >= 0.66, follow
    assert follow["reply_hit@1"] >= 0.48, follow
