"""A small, hand-countable history for the statistics tests (store, API, CLI): answers,
feedback, checks, snippets, follow-ups and kept messages, written straight into the
tables, in 2025-03-01..03 for team `support` plus rows just outside it (earlier, later,
another team) that must not count. The expected figures are worked out in the tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from assist.store.tables import answers_table, feedback_table, followups_table, unmatched_table

FIRST, LAST = "2025-03-01", "2025-03-03"
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
OWN = "order-late/own-it/en/0"
OWN_1 = "order-late/own-it/en/1"
ASK = "order-late/ask/en/0"


def at(day: int, hour: int = 12, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def _answer(id_: str, when: datetime, lang: str, mood: str, match: str, team: str) -> dict:
    return {
        "id": id_,
        "created_at": when,
        "key_name": "sara",
        "team": team,
        "conversation_id": f"c-{id_}",
        "lang": lang,
        "mood": mood,
        "match": match,
        "best_score": 0.9 if match == "confident" else 0.5,
        "top_entry_id": "order-late",
        "suggestion_ids": json.dumps([OWN, ASK]),
        "index_version": "v1",
    }


ANSWERS = [
    _answer("a1", at(1, 10), "en", "calm", "confident", "support"),
    _answer("a2", at(1, 11), "en", "frustrated", "weak", "support"),
    _answer("a3", at(2, 9), "fa", "angry", "none", "support"),
    _answer("a4", at(2, 12), "fa", "calm", "confident", "support"),
    _answer("a5", at(3, 23, 59), "en", "calm", "confident", "support"),
    _answer("a6", at(28, 23, 59, month=2), "en", "calm", "none", "support"),  # before
    _answer("a7", at(4, 0), "en", "calm", "none", "support"),  # the day after
    _answer("a8", at(2, 10), "en", "calm", "none", "sales"),  # another team
]


def event_row(
    answer: str,
    suggestion: str,
    action: str,
    when: datetime,
    *,
    team: str = "support",
    edit: int | None = None,
    key: str = "sara",
    elapsed_ms: int = 1000,
) -> dict[str, Any]:
    """A feedback row on `answer`'s conversation (c-<answer>); `elapsed_ms` is the time
    from shown to this action (none for `shown` itself)."""
    entry, reply, lang, variant = suggestion.split("/")
    return {
        "created_at": when,
        "key_name": key,
        "conversation_id": f"c-{answer}",
        "suggestion_id": suggestion,
        "entry_id": entry,
        "reply_id": reply,
        "lang": lang,
        "variant": int(variant),
        "action": action,
        "final_text": None,
        "idempotency_key": None,
        "answer_id": answer,
        "position": 0,
        "team": team,
        "edit_distance": edit,
        "elapsed_ms": elapsed_ms if action != "shown" else None,
    }


def feedback_rows(snippet: int) -> list[dict[str, Any]]:
    shared = f"snippet-{snippet}/shared/fa/0"
    return [
        # a1: own-it inserted then sent (one acceptance), ask dismissed
        event_row("a1", OWN, "shown", at(1, 10, 1)),
        event_row("a1", ASK, "shown", at(1, 10, 1)),
        event_row("a1", OWN, "inserted", at(1, 10, 2), edit=4),
        event_row("a1", OWN, "sent", at(1, 10, 3), edit=2),
        event_row("a1", ASK, "dismissed", at(1, 10, 3)),
        # a2: sent, but rewritten beyond recognition: not an acceptance
        event_row("a2", OWN_1, "shown", at(1, 11, 1)),
        event_row("a2", OWN_1, "sent_rewritten", at(1, 11, 2), edit=30),
        # a4: the snippet inserted as is
        event_row("a4", shared, "shown", at(2, 12, 1)),
        event_row("a4", shared, "inserted", at(2, 12, 2), edit=0),
        # a5: sent without an insert first
        event_row("a5", OWN, "shown", at(3, 23, 59)),
        event_row("a5", OWN, "sent", at(3, 23, 59), edit=6),
        # outside: the day after, and another team
        event_row("a7", OWN, "shown", at(4, 0, 1)),
        event_row("a7", OWN, "inserted", at(4, 0, 2), edit=1),
        event_row("a8", OWN, "shown", at(2, 10, 1), team="sales", key="mina"),
        event_row("a8", OWN, "inserted", at(2, 10, 2), team="sales", key="mina", edit=9),
    ]


def _followup(
    n: int,
    status: str,
    due: datetime,
    closed: datetime | None = None,
    team: str = "support",
) -> dict[str, Any]:
    return {
        "conversation_id": f"c-f{n}",
        "customer_ref": None,
        "channel": "email",
        "due_at": due,
        "reason": "call back",
        "owner": "sara",
        "team": team,
        "source": "manual",
        "entry_id": None,
        "status": status,
        "closed_by": "sara" if closed else None,
        "closed_at": closed,
        "created_at": at(1, 8),
    }


FOLLOWUPS = [
    _followup(1, "open", at(4, 9)),  # open, not yet due
    _followup(2, "open", at(2, 9)),  # open, overdue
    _followup(3, "done", at(2, 10), at(2, 9)),  # done before it was due
    _followup(4, "done", at(1, 10), at(1, 12)),  # done late
    _followup(5, "done", at(20, 10, month=2), at(20, 12, month=2)),  # done before the period
    _followup(6, "cancelled", at(2, 10), at(2, 9)),
    _followup(7, "open", at(2, 9), team="sales"),
]


def kept_row(id_: str, when: datetime, text: str, lang: str = "en", team: str = "support") -> dict:
    return {
        "created_at": when,
        "answer_id": id_,
        "team": team,
        "lang": lang,
        "match": "none",
        "best_entry_id": "order-late",
        "best_score": 0.4,
        "text": text,
    }


KEPT = [
    kept_row("a3", at(2, 9), "can I pay with a gift card from the old shop"),
    kept_row("a2", at(1, 11), "do you take gift cards from the old shop"),
    kept_row("a9", at(3, 9), "gift card from the old shop, does it work here"),
    kept_row("a6", at(28, 23, month=2), "gift card from last year"),  # before
    kept_row("a8", at(2, 10), "old shop gift card ok?", team="sales"),
]


def seed(store: Any) -> dict[str, int]:
    """Everything above; returns the snippet ids by name."""
    snippets = store.snippets
    s1 = snippets.propose("sara", "support", "team", {"fa": ["سلام [[متن]]"]}, ["بن هدیه"]).id
    snippets.approve(s1, "lena")
    s2 = snippets.propose("sara", "support", "team", {"en": ["Hi [[words]]"]}, ["gift"]).id
    snippets.approve(s2, "lena")
    snippets.retire(s2, "lena")
    s3 = snippets.propose("reza", "support", "team", {"en": ["Hello [[x]]"]}, ["hello"]).id
    snippets.propose("reza", "support", "private", {"en": ["Mine [[x]]"]}, ["mine"])
    s4 = snippets.propose("mina", "sales", "team", {"en": ["Sales [[x]]"]}, ["sale"]).id
    snippets.approve(s4, "omid")
    checks = store.checks
    checks.record("sara", "support", "c-a1", "order-late", None, "en", ["verbatim"], 0.9, at=at(1))
    checks.record(
        "sara",
        "support",
        "c-a1",
        "order-late",
        None,
        "en",
        ["over_promise", "no_name"],
        0.2,
        at=at(1, 13),
    )
    checks.record(
        "reza",
        "support",
        "c-a4",
        "order-late",
        None,
        "fa",
        ["verbatim", "over_promise"],
        0.8,
        at=at(2),
    )
    checks.record("reza", "support", "c-a5", None, None, "en", [], 0.1, at=at(3, 22))
    checks.record(
        "sara", "support", "c-a6", None, None, "en", ["verbatim"], 1.0, at=at(28, month=2)
    )
    checks.record("mina", "sales", "c-a8", None, None, "en", ["over_promise"], 0.3, at=at(1))
    with store.transaction() as connection:
        connection.execute(insert(answers_table), ANSWERS)
        connection.execute(insert(feedback_table), feedback_rows(s1))
        connection.execute(insert(followups_table), FOLLOWUPS)
        connection.execute(insert(unmatched_table), KEPT)
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4}
