"""A small linear classifier over embedding vectors: class-balanced multinomial logistic
regression in numpy, deterministic, trained in well under a second on a few thousand
rows. Used for mood (mood exemplars) and for scope (playbook examples vs out-of-scope
exemplars); both are trained when an index is first used and cached per vector array."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np


@dataclass(frozen=True)
class Linear:
    mean: np.ndarray  # (d,) centre of the training vectors
    weights: np.ndarray  # (d, classes)
    bias: np.ndarray  # (classes,)
    scale: float

    def logits(self, vector: np.ndarray) -> np.ndarray:
        centred = (np.asarray(vector, dtype=np.float64) - self.mean) * self.scale
        return np.asarray(centred @ self.weights + self.bias)


def fit(
    x: np.ndarray, y: np.ndarray, classes: int, *, scale: float, l2: float, iterations: int
) -> Linear:
    """Centred vectors are scaled up (e5 similarities are compressed) before an
    L2-penalised fit; every class weighs the same however many rows it has, and a class
    without rows is never chosen."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    n, d = x.shape
    z = np.hstack([(x - mean) * scale, np.ones((n, 1))])  # the last column is the bias
    onehot = np.eye(classes)[y]
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    absent = np.where(counts == 0, -1e9, 0.0)
    row_weight = (1.0 / ((counts > 0).sum() * np.maximum(counts, 1.0)))[y][:, None]
    penalty = np.full((d + 1, 1), l2)
    penalty[-1] = 0.0  # the bias is not penalised
    step = 1.0 / (0.5 * _largest_eigenvalue(z, row_weight[:, 0]) + l2)
    coef = last = np.zeros((d + 1, classes))
    for t in range(iterations):  # Nesterov-accelerated gradient descent, from zero
        look = coef + t / (t + 3) * (coef - last)
        scores = z @ look + absent
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        gradient = z.T @ (row_weight * (p - onehot)) + penalty * look
        last, coef = coef, look - step * gradient
    return Linear(mean, coef[:-1], coef[-1] + absent, scale)


def _largest_eigenvalue(z: np.ndarray, weight: np.ndarray, rounds: int = 20) -> float:
    """Of zᵀ·diag(weight)·z, by power iteration from a fixed start (deterministic, and
    no d×d matrix: a multi-threaded BLAS on a busy machine makes those slow)."""
    v = np.ones(z.shape[1]) / np.sqrt(z.shape[1])
    value = 1.0
    for _ in range(rounds):
        w = z.T @ (weight * (z @ v))
        value = float(np.linalg.norm(w)) or 1.0
        v = w / value
    return value * 1.05  # a margin over the estimate, which approaches from below


T = TypeVar("T")


class PerArray(Generic[T]):
    """A model trained once per training array: an index is immutable and a reload brings
    new arrays, so the identity of the array is the cache key."""

    def __init__(self, keep: int = 4):
        self._items: dict[int, tuple[object, T]] = {}
        self._keep = keep  # the serving index, the one replacing it, a few test indexes
        self._lock = threading.Lock()

    def get(self, key_object: object, build: Callable[[], T]) -> T:
        key = id(key_object)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] is key_object:
                return hit[1]
            value = build()
            while len(self._items) >= self._keep:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (key_object, value)
            return value
