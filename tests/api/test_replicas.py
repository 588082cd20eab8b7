"""Two server processes' worth of state on one PostgreSQL database: a snippet approved
through one is suggested by the other within its poll, and a key created in the
database works on both without a restart."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from assist.api import create_app
from assist.api.auth import hash_key
from assist.settings import ApiKey
from conftest import _pg_base_url, _pg_reachable, build

GIFT = "can you gift wrap my order please"
POLL = 0.2


@pytest.fixture
def pg_url():
    if not _pg_reachable():
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    base = _pg_base_url()
    schema = f"assist_replicas_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _ready(client: TestClient) -> TestClient:
    deadline = time.monotonic() + 15
    while not client.app.state.store.ready:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the store did not open"
        time.sleep(0.05)
    return client


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_an_approval_reaches_the_other_replica_within_its_poll(api_settings, pg_url):
    keys = [
        ApiKey(name=n, role=r, team="support", sha256=hash_key(f"ak_{n}"))
        for n, r in (("sara", "agent"), ("reza", "agent"), ("lena", "lead"))
    ]
    settings = api_settings.model_copy(
        update={
            "api_keys": keys,
            "database_url": pg_url,
            "store_poll_seconds": POLL,
            "auth_failure_burst": 1000,  # the key-wait loop below is not a guesser
        }
    )
    build(settings)
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        _ready(one), _ready(two)
        shared = one.post(
            "/v1/snippets",
            json={"text": "We can gift-wrap it: [[which paper]]", "message": GIFT},
            headers=_auth("ak_sara"),
        )
        assert shared.status_code == 201, shared.text
        number = shared.json()["id"]
        approved = one.post(f"/v1/snippets/{number}/approve", json={}, headers=_auth("ak_lena"))
        assert approved.status_code == 200
        started = time.monotonic()
        while True:
            response = two.post(
                "/v1/suggest",
                json={"conversation_id": "c", "message": GIFT, "k": 5},
                headers=_auth("ak_reza"),
            )
            ids = [s["entry_id"] for s in response.json()["suggestions"]]
            if f"snippet-{number}" in ids:
                break
            assert time.monotonic() - started < 10 * POLL + 2, "never reached replica two"
            time.sleep(0.02)
        # a key created in the database works on both, no restart
        key = two.app.state.store.keys.add("nika", "agent", "support")  # type: ignore[attr-defined]
        deadline = time.monotonic() + 10 * POLL + 2
        for client in (one, two):
            while (status := client.get("/v1/snippets", headers=_auth(key)).status_code) != 200:
                assert status == 401 and time.monotonic() < deadline, status
                time.sleep(0.05)
