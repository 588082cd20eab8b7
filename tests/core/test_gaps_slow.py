"""Gaps with the real e5 model: paraphrases of one request land in one cluster, different
requests in different ones, at the shipped threshold."""

from __future__ import annotations

import pytest

from assist.core.gaps import Message, find_gaps

pytestmark = pytest.mark.slow

SITUATIONS = {
    "gift": [
        "can I pay with a gift card from the old shop",
        "do you take gift cards from the old shop",
        "gift card from the old shop, does it work here",
        "is the old shop gift card valid",
    ],
    "canada": [
        "do you ship to Canada",
        "can you deliver to Toronto?",
        "is shipping to canada possible",
    ],
    "hours": [
        "what are your opening hours",
        "when is the store open on sunday",
        "what time do you open tomorrow",
    ],
    "hediye": [
        "آیا کارت هدیه فروشگاه قدیمی رو قبول میکنید",
        "کارت هدیه قدیمی هنوز اعتبار داره؟",
        "با کارت هدیه فروشگاه قبلی میشه خرید کرد",
    ],
}


def test_paraphrases_cluster_together_and_apart(e5):
    messages = [
        Message(text, "fa" if name == "hediye" else "en")
        for name, texts in SITUATIONS.items()
        for text in texts
    ]
    gaps = find_gaps(messages, e5)
    found = sorted(sorted(g.examples) for g in gaps.clusters)
    assert found == sorted(sorted(texts) for texts in SITUATIONS.values())
    assert gaps.unclustered == 0 and gaps.threshold == 0.88
