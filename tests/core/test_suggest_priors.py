"""Feedback priors in the Suggester: a plain mapping added to the scores, bounded,
shown in `why`, never a database call and never a change to match or best score."""

from __future__ import annotations

import pytest

from assist.core.suggest import Query, Suggester

MESSAGE = "refund for late order"  # hash embedder: order-late far ahead, then two close


def ranked(result):
    return [(s.entry_id, s.score, s.why.prior) for s in result.suggestions]


def test_priors_move_scores_by_their_delta_and_show_in_why(index, embedder, settings):
    plain = Suggester(index, embedder, settings).suggest(Query(MESSAGE, conversation_id="c"))
    before = {s.entry_id: s.score for s in plain.suggestions}
    assert [s.entry_id for s in plain.suggestions] == [
        "order-late",
        "password-reset",
        "angry-customer",
    ]
    assert 0 < before["password-reset"] - before["angry-customer"] < 0.04
    priors = {
        "password-reset/send-link": -0.02,
        "angry-customer/acknowledge": 0.5,  # bounded to prior_max, 0.02
        "order-late/offer-options": 0.02,  # a reply this message would not be shown
    }
    learnt = Suggester(index, embedder, settings, priors=priors)
    result = learnt.suggest(Query(MESSAGE, conversation_id="c"))
    assert ranked(result) == [
        ("order-late", before["order-late"], 0.0),
        ("angry-customer", pytest.approx(before["angry-customer"] + 0.02, abs=1e-4), 0.02),
        ("password-reset", pytest.approx(before["password-reset"] - 0.02, abs=1e-4), -0.02),
    ]
    assert (result.match, result.best_score) == (plain.match, plain.best_score)
    assert learnt.priors == {
        "password-reset/send-link": -0.02,
        "angry-customer/acknowledge": 0.02,
        "order-late/offer-options": 0.02,
    }


def test_swapping_the_mapping_takes_effect_on_the_next_call(suggester):
    first = suggester.suggest(Query(MESSAGE, conversation_id="c"))
    suggester.priors = {"angry-customer/acknowledge": 0.02, "password-reset/send-link": -0.02}
    second = suggester.suggest(Query(MESSAGE, conversation_id="c"))
    suggester.priors = {}
    third = suggester.suggest(Query(MESSAGE, conversation_id="c"))
    assert [s.entry_id for s in second.suggestions][1:] == ["angry-customer", "password-reset"]
    assert ranked(third) == ranked(first)
    assert all(s.why.prior == 0.0 for s in first.suggestions)


def test_prior_max_zero_switches_them_off(index, embedder, settings):
    off = settings.model_copy(update={"prior_max": 0.0})
    learnt = Suggester(index, embedder, off, priors={"angry-customer/acknowledge": 0.02})
    plain = Suggester(index, embedder, settings)
    assert ranked(learnt.suggest(Query(MESSAGE))) == ranked(plain.suggest(Query(MESSAGE)))
    assert learnt.priors == {}
