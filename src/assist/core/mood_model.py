"""A small mood classifier over the e5 vectors the index already holds.

Multinomial logistic regression (numpy, deterministic) trained on the mood exemplars'
vectors (src/assist/data/moods.yaml, embedded at reindex into moods.npy/moods.json).
It is trained the first time an index's exemplars are seen (a few hundred rows: well
under half a second) and cached per exemplar array, so a hot reload, which swaps the
whole index, retrains once and the index format stays as it was.
"""

from __future__ import annotations

import numpy as np

from .linear import Linear, PerArray, fit
from .schemas import Mood

MOODS: tuple[Mood, ...] = ("calm", "frustrated", "angry")

# Centred vectors are scaled up (e5 similarities are compressed) before an L2-penalised
# fit; tuned on the dev split of tests/data/mood.yaml and ParsiNLU food_dev.
SCALE, L2, ITERATIONS = 10.0, 1e-2, 200


def train(vectors: np.ndarray, labels: tuple[str, ...]) -> Linear | None:
    """Fit on the exemplars; None when fewer than two moods have exemplars."""
    y = np.array([MOODS.index(label) for label in labels if label in MOODS], dtype=np.int64)
    if len(y) != len(labels) or len(y) == 0 or len(set(y.tolist())) < 2:
        return None
    return fit(vectors, y, len(MOODS), scale=SCALE, l2=L2, iterations=ITERATIONS)


_MODELS: PerArray[Linear | None] = PerArray()


def model_for(vectors: np.ndarray, labels: tuple[str, ...]) -> Linear | None:
    """The classifier for these exemplars, trained once per array (an index is immutable
    and a reload brings a new array). Logits are in MOODS order."""
    return _MODELS.get(vectors, lambda: train(vectors, labels))
