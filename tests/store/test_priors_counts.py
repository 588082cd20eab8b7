"""Feedback counted for priors in the database (GROUP BY), on SQLite and PostgreSQL:
one show per suggestion per answer, acceptance as learn/priors.py defines it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from assist.store.priors_counts import PriorCount, feedback_watermark, prior_counts
from assist.store.tables import feedback_table

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def event(action, key, answer, position, *, agent="sara", days=0.1, conversation="c1"):
    entry_id, reply_id = key.split("/")
    return {
        "created_at": NOW - timedelta(days=days),
        "key_name": agent,
        "conversation_id": conversation,
        "suggestion_id": f"{entry_id}/{reply_id}/en/0",
        "entry_id": entry_id,
        "reply_id": reply_id,
        "lang": "en",
        "variant": 0,
        "action": action,
        "final_text": None,
        "answer_id": answer,
        "position": position,
        "team": "support",
    }


def test_shows_and_acceptances_per_reply_agent_position_and_age(db):
    rows = [
        # answer 1: a/x first (ignored), b/y second, inserted then sent: one acceptance
        event("shown", "a-1/x", "ans1", 0),
        event("shown", "b-1/y", "ans1", 1),
        event("inserted", "b-1/y", "ans1", 1),
        event("sent", "b-1/y", "ans1", 1),
        # answer 2: a/x inserted, then sent rewritten: shown, not accepted
        event("shown", "a-1/x", "ans2", 0),
        event("inserted", "a-1/x", "ans2", 0),
        event("sent_rewritten", "a-1/x", "ans2", 0),
        # answer 3, reza, 20 days ago (bucket 14-21 days): dismissed
        event("shown", "a-1/x", "ans3", 0, agent="reza", days=20),
        event("dismissed", "a-1/x", "ans3", 0, agent="reza", days=20),
        # answer 4: inserted and never sent: accepted
        event("shown", "c-1/z", "ans4", 2),
        event("inserted", "c-1/z", "ans4", 2),
        # before answers were recorded: no answer id, no position: one show per conversation
        event("sent", "b-1/y", None, None, conversation="old-1", days=3),
        # past the horizon: not read
        event("sent", "c-1/z", "ans5", 0, days=400),
    ]
    with db.transaction() as connection:
        connection.execute(insert(feedback_table), rows)
    found = sorted(prior_counts(db, now=NOW), key=lambda r: (r.entry_id, r.key_name, r.age_days))
    assert found == [
        PriorCount("a-1", "x", "reza", 0, 17.5, 1, 0),
        PriorCount("a-1", "x", "sara", 0, 0.5, 2, 0),
        PriorCount("b-1", "y", "sara", 1, 0.5, 1, 1),
        PriorCount("b-1", "y", "sara", 0, 3.0, 1, 1),
        PriorCount("c-1", "z", "sara", 2, 0.5, 1, 1),
    ]
    assert feedback_watermark(db) == len(rows)
    # a shorter horizon leaves the 20-day-old show out
    assert {r.key_name for r in prior_counts(db, now=NOW, horizon_days=14)} == {"sara"}


def test_an_empty_log_counts_nothing(db):
    assert prior_counts(db) == [] and feedback_watermark(db) == 0
