"""When to say "no confident suggestion", and which reply of an entry fits the stage.

A raw similarity cannot tell in-scope from out-of-scope: e5 puts almost any two texts at
0.8–0.9. What separates them is *relative*: a message that belongs to an entry is closer
to that entry's examples than to the out-of-scope exemplars shipped with the product
(chit-chat, other businesses, code, gibberish), and close in absolute terms too. Both bars
were tuned on dev splits only (README, "Knowing when nothing fits").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from ..settings import Settings
from .index import Index
from .linear import Linear, PerArray, fit
from .sides import Sides, soft_max

Match = Literal["confident", "weak", "none"]

# Per embedder: (threshold, margin, scope, context_below, stage_floor), tuned on dev
# splits. The hashing fake's similarities are noise, so its out-of-scope checks are off
# (margin -1, scope 99) unless a test sets them.
DEFAULTS: dict[str, tuple[float, float, float, float, float]] = {
    "e5": (0.875, -0.04, 2.0, 0.94, 0.90),
    "sentence-transformers": (0.40, 0.0, 99.0, 0.70, 0.60),
    "hash": (0.25, -1.0, 99.0, 0.0, 0.60),
}
# Mid-conversation ("ok and now?") a message is far from every example yet plainly in
# scope: the margin bar drops by this much and the scope classifier is not asked.
CONVERSATION_SLACK = 0.04
# Scope classifier: playbook examples and `when` messages vs out-of-scope exemplars.
SCOPE_SCALE, SCOPE_L2, SCOPE_ITERATIONS = 10.0, 1e-2, 150


class Scored(Protocol):
    dense: float
    row: int


@dataclass(frozen=True)
class Confidence:
    threshold: float  # the best entry's score must reach this …
    margin: float  # … and beat the out-of-scope exemplars' score by this much …
    scope: float  # … and the scope classifier's out-of-scope logit must stay below this
    weak_slack: float  # within this of both bars: "weak", closest entries shown collapsed
    context_below: float  # a message scoring below this alone is read with the turn before
    stage_floor: float  # a reply's `when` messages must match this well to be preferred
    temperature: float

    @classmethod
    def for_embedder(cls, name: str, settings: Settings) -> Confidence:
        threshold, margin, scope, context_below, stage_floor = DEFAULTS.get(name, DEFAULTS["e5"])

        def pick(value: float | None, default: float) -> float:
            return default if value is None else value

        return cls(
            threshold=pick(settings.no_match_threshold, threshold),
            margin=pick(settings.no_match_margin, margin),
            scope=pick(settings.no_match_scope, scope),
            weak_slack=settings.weak_slack,
            context_below=pick(settings.context_below, context_below),
            stage_floor=pick(settings.stage_floor, stage_floor),
            temperature=settings.aggregation_temperature,
        )


@dataclass(frozen=True)
class Decision:
    match: Match
    best: float  # the best entry's score (soft maximum over its units)
    outside: float  # the out-of-scope exemplars' score for the same query vector


def decide(
    confidence: Confidence,
    candidates: Sequence[Scored],
    rows: Sequence[np.ndarray],
    index: Index,
    in_conversation: bool = False,
) -> Decision:
    if not candidates:
        return Decision("none", 0.0, 0.0)
    top = max(candidates, key=lambda c: c.dense)
    sides, outside, out_logit = index.sides, -1.0, -99.0
    if sides is not None and len(sides.outside):
        outside = soft_max(sides.outside @ rows[top.row], confidence.temperature)
        if confidence.scope < 99 and not in_conversation:
            scope = scope_model(index)
            logits = scope.logits(rows[top.row])
            out_logit = float(logits[1] - logits[0])
    best, gap = top.dense, top.dense - outside
    margin = confidence.margin - (CONVERSATION_SLACK if in_conversation else 0.0)
    if best >= confidence.threshold and gap >= margin and out_logit <= confidence.scope:
        match: Match = "confident"
    elif (
        best >= confidence.threshold - confidence.weak_slack
        and gap >= margin - confidence.weak_slack
    ):
        match = "weak"
    else:
        match = "none"
    return Decision(match, best, outside)


def stage_choice(
    sides: Sides | None,
    entry_id: str,
    vector: np.ndarray,
    confidence: Confidence,
    entry_score: float,
    margin: float,
    floor: float | None = None,
) -> str | None:
    """The reply of `entry_id` whose `when` messages this message matches best, if it
    matches them well enough and better than the entry's own examples (which describe
    first contact) by `margin`; None leaves the choice to the conversation's progress."""
    scored = stage_scores(sides, entry_id, vector, confidence.temperature)
    if not scored:
        return None
    reply = max(scored, key=lambda r: scored[r])
    floor = confidence.stage_floor if floor is None else floor
    good = scored[reply] >= floor and scored[reply] >= entry_score + margin
    return reply if good else None


_SCOPES: PerArray[Linear] = PerArray()


def scope_model(index: Index) -> Linear:
    """In scope (0: the index's examples and `when` messages) vs out of scope (1: the
    exemplars), trained once per index; the index must have out-of-scope exemplars."""
    assert index.sides is not None

    def train() -> Linear:
        sides = index.sides
        assert sides is not None
        units = index.vectors.reconstruct_n(0, index.vectors.ntotal)
        examples = np.array([u.kind == "example" for u in index.units], dtype=bool)
        inside = np.vstack([units[examples], sides.stage_vectors])
        x = np.vstack([inside, sides.outside])
        y = np.array([0] * len(inside) + [1] * len(sides.outside), dtype=np.int64)
        return fit(x, y, 2, scale=SCOPE_SCALE, l2=SCOPE_L2, iterations=SCOPE_ITERATIONS)

    return _SCOPES.get(index.sides, train)


def stage_scores(
    sides: Sides | None, entry_id: str, vector: np.ndarray, temperature: float
) -> dict[str, float]:
    """reply id -> how well the message matches that reply's `when` messages."""
    rows = sides.rows_by_entry.get(entry_id) if sides is not None else None
    if not rows or sides is None:
        return {}
    similarities = sides.stage_vectors[rows] @ vector
    by_reply: dict[str, list[float]] = {}
    for row, similarity in zip(rows, similarities.tolist(), strict=True):
        by_reply.setdefault(sides.stages[row].reply_id, []).append(similarity)
    return {reply: soft_max(np.array(v), temperature) for reply, v in by_reply.items()}


def train_classifiers(index: Index) -> None:
    """Train the scope and mood classifiers of a freshly loaded index now, so the first
    request after a start or a hot reload does not pay for it (about a second)."""
    from .mood_model import model_for

    model_for(index.mood_vectors, index.mood_labels)
    if index.sides is not None and len(index.sides.outside):
        scope_model(index)
