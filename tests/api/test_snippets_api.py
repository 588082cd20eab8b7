"""Snippets through the HTTP API: share, review, served at once, scoped, credited,
and the library searched by typing."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from assist.api import create_app
from assist.api.auth import hash_key
from assist.settings import ApiKey
from conftest import build
from served import shown_via_api

KEYS = {
    "sara": ("agent", "support"),
    "reza": ("agent", "support"),
    "lena": ("lead", "support"),
    "mina": ("agent", "sales"),
    "omid": ("lead", "sales"),
}
GIFT = "can you gift wrap my order please"


def headers(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer ak_{name}-key"}


@pytest.fixture
def client(api_settings):
    keys = [
        ApiKey(name=name, role=role, team=team, sha256=hash_key(f"ak_{name}-key"))
        for name, (role, team) in KEYS.items()
    ]
    settings = api_settings.model_copy(update={"api_keys": keys, "store_poll_seconds": 0.0})
    build(settings)
    with TestClient(create_app(settings)) as test_client:
        deadline = time.monotonic() + 10
        while not test_client.app.state.store.ready and time.monotonic() < deadline:
            time.sleep(0.05)
        yield test_client


def share(client, who="sara", **body):
    payload = {
        "text": "Sara, we can gift-wrap order A-1042 for you: [[say which paper]]",
        "message": GIFT,
        "customer": {"name": "Sara", "order_id": "A-1042"},
        **body,
    }
    return client.post("/v1/snippets", json=payload, headers=headers(who))


def suggested(client, who, message=GIFT):
    response = client.post(
        "/v1/suggest",
        json={"conversation_id": "c-1", "message": message, "k": 5},
        headers=headers(who),
    )
    assert response.status_code == 200, response.text
    return [(s["entry_id"], s["source"], s["author"]) for s in response.json()["suggestions"]]


def test_a_shared_reply_turns_the_customers_data_into_slots(client):
    response = share(client)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "proposed" and body["author"] == "sara" and body["team"] == "support"
    (text,) = body["replies"]["en"]
    assert "{{customer_name}}" in text and "{{order_id}}" in text and "A-1042" not in text
    assert body["triggers"] == [GIFT]
    assert {r["slot"] for r in body["replaced"]} >= {"customer_name", "order_id"}


def test_personal_data_is_refused_with_what_was_found(client):
    response = share(client, text="Call me back on 0912 345 6789 or mail sara@example.com")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "phone" in detail and "email" in detail and "0912 345 6789" not in detail


def test_a_team_snippet_is_suggested_only_after_a_lead_approves_it(client):
    number = share(client).json()["id"]
    assert all(e != f"snippet-{number}" for e, _, _ in suggested(client, "reza"))
    queue = client.get("/v1/snippets?status=proposed", headers=headers("lena")).json()
    assert [s["id"] for s in queue["snippets"]] == [number]
    approved = client.post(f"/v1/snippets/{number}/approve", json={}, headers=headers("lena"))
    assert approved.status_code == 200 and approved.json()["reviewer"] == "lena"
    assert (f"snippet-{number}", "snippet", "sara") in suggested(client, "reza")
    # another team never sees it
    assert all(e != f"snippet-{number}" for e, _, _ in suggested(client, "mina"))


def test_review_rules(client):
    number = share(client).json()["id"]
    path = f"/v1/snippets/{number}"
    assert client.post(f"{path}/approve", json={}, headers=headers("reza")).status_code == 403
    assert client.post(f"{path}/approve", json={}, headers=headers("omid")).status_code == 404
    assert client.get(path, headers=headers("mina")).status_code == 404
    no_note = client.post(f"{path}/reject", json={}, headers=headers("lena"))
    assert no_note.status_code == 422 and "note" in no_note.json()["detail"]
    rejected = client.post(
        f"{path}/reject", json={"note": "too close to order-late"}, headers=headers("lena")
    )
    assert rejected.json()["status"] == "rejected"
    # the author sees the note
    mine = client.get("/v1/snippets", headers=headers("sara")).json()["snippets"]
    assert mine[0]["review_note"] == "too close to order-late"
    again = client.post(f"{path}/approve", json={}, headers=headers("lena"))
    assert again.status_code == 409


def test_a_lead_cannot_approve_their_own(client):
    number = share(client, who="lena").json()["id"]
    response = client.post(f"/v1/snippets/{number}/approve", json={}, headers=headers("lena"))
    assert response.status_code == 403


def test_a_private_snippet_needs_no_review_and_is_its_authors_alone(client):
    body = share(client, visibility="private").json()
    assert body["status"] == "approved"
    assert (f"snippet-{body['id']}", "snippet", "sara") in suggested(client, "sara")
    assert all(e != f"snippet-{body['id']}" for e, _, _ in suggested(client, "reza"))


def test_retired_snippets_stop_being_suggested(client):
    number = share(client).json()["id"]
    client.post(f"/v1/snippets/{number}/approve", json={}, headers=headers("lena"))
    assert client.post(f"/v1/snippets/{number}/retire", headers=headers("sara")).status_code == 403
    assert client.post(f"/v1/snippets/{number}/retire", headers=headers("lena")).status_code == 200
    assert all(e != f"snippet-{number}" for e, _, _ in suggested(client, "reza"))


def test_authors_are_credited_from_the_feedback_log(client):
    number = share(client).json()["id"]
    client.post(f"/v1/snippets/{number}/approve", json={}, headers=headers("lena"))
    shown_via_api(client, headers("reza"), "c-9", f"snippet-{number}/shared/en/0", GIFT)
    for action in ("inserted", "sent"):
        event = {
            "suggestion_id": f"snippet-{number}/shared/en/0",
            "conversation_id": "c-9",
            "action": action,
        }
        assert client.post("/v1/feedback", json=event, headers=headers("reza")).status_code == 201
    rows = client.get("/v1/snippets/authors", headers=headers("lena")).json()["authors"]
    (sara,) = [r for r in rows if r["author"] == "sara"]
    assert (sara["approved"], sara["shown"], sara["inserted"], sara["sent"]) == (1, 1, 1, 1)
    own = client.get("/v1/snippets/authors", headers=headers("reza")).json()["authors"]
    assert all(r["author"] == "reza" for r in own)


def test_the_library_is_searched_by_words_and_meaning_with_snippets_in_scope(client):
    number = share(client, visibility="private").json()["id"]
    found = client.get("/v1/library", params={"q": "gift wrap"}, headers=headers("sara")).json()
    assert found["results"][0]["entry_id"] == f"snippet-{number}"
    others = client.get("/v1/library", params={"q": "gift wrap"}, headers=headers("reza")).json()
    assert all(r["entry_id"] != f"snippet-{number}" for r in others["results"])
    track = client.get("/v1/library", params={"q": "track"}, headers=headers("reza")).json()
    assert any(r["entry_id"] == "order-late" for r in track["results"])


def test_near_duplicates_are_listed_for_the_reviewer(client, api_settings):
    body = share(
        client, message="my order is late", text="Sorry, your order is late: [[check]]"
    ).json()
    response = client.get(f"/v1/snippets/{body['id']}/similar", headers=headers("lena"))
    assert response.status_code == 200
    assert any(d["entry_id"] == "order-late" for d in response.json()["duplicates"])


def test_me_tells_a_key_its_name_role_and_team(client):
    assert client.get("/v1/me", headers=headers("lena")).json() == {
        "name": "lena",
        "role": "lead",
        "team": "support",
    }
    assert client.get("/v1/me").status_code == 401


def test_a_check_never_names_a_private_snippet_of_someone_else(client):
    body = share(client, visibility="private").json()
    text = (
        body["replies"]["en"][0].replace("{{customer_name}}", "Sara").replace("{{order_id}}", "A-7")
    )
    draft = {"draft": text, "conversation_id": "c-2", "message": GIFT}
    own = client.post("/v1/check", json=draft, headers=headers("sara")).json()
    assert own["wording_id"] and own["wording_id"].startswith(f"snippet-{body['id']}/")
    other = client.post("/v1/check", json=draft, headers=headers("reza")).json()
    assert not (other["wording_id"] or "").startswith("snippet-")
    assert not (other["entry_id"] or "").startswith("snippet-")
