"""learn/priors.py on hand-made counts: every expected number below is worked out by
hand in the comment beside it (module docstring for the steps)."""

from __future__ import annotations

import math

import pytest

from assist.learn.priors import MAX_STRENGTH, Count, learn_priors
from assist.settings import Settings


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, embedder="hash")  # type: ignore[call-arg]


def count(key: str, shows: float, accepted: float, position: int = 0, **kw: object) -> Count:
    entry_id, reply_id = key.split("/")
    return Count(
        entry_id,
        reply_id,
        str(kw.get("agent", "sara")),
        position,
        float(kw.get("age", 0.0)),  # type: ignore[arg-type]
        shows,
        accepted,
    )


def test_the_issue_case_25_dismissed_above_and_10_sent_below(settings: Settings) -> None:
    # 35 answers show a/x first and b/y second; a/x is never taken (25 dismissals),
    # b/y is sent 10 times. The first place has no acceptance to compare with, so both
    # places count alike: rates 0 and 10/35 = 0.285714, base rate 0.142857.
    # Observed variance 0.142857² = 0.020408, Poisson noise 0.142857 / 35 = 0.004082,
    # spread 0.016327 → strength 0.122449 / 0.016327 - 1 = 6.5, alpha 0.928571.
    # a/x: 0.928571 / 41.5 = 0.022375 → ln(0.156627) = -1.85389 → 0.02·tanh = -0.019042
    # b/y: 10.928571 / 41.5 = 0.263339 → ln(1.843373) = 0.61160 → 0.02·tanh = +0.010905
    priors = learn_priors([count("a/x", 35, 0), count("b/y", 35, 10, position=1)], settings)
    assert priors.examined == (1.0, 1.0)
    assert priors.base_rate == pytest.approx(0.142857, abs=1e-6)
    assert priors.strength == pytest.approx(6.5, abs=1e-9)
    assert priors.deltas["a/x"] == pytest.approx(-0.019042, abs=2e-6)
    assert priors.deltas["b/y"] == pytest.approx(0.010905, abs=2e-6)


def test_position_bias_is_corrected_clicks_over_expected_clicks(settings: Settings) -> None:
    # First place: 20 of 100 accepted (0.2); second: 10 of 100 (0.1). A second-place
    # show counts 0.1 / 0.2 = 0.5 of a first-place one, so b/y has 10 acceptances in 50
    # expected: the same 0.2 as a/x. No spread between them: the strongest prior, and
    # both posteriors are the base rate exactly: no delta for either.
    priors = learn_priors([count("a/x", 100, 20), count("b/y", 100, 10, position=1)], settings)
    assert priors.examined == (1.0, 0.5)
    assert priors.base_rate == pytest.approx(0.2)
    assert priors.strength == MAX_STRENGTH
    assert priors.deltas == {"a/x": pytest.approx(0.0, abs=1e-9), "b/y": pytest.approx(0, abs=1e-9)}


def test_a_lower_place_never_counts_more_than_the_one_above(settings: Settings) -> None:
    # Second place accepted more often than the first (0.3 vs 0.2): still at most 1.0.
    # Third place: 1 of 100 = 0.01 / 0.2 = 0.05 (the floor); fourth: too few shows (3 <
    # prior_min_shows 5), keeps the third's.
    rows = [
        count("a/x", 100, 20),
        count("b/y", 100, 30, position=1),
        count("c/z", 100, 1, position=2),
        count("d/w", 3, 1, position=3),
    ]
    assert learn_priors(rows, settings).examined == (1.0, 1.0, 0.05, 0.05)


def test_one_key_is_capped(settings: Settings) -> None:
    # mallory's 1,000 dismissals of a/x count as prior_key_cap = 50: the same priors
    # as if she had dismissed it 50 times.
    honest = [count("a/x", 10, 5), count("b/y", 10, 2), count("c/z", 10, 1)]
    flood = learn_priors([*honest, count("a/x", 1000, 0, agent="mallory")], settings)
    fifty = learn_priors([*honest, count("a/x", 50, 0, agent="mallory")], settings)
    assert flood.deltas == fifty.deltas
    assert flood.shows == 30 + 50
    # and her acceptances are scaled alike: 1000 shows with 400 accepted = 50 with 20
    flood = learn_priors([*honest, count("a/x", 1000, 400, agent="mallory")], settings)
    fifty = learn_priors([*honest, count("a/x", 50, 20, agent="mallory")], settings)
    assert flood.deltas == fifty.deltas


def test_events_age_by_the_half_life(settings: Settings) -> None:
    # 14 days (one half-life) old: 10 shows with 4 accepted weigh as 5 with 2 today.
    base = [count("b/y", 20, 2), count("c/z", 20, 6)]
    old = learn_priors([*base, count("a/x", 10, 4, age=14.0)], settings)
    new = learn_priors([*base, count("a/x", 5, 2)], settings)
    assert old.deltas == new.deltas
    assert old.shows == pytest.approx(45.0)


def test_a_few_events_move_a_reply_little_when_replies_agree(settings: Settings) -> None:
    # 20 replies each 10 of 50 (no spread: strength 1000) and one new reply with 2 of 3:
    # Beta(1, 1) would call it a 60 % reply (tanh(ln 3) = 0.8: +0.016); the empirical prior keeps it
    # at (200 + 2) / 1003 = 0.201396 → ln(1.00698) = 0.006956 → 0.02·tanh = 0.000139.
    rows = [count(f"e{n}/r", 50, 10) for n in range(20)] + [count("new/r", 3, 2)]
    priors = learn_priors(rows, settings)
    assert priors.base_rate == pytest.approx(0.2)
    assert priors.strength == MAX_STRENGTH
    assert priors.deltas["new/r"] == pytest.approx(0.000139, abs=1e-6)
    beta11 = (1 + 2) / (2 + 3)
    assert 0.02 * math.tanh(math.log(beta11 / 0.2)) == pytest.approx(0.016, abs=1e-9)


def test_deltas_are_bounded_by_prior_max(settings: Settings) -> None:
    rows = [count("a/x", 50, 50), count("b/y", 50, 0), count("c/z", 50, 5)]
    for bound in (0.02, 0.005):
        deltas = learn_priors(rows, settings.model_copy(update={"prior_max": bound})).deltas
        assert max(abs(d) for d in deltas.values()) <= bound
        assert deltas["a/x"] > 0.5 * bound and deltas["b/y"] < -0.5 * bound


def test_no_acceptance_no_priors(settings: Settings) -> None:
    # Dismissals alone say nothing relative to a base rate of zero.
    priors = learn_priors([count("a/x", 30, 0), count("b/y", 12, 0)], settings)
    assert priors.deltas == {} and priors.base_rate == 0.0 and priors.replies == 2
    assert learn_priors([], settings).deltas == {}
