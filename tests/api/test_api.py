import json
import logging
import threading

import pytest
from fastapi.testclient import TestClient

from assist.api import create_app
from assist.api.auth import KeyConfigError
from assist.api.schemas import SuggestResponse
from assist.core.embed import HashEmbedder
from conftest import ADMIN_KEY, AGENT_KEY, BUNDLED_PLAYBOOKS, build

AGENT = {"Authorization": f"Bearer {AGENT_KEY}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
BODY = {"conversation_id": "c-1", "message": "my order is late", "customer": {"name": "Sara"}}


@pytest.fixture
def client(api_settings):
    build(api_settings)
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def client_for(settings, **update):
    return TestClient(create_app(settings.model_copy(update=update)))


def test_suggest_answers_the_documented_shape(client):
    response = client.post("/v1/suggest", json=BODY, headers=AGENT)
    assert response.status_code == 200
    data = SuggestResponse.model_validate(response.json())
    top = data.suggestions[0]
    assert top.entry_id == "order-late" and "Sara" in top.text
    assert data.signals.lang == "en" and data.took_ms > 0
    assert data.index_version


def test_openapi_docs_are_served(client):
    schema = client.get("/openapi.json").json()
    assert "/v1/suggest" in schema["paths"]
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
    ],
)
def test_missing_or_wrong_key_is_401_with_json_detail(client, headers):
    response = client.post("/v1/suggest", json=BODY, headers=headers)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_key_added_to_the_file_works_without_a_restart(client, api_settings):
    """The route dependencies find known keys in memory; a key added to the keys file
    while the server runs is read from the file on its first (unknown) use."""
    import time

    from assist.api.auth import FILE_CHECK_SECONDS, add_key

    assert client.get("/v1/me", headers={"Authorization": "Bearer ak_nobody"}).status_code == 401
    key = add_key(api_settings.api_keys_file, "late-agent", "agent", team="night")
    time.sleep(FILE_CHECK_SECONDS + 0.1)  # the file is looked at once a second at most
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200 and me.json()["name"] == "late-agent", me.text
    assert me.json()["team"] == "night"
    suggested = client.post("/v1/suggest", json=BODY, headers={"Authorization": f"Bearer {key}"})
    assert suggested.status_code == 200
    assert client.get("/v1/me", headers={"Authorization": "Bearer ak_nobody"}).status_code == 401


def test_agent_key_may_not_reload_but_admin_may(client):
    refused = client.post("/v1/admin/reload", headers=AGENT)
    assert refused.status_code == 403
    assert "admin" in refused.json()["detail"]
    done = client.post("/v1/admin/reload", headers=ADMIN)
    assert done.status_code == 200 and done.json()["changed"] is False
    assert client.post("/v1/suggest", json=BODY, headers=ADMIN).status_code == 200


def test_no_keys_and_auth_on_refuses_to_start(api_settings):
    with pytest.raises(KeyConfigError, match="assist keys new"):
        create_app(api_settings.model_copy(update={"api_keys": []}))


def test_auth_off_only_explicitly_and_with_a_warning(api_settings, caplog):
    build(api_settings)
    caplog.set_level(logging.WARNING, "assist")
    app = create_app(api_settings.model_copy(update={"api_keys": [], "auth_disabled": True}))
    local = {"base_url": "http://127.0.0.1", "client": ("127.0.0.1", 50000)}  # else 403
    with TestClient(app, **local) as open_client:
        assert open_client.post("/v1/suggest", json=BODY).status_code == 200
    assert "AUTH IS DISABLED" in caplog.text


