"""POST /v1/feedback and the widget's routes, through the HTTP API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assist.api import create_app
from assist.store.feedback import StoreConfigError
from conftest import ADMIN_KEY, AGENT_KEY, build
from served import acted, shown_via_api

AGENT = {"Authorization": f"Bearer {AGENT_KEY}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
EVENT = {
    "suggestion_id": "order-late/check-tracking/en/1",  # what c-1 is offered
    "conversation_id": "c-1",
    "action": "inserted",
    "final_text": "Sara, I checked order A-1: on its way.",
}


@pytest.fixture
def client(api_settings):
    build(api_settings)
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def events(client: TestClient):
    return client.app.state.store.feedback()  # type: ignore[attr-defined]


def test_feedback_is_recorded_with_the_key_name(client, api_settings):
    shown_via_api(client, AGENT, "c-1", EVENT["suggestion_id"])
    response = client.post("/v1/feedback", json=EVENT, headers=AGENT)
    assert response.status_code == 201
    event_id = response.json()["id"]
    assert isinstance(event_id, int) and response.json()["action"] == "inserted"
    shown, event = events(client)
    assert shown.action == "shown" and shown.key_name == "agent-1"
    assert event.id == event_id and event.key_name == "agent-1"
    assert (event.entry_id, event.reply_id, event.lang, event.variant) == (
        "order-late",
        "check-tracking",
        "en",
        1,
    )
    assert event.final_text == EVENT["final_text"]
    # SQLite by default, beside the index directory.
    assert (api_settings.index_dir.parent / "assist.sqlite").exists()


def test_every_action_and_admin_keys_too(client):
    shown_via_api(client, AGENT, "c-1", EVENT["suggestion_id"])
    body = {k: v for k, v in EVENT.items() if k != "final_text"}
    assert (
        client.post("/v1/feedback", json={**body, "action": "dismissed"}, headers=AGENT)
    ).status_code == 201
    assert (
        client.post("/v1/feedback", json={**EVENT, "action": "sent"}, headers=ADMIN).status_code
        == 201
    )
    assert [e.action for e in events(client)] == ["shown", "dismissed", "sent"]
    assert events(client)[-1].key_name == "admin-1"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}])
def test_feedback_needs_a_key(client, headers):
    response = client.post("/v1/feedback", json=EVENT, headers=headers)
    assert response.status_code == 401 and "detail" in response.json()
    assert events(client) == []


@pytest.mark.parametrize(
    "change",
    [
        {"suggestion_id": "order-late/check-tracking/en"},
        {"suggestion_id": "order-late/check-tracking/xx/0"},
        {"suggestion_id": "../../x/en/0"},
        {"suggestion_id": "a/b/en/0" + "0" * 400},
        {"action": "clicked"},
        {"action": None},
        {"conversation_id": ""},
        {"conversation_id": "c" * 201},
        {"final_text": "x" * 20_001},
        {"final_text": 42},
        {"extra": "field"},
    ],
)
def test_invalid_feedback_is_422_with_detail(client, change):
    response = client.post("/v1/feedback", json={**EVENT, **change}, headers=AGENT)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    assert events(client) == []


def test_final_text_only_with_inserted_or_sent(client):
    response = client.post("/v1/feedback", json={**EVENT, "action": "shown"}, headers=AGENT)
    assert response.status_code == 422
    assert response.json()["detail"] == "final_text goes with inserted or sent, not shown"


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[]", b"null", b'{"suggestion_id": 1}', b"\xff\xfe", b'"x"']
)
def test_malformed_bodies_are_4xx_never_500(client, raw):
    response = client.post(
        "/v1/feedback", content=raw, headers={**AGENT, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500 and "detail" in response.json()


def test_an_unreachable_database_is_503_and_suggestions_still_work(api_settings):
    build(api_settings)
    settings = api_settings.model_copy(
        update={"database_url": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"}
    )
    with TestClient(create_app(settings)) as client:
        refused = client.post("/v1/feedback", json=EVENT, headers=AGENT)
        assert refused.status_code == 503
        assert "unavailable" in refused.json()["detail"]
        suggest = {"conversation_id": "c-1", "message": "my order is late"}
        assert client.post("/v1/suggest", json=suggest, headers=AGENT).status_code == 200


def test_an_unusable_database_url_refuses_to_start(api_settings):
    with pytest.raises(StoreConfigError, match="nosuchdb"):
        create_app(api_settings.model_copy(update={"database_url": "nosuchdb://x/y"}))


def test_feedback_on_postgresql_through_the_api(api_settings, pg_store):
    build(api_settings)
    url = pg_store.url.render_as_string(hide_password=False)
    with TestClient(create_app(api_settings.model_copy(update={"database_url": url}))) as client:
        shown_via_api(client, AGENT, "c-1", EVENT["suggestion_id"])
        response = client.post("/v1/feedback", json=EVENT, headers=AGENT)
        assert response.status_code == 201
    (event,) = acted(pg_store)
    assert event.id == response.json()["id"] and event.final_text == EVENT["final_text"]


def test_openapi_documents_feedback(client):
    operation = client.get("/openapi.json").json()["paths"]["/v1/feedback"]["post"]
    assert "201" in operation["responses"] and "422" in operation["responses"]


# ------------------------------------------------------------------ widget routes


@pytest.mark.parametrize("path", ["/widget", "/widget/demo"])
def test_widget_pages_need_no_key_and_load_only_own_scripts(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "http://" not in response.text and "https://" not in response.text  # no CDN


def test_widget_assets(client):
    script = client.get("/widget/assets/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "ak_" not in script.text  # no key in the page's code
    assert client.get("/widget/assets/widget.css").headers["content-type"].startswith("text/css")
    again = client.get(
        "/widget/assets/widget.js", headers={"If-None-Match": script.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "name", ["nope.js", "..%2F..%2Fapi.py", "widget.html", ".hidden.js", "WIDGET.JS", "x.exe"]
)
def test_unknown_assets_are_404(client, name):
    response = client.get(f"/widget/assets/{name}")
    assert response.status_code == 404 and "detail" in response.json()


def test_widget_routes_are_one_metrics_label(client):
    client.get("/widget/assets/widget.js")
    client.get("/widget/assets/text.js")
    text = client.get("/metrics").text
    assert 'route="/widget/assets/{name}"' in text
