"""Knowing when nothing fits, reading the conversation, picking the stage (hash embedder:
the mechanics; the real model's quality is in tests/eval/test_trust_slow.py)."""

from __future__ import annotations

import numpy as np
import pytest

from assist.core.cache import EmbeddingCache
from assist.core.confidence import Confidence, decide
from assist.core.conversation import read_history
from assist.core.embed import HashEmbedder
from assist.core.index import build_index, load_index
from assist.core.playbooks import load_playbooks
from assist.core.suggest import Query, Suggester, Turn, _Candidate, _keep_de_escalation
from conftest import FIXTURE_PLAYBOOKS

OUTSIDE = [
    ("en", "tell me a joke about cats"),
    ("en", "what is the weather in rome tomorrow"),
    ("en", "give me a recipe for lasagna"),
]


@pytest.fixture
def guarded(settings, tmp_path):
    """The fixture playbooks with out-of-scope exemplars, and bars that use them."""
    embedder = HashEmbedder()
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        build_index(
            load_playbooks(FIXTURE_PLAYBOOKS),
            embedder,
            tmp_path / "idx",
            cache=cache,
            out_of_scope=OUTSIDE,
        )
    index = load_index(tmp_path / "idx", embedder)
    tuned = settings.model_copy(
        update={"no_match_threshold": 0.2, "no_match_margin": 0.0, "weak_slack": 0.0}
    )
    return index, embedder, tuned


def test_a_message_like_the_out_of_scope_exemplars_is_refused(guarded):
    index, embedder, settings = guarded
    suggester = Suggester(index, embedder, settings)
    joke = suggester.suggest(Query("tell me a joke about cats please"))
    assert joke.no_match and joke.match == "none" and not joke.suggestions
    assert joke.outside_score > joke.best_score
    late = suggester.suggest(Query("my order is late, where is the parcel"))
    assert not late.no_match and late.match == "confident"
    assert late.suggestions[0].entry_id == "order-late"


def test_weak_answers_keep_their_closest_entries_and_say_no_match(guarded):
    index, embedder, settings = guarded
    plain = Suggester(index, embedder, settings).suggest(Query("my order is late"))
    strict = settings.model_copy(
        update={"no_match_threshold": plain.best_score + 0.01, "weak_slack": 0.05}
    )
    weak = Suggester(index, embedder, strict).suggest(Query("my order is late"))
    assert weak.match == "weak" and weak.no_match
    assert weak.suggestions and weak.suggestions[0].entry_id == "order-late"


def test_an_index_without_exemplars_never_refuses_on_the_margin(embedder, settings, tmp_path):
    build_index(load_playbooks(FIXTURE_PLAYBOOKS), embedder, tmp_path / "bare", out_of_scope=[])
    bare = load_index(tmp_path / "bare", embedder)
    tuned = settings.model_copy(update={"no_match_margin": 0.5})
    result = Suggester(bare, embedder, tuned).suggest(Query("my order is late"))
    assert result.outside_score == -1.0 and result.match == "confident"


def test_a_short_follow_up_is_read_with_the_turn_before(index, embedder, settings, monkeypatch):
    # The hashing fake reads "any news" as anger, a turn-taking entry: switch that off here.
    monkeypatch.setattr("assist.core.suggest.TURN_TAKING", set())
    reading = settings.model_copy(update={"context_below": 1.0, "no_match_threshold": 0.0})
    suggester = Suggester(index, embedder, reading)
    alone = suggester.suggest(Query("any news on this?"))
    assert not alone.suggestions or alone.suggestions[0].entry_id != "order-late"
    history = (Turn("customer", "my order is late, the parcel has not arrived yet"),)
    follow = suggester.suggest(Query("any news on this?", history=history))
    assert follow.suggestions[0].entry_id == "order-late"


def test_the_conversation_entry_is_a_prior_not_a_lock(index, embedder, settings):
    reading = settings.model_copy(update={"context_below": 1.0})
    suggester = Suggester(index, embedder, reading)
    history = (
        Turn("customer", "my order is late"),
        Turn("agent", "I checked it", "order-late/check-tracking/en/0"),
    )
    moved = suggester.suggest(Query("how do I reset my password", history=history))
    assert moved.suggestions[0].entry_id == "password-reset"


