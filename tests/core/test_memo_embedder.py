"""MemoEmbedder: the same vectors as the model, each (role, text) computed once, the
oldest forgotten past max_items."""

from __future__ import annotations

import numpy as np

from assist.core.cache import MemoEmbedder
from assist.core.embed import HashEmbedder


class Counting(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def embed(self, texts, role):  # type: ignore[no-untyped-def]
        self.calls.append(list(texts))
        return super().embed(texts, role)


def test_vectors_equal_the_models_and_repeats_are_not_computed():
    inner = Counting()
    memo = MemoEmbedder(inner)
    texts = ["where is my order", "refund please", "where is my order"]
    first = memo.embed(texts, "query")
    assert np.array_equal(first, HashEmbedder().embed(texts, "query"))
    assert inner.calls == [["where is my order", "refund please"]]  # the repeat once
    again = memo.embed(["refund please", "new text"], "query")
    assert inner.calls[-1] == ["new text"] and memo.computed == 3
    assert np.array_equal(again[0], first[1])
    memo.embed(["refund please"], "passage")  # another role is another vector
    assert inner.calls[-1] == ["refund please"]
    assert memo.embed([], "query").shape == (0, memo.dim)
    assert memo.fingerprint == inner.fingerprint


def test_the_oldest_vectors_are_forgotten_past_max_items():
    inner = Counting()
    memo = MemoEmbedder(inner, max_items=2)
    memo.embed(["a", "b"], "query")
    memo.embed(["a"], "query")  # a is now the most recent
    memo.embed(["c"], "query")  # b goes
    memo.embed(["a", "b"], "query")
    assert inner.calls == [["a", "b"], ["c"], ["b"]]
