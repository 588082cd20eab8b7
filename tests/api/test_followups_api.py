"""Follow-ups through the HTTP API: create, scope (agent / lead / admin), close, gauges,
and delivery to a webhook by the app's own lifespan task."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from webhook_receiver import Receiver

from assist.api import create_app
from assist.api.auth import hash_key
from assist.settings import ApiKey
from conftest import build

KEYS = {
    "sara": ("agent", "support"),
    "reza": ("agent", "support"),
    "lena": ("lead", "support"),
    "mina": ("agent", "sales"),
    "omid": ("lead", "sales"),
    "root": ("admin", "ops"),
}

CLOSED_DUE_IN = 3.0  # seconds: the webhook test closes one follow-up this long before it is due


def headers(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer ak_{name}-key"}


def make_client(api_settings, **update):
    keys = [
        ApiKey(name=name, role=role, team=team, sha256=hash_key(f"ak_{name}-key"))
        for name, (role, team) in KEYS.items()
    ]
    given = {"api_keys": keys, "store_poll_seconds": 0.0, "followup_poll_seconds": 0.0}
    settings = api_settings.model_copy(update={**given, **update})
    build(settings)
    return TestClient(create_app(settings))


def ready(client: TestClient) -> TestClient:
    deadline = time.monotonic() + 10
    while not client.app.state.store.ready:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the store did not open"
        time.sleep(0.05)
    return client


@pytest.fixture
def client(api_settings):
    with make_client(api_settings) as test_client:
        yield ready(test_client)


def create(client, who="sara", **body):
    payload = {
        "conversation_id": "c-1",
        "channel": "email",
        "within_hours": 24,
        "reason": "Promised the replacement card status within 24 hours",
        **body,
    }
    return client.post("/v1/followups", json=payload, headers=headers(who))


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["followups"]]


def test_a_follow_up_is_created_for_the_callers_key_and_team(client):
    before = datetime.now(UTC)
    response = create(client, customer_ref="cust-42", entry_id="card-replacement", source="promise")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["owner"], body["team"], body["status"], body["source"]) == (
        "sara",
        "support",
        "open",
        "promise",
    )
    due = datetime.fromisoformat(body["due_at"])
    assert before + timedelta(hours=24) <= due <= datetime.now(UTC) + timedelta(hours=24)
    assert body["overdue"] is False and body["delivery"]["state"] == "pending"
    tehran = (datetime.now(UTC) + timedelta(days=2)).astimezone(timezone(timedelta(hours=3.5)))
    at = create(client, due_at=tehran.isoformat(), within_hours=None).json()
    assert at["due_at"] == tehran.astimezone(UTC).isoformat()


def test_personal_data_is_masked_before_it_is_stored(client):
    body = create(
        client, reason="Call 0912 345 6789 back about the card", customer_ref="sara@example.com"
    ).json()
    assert "0912" not in body["reason"] and "[phone]" in body["reason"]
    assert body["customer_ref"] == "[email]"


@pytest.mark.parametrize(
    "change",
    [
        {"within_hours": None},  # no due time
        {"due_at": "2031-03-01T09:00:00+00:00"},  # two due times
        {"within_hours": None, "due_at": "2031-03-01T09:00:00"},  # no time zone
        {"within_hours": 0},
        {"channel": "fax"},
        {"reason": ""},
        {"conversation_id": ""},
        {"entry_id": "Not Kebab"},
        {"source": "guess"},
        {"unknown": 1},
    ],
)
def test_bad_bodies_get_422(client, change):
    response = create(client, **change)
    assert response.status_code == 422, response.text
    assert "detail" in response.json()


def test_a_due_time_in_the_past_is_refused_by_the_store(client):
    response = create(client, within_hours=None, due_at="2020-01-01T00:00:00+00:00")
    assert response.status_code == 422 and "in the past" in response.json()["detail"]


def test_an_agent_sees_theirs_a_lead_the_teams_an_admin_all(client):
    sara = create(client, "sara").json()["id"]
    reza = create(client, "reza", within_hours=2).json()["id"]
    mina = create(client, "mina", within_hours=1).json()["id"]
    listed = lambda who, query="": ids(client.get(f"/v1/followups{query}", headers=headers(who)))  # noqa: E731
    assert listed("sara") == [sara]
    assert listed("sara", "?owner=reza") == [sara]  # an agent can't look at another's
    assert listed("lena") == [reza, sara]  # soonest due first
    assert listed("lena", "?owner=reza") == [reza]
    assert listed("omid") == [mina]
    assert listed("root") == [mina, reza, sara]
    soon = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    assert listed("root", f"?due_before={quote(soon)}") == [mina, reza]
    assert client.get("/v1/followups?status=closed", headers=headers("root")).status_code == 422
    assert client.get("/v1/followups").status_code == 401


def test_the_owner_or_a_lead_of_the_team_closes_it(client):
    number = create(client, "sara").json()["id"]
    path = f"/v1/followups/{number}"
    assert client.post(f"{path}/done", headers=headers("reza")).status_code == 404
    assert client.post(f"{path}/done", headers=headers("omid")).status_code == 404
    done = client.post(f"{path}/done", headers=headers("sara"))
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["closed_by"] == "sara" and done.json()["delivery"]["state"] == "closed"
    again = client.post(f"{path}/cancel", headers=headers("lena"))
    assert again.status_code == 409 and "is done" in again.json()["detail"]
    other = create(client, "sara").json()["id"]
    cancelled = client.post(f"/v1/followups/{other}/cancel", headers=headers("lena"))
    assert cancelled.status_code == 200 and cancelled.json()["closed_by"] == "lena"
    assert client.post("/v1/followups/999999/done", headers=headers("root")).status_code == 404
    assert client.post("/v1/followups/0/done", headers=headers("root")).status_code == 404
    open_ = ids(client.get("/v1/followups?status=open", headers=headers("lena")))
    assert open_ == []


def test_an_unreachable_store_is_503_without_its_address(api_settings):
    url = "postgresql://postgres@127.0.0.1:1/nothing"
    with make_client(api_settings, database_url=url, database_retry_seconds=60) as test_client:
        response = create(test_client)
        assert response.status_code == 503
        assert "127.0.0.1" not in response.json()["detail"]


def test_metrics_show_open_and_overdue_follow_ups(api_settings):
    with make_client(api_settings, followup_poll_seconds=0.05) as test_client:
        ready(test_client)
        create(test_client, within_hours=5)
        overdue = create(test_client, within_hours=None, due_at=datetime.now(UTC).isoformat())
        assert overdue.status_code == 201
        deadline = time.monotonic() + 15
        while True:
            text = test_client.get("/metrics").text
            if "assist_followups_open 2.0" in text and "assist_followups_overdue 1.0" in text:
                break
            assert time.monotonic() < deadline, text
            time.sleep(0.05)


def test_the_app_delivers_a_due_follow_up_to_the_webhook_once(api_settings):
    with (
        Receiver(fail_first={"c-retry": 1}) as receiver,
        make_client(
            api_settings,
            followup_webhook_url=receiver.url,
            followup_poll_seconds=0.05,
            followup_retry_seconds=0.1,
        ) as test_client,
    ):
        ready(test_client)
        # Closed a few seconds before it falls due (closed when already due, a poll may
        # claim it first, and at least once means it is then delivered): never delivered.
        closes_at = time.monotonic() + CLOSED_DUE_IN
        closed_due = (datetime.now(UTC) + timedelta(seconds=CLOSED_DUE_IN)).isoformat()
        closed = create(test_client, within_hours=None, due_at=closed_due, conversation_id="c-done")
        client_done = test_client.post(
            f"/v1/followups/{closed.json()['id']}/done", headers=headers("sara")
        )
        assert client_done.status_code == 200 and time.monotonic() < closes_at
        now = datetime.now(UTC).isoformat()
        due = create(test_client, within_hours=None, due_at=now, customer_ref="cust-1")
        retried = create(test_client, within_hours=None, due_at=now, conversation_id="c-retry")
        later = create(test_client, within_hours=1)
        number, retry = due.json()["id"], retried.json()["id"]
        deadline = time.monotonic() + 10
        while receiver.accepted() != {f"followup-{number}": 1, f"followup-{retry}": 1}:
            assert time.monotonic() < deadline, receiver.requests
            time.sleep(0.05)
        # past the closed one's due time, a few more polls: nothing more arrives
        time.sleep(max(0.0, closes_at - time.monotonic()) + 0.3)
        metrics = test_client.get("/metrics").text
        listed = test_client.get("/v1/followups", headers=headers("sara")).json()
    by_id = {f["id"]: f for f in listed["followups"]}
    assert by_id[number]["delivery"]["state"] == "delivered"
    assert by_id[retry]["delivery"]["attempts"] == 2
    assert by_id[later.json()["id"]]["delivery"]["state"] == "pending"
    assert [r.outcome for r in receiver.of("c-retry")] == ["failed", "accepted"]
    assert [r.attempt for r in receiver.of("c-retry")] == [1, 2]
    assert receiver.of("c-done") == [] and len(receiver.requests) == 3
    (first,) = receiver.of("c-1")
    assert first.key == f"followup-{number}"
    assert first.body["reason"] == due.json()["reason"] and first.body["customer_ref"] == "cust-1"
    assert first.body["event"] == "followup.due" and first.body["owner"] == "sara"
    assert 'assist_followup_deliveries_total{result="delivered"} 2.0' in metrics
    assert 'assist_followup_deliveries_total{result="failed"} 1.0' in metrics
