"""The answers served, the unmatched messages kept, and the rules feedback events obey
(store/answers.py, store/feedback_rules.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from assist.store.answers import new_answer_id
from assist.store.feedback import InvalidFeedback, NeverShown
from assist.store.feedback_rules import edit_distance
from assist.store.tables import unmatched_table
from served import acted, answer, serve

OWN = "order-late/check-tracking/en/0"
ASK = "order-late/offer-options/en/1"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SHOWN_TEXT = "Sara, I checked order A-1: [[what the tracking says]]."
INSERTED = "Sara, I checked order A-1: it left the Leeds hub this morning."


def event(action: str, suggestion: str = OWN, **extra: object) -> dict[str, object]:
    return {
        "key_name": "agent-1",
        "conversation_id": "c-1",
        "suggestion_id": suggestion,
        "action": action,
        **extra,
    }


def texts(answer_id: str, suggestion_id: str) -> str | None:
    return SHOWN_TEXT if suggestion_id == OWN else None


# ------------------------------------------------------------------ answers


def test_an_answer_round_trips_and_a_retried_batch_is_stored_once(db):
    served = answer("c-1", OWN, ASK, team="night", at=START)
    db.answers.add_many([served])
    db.answers.add_many([served, answer("c-2", ASK)])  # the first one again: skipped
    found = db.answers.get(served.id)
    assert found is not None
    assert (found.conversation_id, found.team, found.key_name) == ("c-1", "night", "agent-1")
    assert found.suggestion_ids == (OWN, ASK) and found.position_of(ASK) == 1
    assert (found.match, found.lang, found.mood, found.top_entry_id) == (
        "confident",
        "en",
        "calm",
        "order-late",
    )
    assert found.created_at == START
    assert db.answers.get("no-such-answer") is None and db.answers.get("x" * 41) is None
    assert db.answers.unmatched_count() == 0


def test_answer_ids_are_random_and_url_safe():
    ids = {new_answer_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 24 and i.replace("-", "").replace("_", "").isalnum() for i in ids)


def test_unmatched_messages_are_kept_masked_and_deleted_after_retention(db):
    message = "my card 6037-9912-3456-7893 was charged twice, call me on 0912 123 4567"
    old = answer("c-1", match="none", message=message, at=START - timedelta(days=40))
    new = answer("c-2", ASK, match="weak", message="can I pay with bitcoin?", at=START)
    db.answers.add_many([old, new, answer("c-3", OWN)])  # the confident one keeps no text
    with db.connect() as connection:
        rows = connection.execute(
            select(unmatched_table).order_by(unmatched_table.c.created_at)
        ).mappings()
        kept = [(r["answer_id"], r["match"], r["best_entry_id"], r["text"]) for r in rows]
    assert kept == [
        (old.id, "none", None, "my card [card] was charged twice, call me on [phone]"),
        (new.id, "weak", "order-late", "can I pay with bitcoin?"),
    ]
    assert db.answers.delete_unmatched_before(START - timedelta(days=30)) == 1
    assert db.answers.unmatched_count() == 1
    assert db.answers.get(old.id) is not None  # the answer itself stays


# ------------------------------------------------------------------ shown


def test_shown_is_refused_without_an_answer_that_offered_it_there(db):
    served = answer("c-1", OWN, ASK, team="default")
    db.answers.add_many([served])
    refusals = [
        ({}, "needs the answer_id"),
        ({"answer_id": "never-served"}, "was not served in conversation 'c-1'"),
        ({"answer_id": served.id, "conversation_id": "c-2"}, "not served in conversation 'c-2'"),
        ({"answer_id": served.id, "team": "night"}, "was not served"),
        ({"answer_id": served.id, "suggestion_id": "greeting/hello/en/0"}, "did not offer"),
    ]
    for change, message in refusals:
        with pytest.raises(NeverShown, match=message) as caught:
            db.record_feedback(**{**event("shown"), **change})
        assert caught.value.status_code == 422 and "never shown" in str(caught.value)
    assert db.feedback() == []
    with pytest.raises(InvalidFeedback, match="answer_id must be"):
        db.record_feedback(**event("shown", answer_id="has space"))


def test_shown_takes_its_position_from_the_answer(db):
    served = answer("c-1", OWN, ASK)
    db.answers.add_many([served])
    db.record_feedback(**event("shown", ASK, answer_id=served.id))
    db.record_feedback(**event("shown", OWN, answer_id=served.id))
    (ask, own) = db.feedback()
    assert (ask.answer_id, ask.position, ask.team) == (served.id, 1, "default")
    assert (own.position, own.elapsed_ms, own.edit_distance) == (0, None, None)


def test_shown_waits_briefly_for_an_answer_another_replica_is_writing(db):
    late = answer("c-1", OWN)
    writer = threading.Timer(0.3, db.answers.add_many, args=([late],))
    writer.start()
    started = time.monotonic()
    db.record_feedback(**event("shown", answer_id=late.id), answer_grace=3.0)
    assert 0.25 < time.monotonic() - started < 3.0
    writer.join()
    with pytest.raises(NeverShown):
        db.record_feedback(**event("shown", answer_id="still-missing"), answer_grace=0.2)


# ------------------------------------------------------------------ after shown


@pytest.mark.parametrize("action", ["inserted", "sent", "dismissed"])
def test_actions_need_a_shown_of_that_suggestion_in_that_conversation(db, action):
    final = {"final_text": INSERTED} if action != "dismissed" else {}
    with pytest.raises(NeverShown, match=f"never shown: {action} for"):
        db.record_feedback(**event(action, **final))
    serve(db, "c-1", ASK)  # another suggestion shown there
    serve(db, "c-2", OWN)  # this one shown in another conversation
    serve(db, "c-1", OWN, team="night")  # and by another team
    with pytest.raises(NeverShown):
        db.record_feedback(**event(action, **final))
    assert acted(db) == []


def test_events_inherit_the_shown_answer_and_count_time_and_edits(db):
    served = serve(db, "c-1", ASK, OWN, at=START)
    inserted = db.record_feedback(
        **event("inserted", final_text=INSERTED),
        at=START + timedelta(seconds=4, milliseconds=250),
        shown_text=texts,
    )
    sent = db.record_feedback(
        **event("sent", final_text=INSERTED + " Thanks!"),
        at=START + timedelta(seconds=30),
        shown_text=texts,
    )
    dismissed = db.record_feedback(**event("dismissed", ASK), at=START + timedelta(seconds=2))
    assert (inserted.action, sent.action, dismissed.action) == ("inserted", "sent", "dismissed")
    rows = {e.action: e for e in acted(db)}
    assert {e.answer_id for e in rows.values()} == {served}
    assert (rows["inserted"].position, rows["dismissed"].position) == (1, 0)
    assert [rows[a].elapsed_ms for a in ("inserted", "sent", "dismissed")] == [4250, 30000, 2000]
    assert rows["inserted"].edit_distance == edit_distance(INSERTED, SHOWN_TEXT)
    assert rows["sent"].edit_distance == round(1000 * 8 / 70)  # 8 characters added to 62
    assert rows["dismissed"].edit_distance is None


def test_a_sent_text_unlike_the_inserted_one_is_recorded_as_rewritten(db):
    serve(db, "c-1", OWN)
    db.record_feedback(**event("inserted", final_text=INSERTED))
    rewritten = db.record_feedback(
        **event("sent", final_text="We have refunded you in full; no need to wait.")
    )
    assert rewritten.action == "sent_rewritten"
    assert [e.action for e in db.feedback()] == ["shown", "inserted", "sent_rewritten"]
    assert db.feedback()[-1].edit_distance > 500
    # Half alike is still the suggestion, sent.
    kept = db.record_feedback(**event("sent", final_text=INSERTED[:40] + "x" * 20))
    assert kept.action == "sent" and db.feedback()[-1].edit_distance < 500


def test_without_an_inserted_text_a_sent_is_compared_with_the_text_as_shown(db):
    serve(db, "c-1", OWN)
    recorded = db.record_feedback(**event("sent", final_text="Nothing like it."), shown_text=texts)
    assert recorded.action == "sent"  # the shown text still has its slots: no verdict
    assert acted(db)[0].edit_distance == edit_distance("Nothing like it.", SHOWN_TEXT)
    db.record_feedback(**event("sent", final_text="Nothing like it."))  # text unknown
    assert acted(db)[1].edit_distance is None


def test_texts_are_compared_masked_as_stored(db):
    serve(db, "c-1", OWN)
    personal = "Call me on 0912 123 4567 about order A-1."
    db.record_feedback(**event("inserted", final_text=personal))
    db.record_feedback(**event("sent", final_text="Call me on 0935 765 4321 about order A-1."))
    inserted, sent = acted(db)
    assert inserted.final_text == sent.final_text == "Call me on [phone] about order A-1."
    assert sent.edit_distance == 0 and sent.action == "sent"


def test_a_named_answer_must_be_the_one_shown(db):
    first = serve(db, "c-1", OWN)
    second = serve(db, "c-1", OWN)
    db.record_feedback(**event("dismissed", answer_id=first))
    with pytest.raises(NeverShown, match="from answer 'nope'"):
        db.record_feedback(**event("dismissed", answer_id="nope"))
    db.record_feedback(**event("dismissed"))  # the latest shown: the second answer
    assert [e.answer_id for e in acted(db)] == [first, second]
