"""Per-reply ranking priors from what agents did with suggestions.

Input: feedback counted by (entry, reply, API key name, position, age): how many shows,
how many of them were accepted (inserted or sent; a `sent_rewritten` or a dismissal is a
show without acceptance). Output: `Priors.deltas`, "entry/reply" -> a score delta in
[-prior_max, +prior_max] that the Suggester adds. Five steps, in order:

1. Recency: each count weighs 0.5 ** (age_days / prior_half_life_days).
2. Cap: one API key contributes at most `prior_key_cap` (weighted) shows per reply, its
   acceptances scaled alike, so one agent cannot swing a reply either way.
3. Position bias (COEC, clicks over expected clicks): a suggestion in the second place is
   accepted less than the same one in the first because it is read less. Each place's
   acceptance rate relative to the first place's is how much a show there counts, so a
   reply's rate is "acceptances per show in the first place". Known limit: with no
   randomised swaps, a lower place is also more often the wrong reply, so the estimate
   mixes reading and relevance (the replays put every lower place at MIN_EXAMINED).
4. Empirical-Bayes Beta prior by the method of moments over replies with at least
   `prior_min_shows` weighted shows: the base rate is their mean rate, and the spread
   between replies (their variance minus the noise their show counts explain) sets the
   prior's strength. The noise is taken as Poisson (base / shows), COEC's own model and
   never below the binomial's: an acceptance in a rarely read place counts many times
   over, and the spread must not be mistaken for it. Little real spread: a strong prior,
   so a handful of events moves little (Beta(1, 1) would let 2 acceptances of 3 shows
   look like a 60 % reply).
5. Bounded delta: prior_max * tanh(ln(posterior / base rate)): twice the base rate gives
   +0.6 of the bound, half of it -0.6, and no reply moves by more than the bound.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..settings import Settings

# Between replies whose rates agree (no real spread) and a prior of two pseudo-events.
MIN_STRENGTH, MAX_STRENGTH = 2.0, 1000.0
MIN_EXAMINED = 0.05  # a lower place counts at least this much of a first-place show


class Counts(Protocol):
    """One aggregated row: `shows` of one reply at one position to one key, `age_days`
    old (a bucket's middle), `accepted` of them inserted or sent."""

    @property
    def entry_id(self) -> str: ...
    @property
    def reply_id(self) -> str: ...
    @property
    def key_name(self) -> str: ...
    @property
    def position(self) -> int: ...
    @property
    def age_days(self) -> float: ...
    @property
    def shows(self) -> float: ...
    @property
    def accepted(self) -> float: ...


@dataclass(frozen=True)
class Count:
    """A `Counts` row for callers without a store (the replay, tests)."""

    entry_id: str
    reply_id: str
    key_name: str
    position: int
    age_days: float
    shows: float
    accepted: float


@dataclass(frozen=True)
class Priors:
    deltas: dict[str, float] = field(default_factory=dict)  # "entry/reply" -> delta
    base_rate: float = 0.0  # acceptances per first-place show, mean over informed replies
    strength: float = MAX_STRENGTH  # alpha + beta of the Beta prior
    examined: tuple[float, ...] = (1.0,)  # per position: a show there, in first-place shows
    replies: int = 0  # replies with any shows
    shows: float = 0.0  # weighted, capped shows

    def to_dict(self) -> dict[str, Any]:
        return {
            "replies": self.replies,
            "shows": round(self.shows, 2),
            "base_rate": round(self.base_rate, 4),
            "strength": round(self.strength, 2),
            "examined": [round(w, 4) for w in self.examined],
        }


def prior_key(entry_id: str, reply_id: str) -> str:
    return f"{entry_id}/{reply_id}"


def learn_priors(rows: Iterable[Counts], settings: Settings) -> Priors:
    """The priors the counts support (module docstring); none for no acceptances."""
    cells = _decayed(rows, settings.prior_half_life_days)
    _cap(cells, settings.prior_key_cap)
    examined = _examined(cells, settings.prior_min_shows)
    shown: dict[str, float] = defaultdict(float)
    accepted: dict[str, float] = defaultdict(float)
    for (key, _, position), (shows, accepts) in cells.items():
        shown[key] += shows * examined[position]
        accepted[key] += accepts
    base, strength = _beta_prior(shown, accepted, settings.prior_min_shows)
    total = sum(s for s, _ in cells.values())
    if base <= 0.0 or settings.prior_max <= 0.0:
        return Priors({}, base, strength, examined, len(shown), total)
    alpha = base * strength
    deltas = {}
    for key, shows in shown.items():
        posterior = (alpha + accepted[key]) / (strength + shows)
        lift = math.log(max(posterior, 1e-9) / base)
        deltas[key] = round(settings.prior_max * math.tanh(lift), 6)
    return Priors(deltas, base, strength, examined, len(shown), total)


Cell = tuple[str, str, int]  # reply key, API key name, position


def _decayed(rows: Iterable[Counts], half_life: float) -> dict[Cell, list[float]]:
    cells: dict[Cell, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in rows:
        if row.shows <= 0:
            continue
        weight = 0.5 ** (max(0.0, row.age_days) / half_life)
        cell = cells[(prior_key(row.entry_id, row.reply_id), row.key_name, max(0, row.position))]
        cell[0] += row.shows * weight
        cell[1] += min(row.accepted, row.shows) * weight
    return cells


def _cap(cells: dict[Cell, list[float]], cap: float) -> None:
    """At most `cap` shows of a reply from one API key, its acceptances scaled alike."""
    per_key: dict[tuple[str, str], float] = defaultdict(float)
    for (key, name, _), (shows, _) in cells.items():
        per_key[(key, name)] += shows
    for (key, name, _), cell in cells.items():
        total = per_key[(key, name)]
        if total > cap:
            cell[0] *= cap / total
            cell[1] *= cap / total


def _examined(cells: dict[Cell, list[float]], min_shows: float) -> tuple[float, ...]:
    """Per position, its acceptance rate over the first place's, never rising with the
    place and at least MIN_EXAMINED; a place with too few shows (or no first-place
    acceptance to compare with) keeps the place before's."""
    shows: dict[int, float] = defaultdict(float)
    accepts: dict[int, float] = defaultdict(float)
    for (_, _, position), (s, a) in cells.items():
        shows[position] += s
        accepts[position] += a
    last = max(shows, default=0)
    first = accepts[0] / shows[0] if shows[0] >= min_shows and accepts[0] > 0 else None
    weights = [1.0]
    for position in range(1, last + 1):
        weight = weights[-1]
        if first is not None and shows[position] >= min_shows:
            rate = accepts[position] / shows[position]
            weight = min(weight, max(MIN_EXAMINED, rate / first))
        weights.append(weight)
    return tuple(weights)


def _beta_prior(
    shown: dict[str, float], accepted: dict[str, float], min_shows: float
) -> tuple[float, float]:
    """(base rate, alpha + beta) by the method of moments over the informed replies."""
    informed = [key for key, shows in shown.items() if shows >= min_shows]
    if not informed:
        total = sum(shown.values())
        return (sum(accepted.values()) / total if total else 0.0), MAX_STRENGTH
    rates = [min(1.0, accepted[key] / shown[key]) for key in informed]
    base = statistics.fmean(rates)
    if len(rates) < 2 or not 0.0 < base < 1.0:
        return base, MAX_STRENGTH
    noise = statistics.fmean(base / shown[key] for key in informed)
    spread = statistics.pvariance(rates) - noise
    if spread <= 0:
        return base, MAX_STRENGTH
    return base, min(MAX_STRENGTH, max(MIN_STRENGTH, base * (1 - base) / spread - 1))
