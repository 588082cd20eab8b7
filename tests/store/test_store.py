"""store.py: the append-only feedback log, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect

from assist.store.feedback import (
    InvalidFeedback,
    Store,
    StoreConfigError,
    StoreUnavailable,
    SuggestionRef,
    database_url,
)
from served import serve

EVENT = {
    "key_name": "agent-1",
    "conversation_id": "c-1",
    "suggestion_id": "order-late/check-tracking/en/1",
    "action": "inserted",
    "final_text": "Sara, I checked order A-1: it left the hub.",
}


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'sub' / 'assist.sqlite'}")
    assert store.start()
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request) -> Store:
    return request.getfixturevalue(f"{request.param}_store".replace("postgresql", "pg"))


def test_an_event_is_stored_with_its_suggestion_id_split(store):
    before = datetime.now(UTC)
    serve(store, "c-1", EVENT["suggestion_id"])
    event_id = store.add_feedback(**EVENT)
    shown, event = store.feedback()
    assert shown.action == "shown" and shown.suggestion_id == EVENT["suggestion_id"]
    assert event.id == event_id
    assert (event.entry_id, event.reply_id, event.lang, event.variant) == (
        "order-late",
        "check-tracking",
        "en",
        1,
    )
    assert event.key_name == "agent-1" and event.conversation_id == "c-1"
    assert event.action == "inserted" and event.final_text == EVENT["final_text"]
    assert event.created_at.tzinfo is not None
    assert before.replace(microsecond=0) <= event.created_at <= datetime.now(UTC)


def test_the_log_only_grows_in_order(store):
    serve(store, "c-1", EVENT["suggestion_id"])
    ids = [store.feedback()[0].id]
    ids.append(store.add_feedback(**{**EVENT, "action": "dismissed", "final_text": None}))
    serve(store, "c-1", EVENT["suggestion_id"])
    ids.append(store.feedback()[-1].id)
    serve(store, "c-2", EVENT["suggestion_id"])
    ids.append(store.feedback()[-1].id)
    ids.append(store.add_feedback(**{**EVENT, "conversation_id": "c-2"}))
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [e.action for e in store.feedback(conversation_id="c-1")] == [
        "shown",
        "dismissed",
        "shown",
    ]
    assert [e.id for e in store.feedback()] == ids
    assert [e.id for e in store.feedback(limit=2)] == ids[:2]
    assert [e.action for e in store.feedback(conversation_id="c-2")] == ["shown", "inserted"]
    assert not hasattr(store, "update_feedback") and not hasattr(store, "delete_feedback")


def test_persian_text_round_trips(store):
    final = "سارا عزیز، سفارش A-1 را بررسی کردم: امروز صبح ارسال شد 📦"
    serve(store, "c-1", "order-late/check-tracking/fa/0")
    store.add_feedback(
        **{**EVENT, "suggestion_id": "order-late/check-tracking/fa/0", "final_text": final}
    )
    _, event = store.feedback()
    assert event.final_text == final and event.lang == "fa"


@pytest.mark.parametrize(
    "suggestion_id",
    [
        "",
        "order-late",
        "order-late/check-tracking/en",
        "order-late/check-tracking/en/1/extra",
        "order-late/check-tracking/de/1",
        "order-late/check-tracking/en/-1",
        "order-late/check-tracking/en/01",
        "Order-Late/check-tracking/en/1",
        "order late/check-tracking/en/1",
        "order-late/check-tracking/en/x",
        "../../etc/passwd",
        "a" * 101 + "/b/en/0",
    ],
)
def test_malformed_suggestion_ids_are_refused(sqlite_store, suggestion_id):
    with pytest.raises(InvalidFeedback, match="suggestion_id"):
        sqlite_store.add_feedback(**{**EVENT, "suggestion_id": suggestion_id})
    assert sqlite_store.feedback() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action": "clicked"}, "action"),
        ({"action": "shown"}, "final_text goes with inserted or sent"),
        ({"action": "dismissed"}, "final_text goes with inserted or sent"),
        ({"conversation_id": ""}, "conversation_id"),
        ({"conversation_id": "c" * 201}, "conversation_id"),
        ({"final_text": "x" * 20_001}, "limit is 20000"),
        ({"key_name": ""}, "key name"),
    ],
)
def test_invalid_events_are_refused(sqlite_store, change, message):
    with pytest.raises(InvalidFeedback, match=message):
        sqlite_store.add_feedback(**{**EVENT, **change})
    assert sqlite_store.feedback() == []


def test_nul_and_lone_surrogates_are_cleaned(store):
    serve(store, "c-1", EVENT["suggestion_id"])
    store.add_feedback(**{**EVENT, "conversation_id": "c\x00-1", "final_text": "a\x00b\ud800c"})
    _, event = store.feedback()
    assert event.conversation_id == "c-1" and event.final_text == "ab\ufffdc"


def test_concurrent_writers_lose_nothing(store):
    def write(n: int) -> None:
        for i in range(10):
            serve(store, f"c-{n}-{i}", EVENT["suggestion_id"])
            store.add_feedback(**{**EVENT, "conversation_id": f"c-{n}-{i}", "final_text": None})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = store.feedback()
    assert len(events) == 100 and len({e.id for e in events}) == 100
    assert sorted(e.action for e in events) == ["inserted"] * 50 + ["shown"] * 50


def test_tables_and_indexes_are_created_once(store):
    store.create_schema()
    store.create_schema()
    inspector = inspect(store.engine)
    assert "feedback" in inspector.get_table_names()
    names = {index["name"] for index in inspector.get_indexes("feedback")}
    assert {"ix_feedback_conversation", "ix_feedback_reply", "ix_feedback_created_at"} <= names


def test_two_processes_worth_of_stores_share_one_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    first, second = Store(url), Store(url)
    serve(first, "c-1", EVENT["suggestion_id"])
    first.add_feedback(**EVENT)
    second.add_feedback(**{**EVENT, "action": "sent"})
    assert [e.action for e in first.feedback()] == ["shown", "inserted", "sent"]
    first.close()
    second.close()


def test_in_memory_sqlite_is_one_database_for_every_thread():
    store = Store("sqlite://")
    serve(store, "c-1", EVENT["suggestion_id"])
    store.add_feedback(**EVENT)
    seen: list[int] = []
    worker = threading.Thread(target=lambda: seen.append(len(store.feedback())))
    worker.start()
    worker.join()
    assert seen == [2]


def test_urls():
    assert database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert database_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert database_url("sqlite:///x.db").drivername == "sqlite"
    with pytest.raises(StoreConfigError, match="not a URL"):
        Store("not a url")
    with pytest.raises(StoreConfigError):
        Store("nosuchdb://x/y")


def test_an_unreachable_database_is_reported_not_raised_at_start():
    store = Store("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=1")
    assert store.start() is False
    with pytest.raises(StoreUnavailable, match="unavailable") as caught:
        store.add_feedback(**EVENT)
    assert "secret" not in str(caught.value)  # the password never reaches a message
    store.close()


def test_suggestion_ref_parses_the_api_format():
    assert SuggestionRef.parse("angry-customer/acknowledge/fa/12") == SuggestionRef(
        "angry-customer", "acknowledge", "fa", 12
    )