def test_message_history_and_k_limits_name_the_limit(client, api_settings):
    too_long = client.post("/v1/suggest", json={**BODY, "message": "x" * 4001}, headers=AGENT)
    assert too_long.status_code == 413 and "max_message_chars" in too_long.json()["detail"]
    history = [{"role": "customer", "text": "hi"}] * 21
    too_many = client.post("/v1/suggest", json={**BODY, "history": history}, headers=AGENT)
    assert too_many.status_code == 422 and "max_history_turns" in too_many.json()["detail"]
    big_k = client.post("/v1/suggest", json={**BODY, "k": 11}, headers=AGENT)
    assert big_k.status_code == 422 and "less than or equal to 10" in big_k.text


def test_body_size_limit_with_and_without_content_length(client):
    huge = json.dumps({**BODY, "message": "x" * 300_000})
    declared = client.post(
        "/v1/suggest", content=huge, headers={**AGENT, "Content-Type": "application/json"}
    )
    assert declared.status_code == 413 and "max_body_bytes" in declared.json()["detail"]

    def chunks():
        data = huge.encode()
        for i in range(0, len(data), 10_000):
            yield data[i : i + 10_000]

    streamed = client.post(
        "/v1/suggest", content=chunks(), headers={**AGENT, "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


def test_rate_limit_is_429_with_retry_after(api_settings):
    build(api_settings)
    with client_for(api_settings, rate_limit_per_second=0.01, rate_limit_burst=2) as limited:
        codes = [
            limited.post("/v1/suggest", json=BODY, headers=AGENT).status_code for _ in range(3)
        ]
        assert codes == [200, 200, 429]
        refused = limited.post("/v1/suggest", json=BODY, headers=AGENT)
        assert int(refused.headers["retry-after"]) >= 1
        assert "rate limit" in refused.json()["detail"]
        # buckets are per key: another key still gets through
        assert limited.post("/v1/suggest", json=BODY, headers=ADMIN).status_code == 200


def test_cors_allows_only_the_configured_origins(api_settings):
    build(api_settings)
    preflight = {
        "Origin": "https://helpdesk.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with client_for(api_settings) as closed:
        response = closed.options("/v1/suggest", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
    with client_for(api_settings, cors_origins=["https://helpdesk.example"]) as open_:
        response = open_.options("/v1/suggest", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "https://helpdesk.example"


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"[]",
        b"null",
        b'"text"',
        b"{}",
        b'{"conversation_id": "c", "message": 42}',
        b'{"conversation_id": "c", "message": "hi", "extra": 1}',
        b'{"conversation_id": "c", "message": "hi", "history": [{"role": "bot", "text": "x"}]}',
        b'{"conversation_id": "c", "message": "hi", "customer": {"name": {"nested": 1}}}',
        b'{"conversation_id": "", "message": "hi"}',
        b'{"conversation_id": "c", "message": "   "}',
        b'{"conversation_id": "c", "message": "\\u200f\\u200c"}',
        b'{"conversation_id": "c", "message": "hi", "lang": "de"}',
        b'\xff\xfe{"broken": "utf8"}',
    ],
)
def test_malformed_bodies_get_4xx_json_never_500(client, raw):
    response = client.post(
        "/v1/suggest", content=raw, headers={**AGENT, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "message",
    [
        "\u202bسفارشم دیر شده\u202c",  # RTL embedding marks
        "my order is late 😡📦🚚",
        "order\u0000 late",  # NUL
        "\u200fسلام\u200e order late",
        "𝕞𝕪 𝕠𝕣𝕕𝕖𝕣 𝕚𝕤 𝕝𝕒𝕥𝕖",
    ],
)
def test_unicode_edge_cases(client, message):
    response = client.post("/v1/suggest", json={**BODY, "message": message}, headers=AGENT)
    assert response.status_code == 200, response.text


def test_lone_surrogates_in_json_are_replaced_not_a_crash(client):
    raw = (
        b'{"conversation_id": "c\\udfff", "message": "my order is late \\ud800",'
        b' "customer": {"name": "Sa\\udc00ra"}}'
    )
    response = client.post(
        "/v1/suggest", content=raw, headers={**AGENT, "Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert "Sa\ufffdra" in response.json()["suggestions"][0]["text"]


def test_not_ready_until_an_index_is_published_then_reload(api_settings):
    with client_for(api_settings) as fresh:
        assert fresh.get("/healthz").json() == {"status": "ok"}
        ready = fresh.get("/readyz")
        assert ready.status_code == 503 and "assist reindex" in ready.json()["detail"]
        waiting = fresh.post("/v1/suggest", json=BODY, headers=AGENT)
        assert waiting.status_code == 503 and "assist reindex" in waiting.json()["detail"]
        version = build(api_settings)
        done = fresh.post("/v1/admin/reload", headers=ADMIN).json()
        assert done == {"previous": None, "current": version, "changed": True}
        assert fresh.get("/readyz").json()["index_version"] == version
        assert fresh.post("/v1/suggest", json=BODY, headers=AGENT).status_code == 200


def test_reload_swaps_to_a_new_version(client, api_settings):
    before = client.post("/v1/suggest", json=BODY, headers=AGENT).json()["index_version"]
    after_version = build(api_settings, BUNDLED_PLAYBOOKS)
    done = client.post("/v1/admin/reload", headers=ADMIN).json()
    assert done == {"previous": before, "current": after_version, "changed": True}
    answer = client.post(
        "/v1/suggest", json={**BODY, "message": "I want to speak to a manager"}, headers=AGENT
    ).json()
    assert answer["index_version"] == after_version
    assert answer["suggestions"][0]["entry_id"] == "wants-manager"


def test_broken_or_mismatched_index_is_refused_and_the_old_keeps_serving(client, api_settings):
    serving = client.get("/readyz").json()["index_version"]
    build(api_settings, embedder=HashEmbedder(dim=128))
    refused = client.post("/v1/admin/reload", headers=ADMIN)
    assert refused.status_code == 409 and "built with hash" in refused.json()["detail"]
    broken = build(api_settings)
    (api_settings.index_dir / broken / "units.jsonl").write_text("tampered\n")
    refused = client.post("/v1/admin/reload", headers=ADMIN)
    assert refused.status_code == 409 and "checksum" in refused.json()["detail"]
    assert client.get("/readyz").json()["index_version"] == serving
    assert client.post("/v1/suggest", json=BODY, headers=AGENT).status_code == 200


def test_watcher_picks_up_a_published_version(api_settings):
    import time

    build(api_settings)
    with client_for(api_settings, reload_poll_seconds=0.05) as watched:
        new = build(api_settings, BUNDLED_PLAYBOOKS)
        deadline = time.monotonic() + 10
        while watched.get("/readyz").json()["index_version"] != new:
            assert time.monotonic() < deadline, "the watcher never reloaded"
            time.sleep(0.05)


def test_reload_under_load_fails_no_request(client, api_settings):
    errors: list[int] = []
    versions: set[str] = set()
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            response = client.post("/v1/suggest", json=BODY, headers=AGENT)
            if response.status_code != 200:
                errors.append(response.status_code)
            else:
                versions.add(response.json()["index_version"])

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    for _ in range(5):
        build(api_settings)
        assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200
    stop.set()
    for worker in workers:
        worker.join()
    assert errors == []
    assert len(versions) > 1


def test_metrics_report_latency_suggestions_no_match_and_index(client):
    client.post("/v1/suggest", json=BODY, headers=AGENT)
    client.post("/v1/suggest", json={**BODY, "message": "xylophone quantum banana"}, headers=AGENT)
    client.get("/v1/nope")
    text = client.get("/metrics").text
    assert (
        'assist_http_request_duration_seconds_count{method="POST",route="/v1/suggest",'
        'status="200"} 2.0' in text
    )
    assert 'route="unmatched"' in text
    assert 'assist_suggest_requests_total{result="no_match"} 1.0' in text
    assert 'assist_suggest_requests_total{result="match"} 1.0' in text
    assert "assist_index_info{version=" in text
