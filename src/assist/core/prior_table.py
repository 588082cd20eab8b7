"""Ranking priors as the Suggester reads them: "entry/reply" -> score delta, indexed by
entry so a message's candidates without any prior cost one dict miss each. Built once
per refresh (learn/priors.py computes the deltas from feedback), then only read."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


class PriorTable:
    def __init__(self, deltas: Mapping[str, float] | None = None, bound: float = 0.02):
        by_entry: dict[str, dict[str, float]] = {}
        kept: dict[str, float] = {}
        for key, delta in (deltas or {}).items():
            entry_id, slash, reply_id = key.partition("/")
            value = max(-bound, min(bound, float(delta)))  # bounded whatever the source says
            if slash and value:
                by_entry.setdefault(entry_id, {})[reply_id] = value
                kept[key] = value
        self.by_entry = by_entry
        self.deltas: Mapping[str, float] = MappingProxyType(kept)

    def __bool__(self) -> bool:
        return bool(self.by_entry)

    def get(self, entry_id: str, reply_id: str) -> float:
        return self.by_entry.get(entry_id, {}).get(reply_id, 0.0)
