"""Gaps: unmatched messages clustered greedily by cosine, per language, each cluster with
a playbook skeleton that `assist validate` accepts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from assist.core.embed import HashEmbedder
from assist.core.gaps import Message, cluster, find_gaps, skeleton_yaml
from assist.core.playbooks import check_playbooks

GIFT = [
    "can I pay with a gift card from the old shop",
    "do you take gift cards from the old shop",
    "gift card from the old shop, does it work here",
    "is the old shop gift card valid",
]
PERSIAN = [
    "کارت هدیه فروشگاه قدیمی رو قبول میکنید؟",
    "کارت هدیه فروشگاه قدیمی هنوز اعتبار داره؟",
    "با کارت هدیه فروشگاه قدیمی میشه خرید کرد؟",
]


def test_greedy_clustering_follows_the_threshold():
    vectors = np.array([[1, 0], [0.96, 0.28], [0, 1], [0.28, 0.96], [0.7, 0.7]], np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    weights = np.ones(5, np.float32)
    groups = sorted(sorted(rows) for rows, _ in cluster(vectors, weights, 0.9))
    assert groups == [[0, 1], [2, 3], [4]]  # the diagonal is 0.71-0.87 from both
    assert len(cluster(vectors, weights, 0.0)) == 1
    assert len(cluster(vectors, weights, 0.999)) == 5
    # the heaviest row leads: weight decides who founds a cluster
    heavy = np.array([1, 1, 1, 1, 5], np.float32)
    assert cluster(vectors, heavy, 0.9)[0][0] == [4]


def test_unmatched_messages_form_one_gap_per_situation_and_language():
    messages = [Message(t, "en", "order-late", 0.4) for t in GIFT]
    messages += [Message(GIFT[0], "en", "refund-status", 0.5)]  # a repeat
    messages += [Message(t, "fa", None, 0.3) for t in PERSIAN]
    messages += [Message("my password reset email never came", "en", "password-reset", 0.6)]
    gaps = find_gaps(messages, HashEmbedder())
    assert [(g.lang, g.size, g.distinct) for g in gaps.clusters] == [("en", 5, 4), ("fa", 3, 3)]
    english = gaps.clusters[0]
    assert english.id == "gap-en-1-can-i-pay-with"
    assert english.best_entry_id == "order-late" and english.best_score == 0.4
    assert set(english.examples) == set(GIFT) and english.examples[0] == GIFT[0]
    assert gaps.clusters[1].id == "gap-fa-2" and gaps.clusters[1].best_entry_id is None
    assert (gaps.messages, gaps.unclustered, gaps.threshold) == (9, 1, 0.45)
    assert gaps.to_dict()["clusters"][0]["examples"] == list(english.examples)


def test_every_skeleton_passes_validate(tmp_path: Path):
    messages = [Message(t, "en", "order-late", 0.4) for t in GIFT]
    messages += [Message(t, "fa", None, 0.3) for t in PERSIAN]
    # hostile text: YAML syntax, slot brackets, a control character, a long message
    odd = ["- &a *a {{x}} [[y]] #: gift card old shop", "gift card\x07 old shop: 'quotes' \"too\""]
    messages += [Message(t, "en") for t in odd]
    messages += [Message("gift card from the old shop " * 60, "en")]
    gaps = find_gaps(messages, HashEmbedder(), threshold=0.3)
    assert len(gaps.clusters) == 2
    for gap in gaps.clusters:
        (tmp_path / f"{gap.id}.yaml").write_text(gap.skeleton, "utf-8")
    playbooks, problems = check_playbooks(tmp_path)
    assert [p for p in problems if p.severity == "error"] == []
    assert {e.id for e in playbooks.entries} == {g.id for g in gaps.clusters}
    english = playbooks.by_id()[gaps.clusters[0].id]
    assert "\x07" not in str(english.examples.en) and len(english.examples.en) == 7
    assert max(len(x) for x in english.examples.en) <= 302


def test_a_skeleton_reads_as_a_playbook_entry():
    text = skeleton_yaml("gap-fa-1", "fa", PERSIAN, 4, "refund-status", 0.41)
    assert text.startswith("# 4 customer messages found no confident suggestion (3 different).")
    assert "# Nearest entry: refund-status (similarity 0.41)" in text
    (entry,) = yaml.safe_load(text)
    assert entry["id"] == "gap-fa-1" and entry["title"] == {"fa": PERSIAN[0]}
    assert entry["examples"] == {"fa": PERSIAN}
    assert entry["replies"][0]["id"] == "answer" and "[[" in entry["replies"][0]["fa"][0]


def test_nothing_kept_is_no_gap():
    gaps = find_gaps([], HashEmbedder())
    assert gaps.clusters == () and gaps.messages == 0 and gaps.unclustered == 0
    two = find_gaps([Message(t, "en") for t in GIFT[:2]], HashEmbedder())
    assert two.clusters == () and two.unclustered == 2