def test_when_messages_pick_the_reply_that_fits_the_stage(index, embedder, settings):
    staged = settings.model_copy(update={"stage_floor": 0.1, "stage_margin": -1.0})
    suggester = Suggester(index, embedder, staged)
    first = suggester.suggest(Query("my order is late"))
    assert first.suggestions[0].reply_id == "check-tracking"  # no stage matches: in order
    refund = suggester.suggest(Query("my order is late, can I cancel it and get a refund instead"))
    assert refund.suggestions[0].entry_id == "order-late"
    assert refund.suggestions[0].reply_id == "offer-options"


def test_history_gives_the_conversation_entry_and_the_earlier_turns():
    context = read_history(
        [
            Turn("customer", "my order is late"),
            Turn("agent", "checking", "order-late/check-tracking/en/1"),
            Turn("agent", "free text, no suggestion"),
            Turn("customer", "   "),
            Turn("customer", "still nothing"),
        ]
    )
    assert context.entry == "order-late"
    assert context.replies_sent == frozenset({("order-late", "check-tracking")})
    assert context.previous == ("my order is late", "still nothing")


def test_an_angry_message_keeps_a_de_escalation_entry_in_the_top_three(index):
    candidates = [
        _Candidate(entry_id, 0.9, score, 0, 0)
        for entry_id, score in (("order-late", 0.9), ("password-reset", 0.8))
    ] + [_Candidate("angry-customer", 0.5, 0.1, 0, 0)]
    # three entries only: it already is in the top 3, nothing moves
    _keep_de_escalation(index, candidates, 3)
    assert [c.entry_id for c in candidates][2] == "angry-customer"
    # with room for two, it takes the second place
    _keep_de_escalation(index, candidates, 2)
    assert [c.entry_id for c in candidates][:2] == ["order-late", "angry-customer"]


def test_decide_needs_both_bars_and_weak_sits_between():
    class Row:
        def __init__(self, dense: float) -> None:
            self.dense, self.row = dense, 0

    class FakeIndex:
        sides = None

    confidence = Confidence(0.8, 0.0, 99.0, 0.05, 0.9, 0.9, 0.02)
    vector = [np.ones(4) / 2]
    assert decide(confidence, [Row(0.85)], vector, FakeIndex()).match == "confident"
    assert decide(confidence, [Row(0.77)], vector, FakeIndex()).match == "weak"
    assert decide(confidence, [Row(0.70)], vector, FakeIndex()).match == "none"
    assert decide(confidence, [], vector, FakeIndex()).match == "none"


def test_the_library_out_of_scope_entry_is_offered_when_nothing_fits(settings, tmp_path):
    embedder = HashEmbedder()
    playbooks = load_playbooks(FIXTURE_PLAYBOOKS)
    tagged = tuple(
        e.model_copy(update={"tags": ["out-of-scope"]}) if e.id == "password-reset" else e
        for e in playbooks.entries
    )
    playbooks = type(playbooks)(tagged, playbooks.sources, playbooks.origins)
    build_index(playbooks, embedder, tmp_path / "idx", out_of_scope=OUTSIDE)
    tuned = settings.model_copy(update={"no_match_threshold": 0.2, "no_match_margin": 0.0})
    suggester = Suggester(load_index(tmp_path / "idx", embedder), embedder, tuned)
    joke = suggester.suggest(Query("tell me a joke about cats please"))
    assert joke.no_match and joke.match == "weak"
    assert joke.suggestions[0].entry_id == "password-reset"
    late = suggester.suggest(Query("my order is late, where is the parcel"))
    assert late.match == "confident" and late.suggestions[0].entry_id == "order-late"


def test_a_turn_taking_message_is_not_pulled_back_to_the_topic(index, embedder, settings):
    # Anger (like thanks or asking for a manager) is a move in the conversation itself:
    # the order it came after must not win it back through the context reading.
    reading = settings.model_copy(update={"context_below": 2.0, "conversation_prior": 1.0})
    suggester = Suggester(index, embedder, reading)
    history = (
        Turn("customer", "my order is late"),
        Turn("agent", "I checked it", "order-late/check-tracking/en/0"),
    )
    angry = suggester.suggest(Query("you are useless, worst service ever", history=history))
    assert angry.suggestions[0].entry_id == "angry-customer"


def test_classifiers_are_trained_when_an_index_is_prepared(guarded):
    from assist.core import confidence, mood_model
    from assist.core.confidence import train_classifiers

    index, _, _ = guarded
    train_classifiers(index)

    def untrained():
        raise AssertionError("trained again on first use")

    confidence._SCOPES.get(index.sides, untrained)
    mood_model._MODELS.get(index.mood_vectors, untrained)
