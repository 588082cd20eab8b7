"""Answers through the HTTP API: every /v1/suggest response has an answer_id and is
recorded off the request path by the batching writer; feedback is checked against the
answers (never shown → 422), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assist.api import create_app
from assist.settings import Settings
from assist.store.feedback import Store
from assist.store.tables import unmatched_table
from conftest import AGENT_KEY, build
from served import answer, shown_via_api

AGENT = {"Authorization": f"Bearer {AGENT_KEY}"}
LATE = "my order is late, where is it?"
NOTHING = "zx qv wk jj"  # matches nothing in the fixture playbooks


def app_for(settings: Settings, store_url: str | None = None, **changes: object) -> TestClient:
    build(settings)
    update = {"database_url": store_url, **changes}
    return TestClient(create_app(settings.model_copy(update=update)))


@pytest.fixture
def client(api_settings: Settings, store_url: str) -> Iterator[TestClient]:
    with app_for(api_settings, store_url, answers_flush_seconds=0.05) as test_client:
        yield test_client


def suggest(client: TestClient, message: str = LATE, conversation: str = "c-1") -> dict:
    response = client.post(
        "/v1/suggest", json={"conversation_id": conversation, "message": message}, headers=AGENT
    )
    assert response.status_code == 200, response.text
    return response.json()


def stored(client: TestClient, answer_id: str, wait: float = 5.0):
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    deadline = time.monotonic() + wait
    while (found := store.answers.get(answer_id)) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def feedback(client: TestClient, **body: object):
    return client.post("/v1/feedback", json={"conversation_id": "c-1", **body}, headers=AGENT)


def metric(client: TestClient, line: str) -> float:
    text = client.get("/metrics").text
    found = re.search(rf"^{re.escape(line)} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


# ------------------------------------------------------------------ answers


def test_each_suggest_answer_gets_an_id_and_is_recorded(client):
    first, second = suggest(client), suggest(client)
    assert first["answer_id"] != second["answer_id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", first["answer_id"])
    row = stored(client, first["answer_id"])
    assert row is not None
    assert (row.key_name, row.team, row.conversation_id) == ("agent-1", "default", "c-1")
    assert row.suggestion_ids == tuple(s["id"] for s in first["suggestions"])
    assert (row.match, row.lang, row.mood) == (
        first["match"],
        first["signals"]["lang"],
        first["signals"]["mood"],
    )
    assert row.top_entry_id == first["suggestions"][0]["entry_id"]
    assert row.best_score == pytest.approx(first["best_score"])
    assert row.index_version == first["index_version"]
    assert stored(client, second["answer_id"]) is not None
    assert metric(client, "assist_answers_written_total") >= 2


def test_no_match_answers_are_recorded_and_no_text_is_kept_by_default(client):
    data = suggest(client, NOTHING)
    assert data["match"] == "none" and data["suggestions"] == []
    row = stored(client, data["answer_id"])
    assert row is not None and row.match == "none" and row.suggestion_ids == ()
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    assert store.answers.unmatched_count() == 0


def test_with_keep_unmatched_the_message_is_kept_masked(api_settings, store_url):
    with app_for(api_settings, store_url, keep_unmatched=True) as client:
        kept = suggest(client, NOTHING + " call 0912 123 4567")
        confident = suggest(client)
        assert confident["match"] == "confident"
    # Closing the app wrote the queue.
    store = Store(store_url)
    try:
        with store.connect() as connection:
            rows = connection.execute(select(unmatched_table)).mappings().all()
        assert [(r["answer_id"], r["match"], r["text"]) for r in rows] == [
            (kept["answer_id"], "none", NOTHING + " call [phone]")
        ]
        assert store.answers.get(confident["answer_id"]) is not None
    finally:
        store.close()


def test_the_writer_deletes_kept_messages_past_their_retention(api_settings, store_url):
    store = Store(store_url)
    old = answer("c-0", match="none", message="old", at=datetime.now(UTC) - timedelta(days=8))
    fresh = answer("c-0", match="none", message="fresh", at=datetime.now(UTC) - timedelta(days=6))
    store.answers.add_many([old, fresh])
    with app_for(api_settings, store_url, unmatched_retention_days=7) as client:
        deadline = time.monotonic() + 15
        while store.answers.unmatched_count() > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/healthz").status_code == 200
    with store.connect() as connection:
        assert connection.execute(select(unmatched_table.c.text)).scalars().all() == ["fresh"]
    store.close()


def test_answers_are_written_in_batches_and_on_shutdown(api_settings, store_url):
    with app_for(api_settings, store_url, answers_flush_seconds=60) as client:
        ids = [suggest(client, conversation=f"c-{n}")["answer_id"] for n in range(5)]
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        assert [store.answers.get(i) for i in ids] == [None] * 5  # queued, not written
    store = Store(store_url)
    try:
        assert all(store.answers.get(i) is not None for i in ids)
    finally:
        store.close()


def test_a_full_queue_drops_answers_and_counts_them_never_the_suggestion(api_settings):
    with app_for(api_settings, answers_queue_size=2, answers_flush_seconds=60) as client:
        answers = [suggest(client, conversation=f"c-{n}") for n in range(5)]
        assert all(a["suggestions"] for a in answers)
        assert metric(client, 'assist_answers_dropped_total{reason="queue_full"}') == 3
        # A shown for a dropped answer cannot be checked: refused like any unknown one.
        dropped = answers[-1]
        response = client.post(
            "/v1/feedback",
            json={
                "conversation_id": "c-4",
                "suggestion_id": dropped["suggestions"][0]["id"],
                "action": "shown",
                "answer_id": dropped["answer_id"],
            },
            headers=AGENT,
        )
        assert response.status_code == 422 and "never shown" in response.json()["detail"]


def test_a_shown_right_after_its_answer_finds_it_still_queued(api_settings, store_url):
    with app_for(api_settings, store_url, answers_flush_seconds=60) as client:
        data = suggest(client)
        response = feedback(
            client,
            suggestion_id=data["suggestions"][1]["id"],
            action="shown",
            answer_id=data["answer_id"],
        )
        assert response.status_code == 201, response.text
        assert response.json()["action"] == "shown"
        (event,) = client.app.state.store.feedback()  # type: ignore[attr-defined]
        assert (event.answer_id, event.position) == (data["answer_id"], 1)


def test_a_shown_on_another_replica_waits_for_the_answer(api_settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    with (
        app_for(api_settings, url, answers_flush_seconds=0.3) as one,
        app_for(api_settings, url, answers_flush_seconds=0.3) as two,
    ):
        data = suggest(one)
        response = two.post(
            "/v1/feedback",
            json={
                "conversation_id": "c-1",
                "suggestion_id": data["suggestions"][0]["id"],
                "action": "shown",
                "answer_id": data["answer_id"],
            },
            headers=AGENT,
        )
        assert response.status_code == 201, response.text


# ------------------------------------------------------------------ feedback rules


def test_feedback_for_a_suggestion_never_shown_is_refused(client):
    data = suggest(client)
    offered = data["suggestions"][0]["id"]
    refused = feedback(client, suggestion_id=offered, action="inserted", final_text="Hi")
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith(f"never shown: inserted for '{offered}'")
    no_answer = feedback(client, suggestion_id=offered, action="shown")
    assert no_answer.status_code == 422 and "answer_id" in no_answer.json()["detail"]
    elsewhere = client.post(
        "/v1/feedback",
        json={
            "conversation_id": "c-other",
            "suggestion_id": offered,
            "action": "shown",
            "answer_id": data["answer_id"],
        },
        headers=AGENT,
    )
    assert elsewhere.status_code == 422
    assert "was not served in conversation 'c-other'" in elsewhere.json()["detail"]
    bad = feedback(client, suggestion_id=offered, action="shown", answer_id="no spaces")
    assert bad.status_code == 422
    assert client.app.state.store.feedback() == []  # type: ignore[attr-defined]


def test_the_server_measures_position_edits_time_and_rewrites(client):
    shown = shown_via_api(client, AGENT, "c-1", "order-late/check-tracking/en/1")
    assert shown["text"].startswith("Thanks for waiting")
    final = shown["text"].replace("[[tracking status]]", "on its way")
    inserted = feedback(
        client, suggestion_id=shown["id"], action="inserted", final_text=final, position=5
    )
    assert inserted.status_code == 422  # the position is the server's, never the client's
    inserted = feedback(client, suggestion_id=shown["id"], action="inserted", final_text=final)
    assert inserted.status_code == 201 and inserted.json()["action"] == "inserted"
    sent = feedback(client, suggestion_id=shown["id"], action="sent", final_text="Refunded.")
    assert sent.status_code == 201 and sent.json()["action"] == "sent_rewritten"
    events = client.app.state.store.feedback()  # type: ignore[attr-defined]
    assert [e.action for e in events] == ["shown", "inserted", "sent_rewritten"]
    assert {e.answer_id for e in events} == {shown["answer_id"]}
    assert {e.position for e in events} == {0}
    assert 0 < events[1].edit_distance < 500 and events[2].edit_distance > 500
    assert events[1].elapsed_ms is not None and events[1].elapsed_ms >= 0


def test_openapi_documents_answer_id(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "answer_id" in schemas["SuggestResponse"]["required"]
    answer_id = schemas["FeedbackRequest"]["properties"]["answer_id"]
    assert "shown" in answer_id["description"]
    assert "sent_rewritten" in schemas["FeedbackResponse"]["properties"]["action"]["enum"]


def test_a_store_that_is_down_keeps_the_answers_queued(api_settings, suggester, tmp_path):
    from assist.api.answers import AnswerWriter
    from assist.api.metrics import Metrics
    from assist.core.suggest import Query

    down = Store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    metrics = Metrics()
    writer = AnswerWriter(down, api_settings.model_copy(update={"answers_queue_size": 3}), metrics)
    result = suggester.suggest(Query(LATE, conversation_id="c-1"))
    ids = [
        writer.record(result, key_name="a", team="t", conversation_id="c-1", message=LATE)
        for _ in range(4)
    ]
    assert writer.flush() == 0  # nothing written, nothing lost
    writer.ensure_written(ids[0])  # tries again, fails again, keeps them
    assert metrics.answers_dropped.labels("queue_full")._value.get() == 1
    assert metrics.answers_dropped.labels("store_unavailable")._value.get() == 0
    assert writer.shown_text(ids[3], result.suggestions[0].id) == result.suggestions[0].text
    up = Store(f"sqlite:///{tmp_path / 'up.sqlite'}")
    writer.store = up
    writer.ensure_written(ids[2])
    assert [up.answers.get(i) is not None for i in ids] == [True, True, True, False]
    assert metrics.answers_written._value.get() == 3
    down.close()
    up.close()
