"""Query vectors of recent messages, kept in the process."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np


class RecentVectors:
    """Query vectors of recent messages, so the turn before a follow-up costs nothing to
    read again (the sidebar sends each customer message, then the next with history)."""

    def __init__(self, size: int = 4096):
        self._size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(text)
            if vector is not None:
                self._items.move_to_end(text)
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._items[text] = vector
            self._items.move_to_end(text)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
