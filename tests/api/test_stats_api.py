"""GET /v1/stats and /v1/stats/gaps: lead keys only, scoped to the key's team (an admin
may name any), bad periods refused with a reason, figures as the store counts them."""

from __future__ import annotations

import time

import pytest
import yaml
from fastapi.testclient import TestClient

from assist.api import create_app
from assist.api.auth import hash_key
from assist.settings import ApiKey
from conftest import build
from stats_seed import FIRST, LAST, seed

KEYS = {
    "sara": ("agent", "support"),
    "lena": ("lead", "support"),
    "omid": ("lead", "sales"),
    "root": ("admin", "ops"),
}
PERIOD = {"from": FIRST, "to": LAST}


def headers(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer ak_{name}-key"}


@pytest.fixture
def client(api_settings):
    keys = [
        ApiKey(name=name, role=role, team=team, sha256=hash_key(f"ak_{name}-key"))
        for name, (role, team) in KEYS.items()
    ]
    settings = api_settings.model_copy(
        # the seeded history is from 2025: kept messages must outlive the retention purge
        update={"api_keys": keys, "store_poll_seconds": 0.0, "unmatched_retention_days": 3650}
    )
    build(settings)
    with TestClient(create_app(settings)) as test_client:
        store = test_client.app.state.store
        deadline = time.monotonic() + 10
        while not store.ready and time.monotonic() < deadline:
            time.sleep(0.05)
        test_client.snippet_ids = seed(store)
        yield test_client


def get(client, who, path="/v1/stats", **params):
    return client.get(path, params={**PERIOD, **params}, headers=headers(who))


def test_a_lead_reads_the_teams_statistics(client):
    response = get(client, "lena")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["team"]) == (FIRST, LAST, "support")
    assert body["answers"]["served"] == 5 and body["answers"]["match_rate"] == 0.6
    own = next(r for r in body["replies"] if r["key"] == "order-late/own-it")
    assert (own["shown"], own["accepted"], own["acceptance"]) == (3, 2, 0.6667)
    assert own["title"] == {"en": "Order is late", "fa": "سفارش دیر شده"}
    assert body["checks"]["recital_rate"] == 0.5 and len(body["checks"]["trend"]) == 3
    assert [a["author"] for a in body["authors"]] == ["sara"]
    assert body["followups"]["open"] == 2
    # three kept messages about one old-shop gift card: one gap with the hashing model
    assert body["gaps"] == {"kept": 3, "clusters": 1}


def test_an_agent_may_not_and_a_lead_sees_only_their_team(client):
    denied = get(client, "sara")
    assert denied.status_code == 403 and "lead" in denied.json()["detail"]
    assert get(client, "sara", "/v1/stats/gaps").status_code == 403
    other = get(client, "lena", team="sales")
    assert other.status_code == 403 and "own team" in other.json()["detail"]
    sales = get(client, "omid").json()
    assert sales["team"] == "sales" and sales["answers"]["served"] == 1
    assert sales["answers"]["no_match_rate"] == 1.0 and sales["gaps"]["kept"] == 1
    assert client.get("/v1/stats").status_code == 401


def test_an_admin_names_any_team_and_defaults_to_their_own(client):
    assert get(client, "root", team="support").json()["answers"]["served"] == 5
    own = get(client, "root").json()
    assert own["team"] == "ops" and own["answers"]["served"] == 0
    assert own["answers"]["match_rate"] is None and own["gaps"] == {"kept": 0, "clusters": 0}


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"from": "2025-02-30"}, 422, "from '2025-02-30': a date as YYYY-MM-DD"),
        ({"from": "2025-03-05", "to": "2025-03-01"}, 422, "is after to"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, 422, "at most 366"),
        ({"to": "x" * 21}, 422, "at most 20 characters"),
        ({"team": ""}, 422, "at least 1 character"),
    ],
)
def test_bad_periods_are_4xx_with_a_reason(client, params, status, says):
    for path in ("/v1/stats", "/v1/stats/gaps"):
        response = client.get(path, params=params, headers=headers("lena"))
        assert response.status_code == status, response.text
        assert says in str(response.json()["detail"])


def test_gaps_show_examples_and_a_skeleton(client):
    response = get(client, "lena", "/v1/stats/gaps")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["kept"], body["messages"], body["unclustered"], body["threshold"]) == (
        3,
        3,
        0,
        0.45,
    )
    (gap,) = body["clusters"]
    assert gap["lang"] == "en" and gap["size"] == 3 and gap["best_entry_id"] == "order-late"
    assert all("gift card" in e for e in gap["examples"])
    (entry,) = yaml.safe_load(gap["skeleton"])
    assert entry["id"] == gap["id"] and len(entry["examples"]["en"]) == 3
    # limit: the newest two only are too few for a gap; a threshold of 1 splits them
    fewer = get(client, "lena", "/v1/stats/gaps", limit=2).json()
    assert fewer["messages"] == 2 and fewer["clusters"] == [] and fewer["unclustered"] == 2
    apart = get(client, "lena", "/v1/stats/gaps", threshold=1.0).json()
    assert apart["clusters"] == [] and apart["threshold"] == 1.0
    assert get(client, "lena", "/v1/stats/gaps", limit=0).status_code == 422


def test_the_same_messages_are_clustered_once(client, monkeypatch):
    import assist.api.stats as routes

    calls = []
    real = routes.find_gaps
    monkeypatch.setattr(routes, "find_gaps", lambda *a: calls.append(1) or real(*a))
    for _ in range(3):
        assert get(client, "lena", "/v1/stats/gaps").status_code == 200
    assert get(client, "lena").json()["gaps"]["clusters"] == 1
    assert len(calls) == 1


def test_a_new_kept_message_is_the_only_one_embedded_again(client):
    """One more unmatched message changes the set to cluster: the others' vectors are
    remembered, so only the new one goes through the model."""
    from sqlalchemy import insert

    from assist.store.tables import unmatched_table
    from stats_seed import at, kept_row

    first = get(client, "lena", "/v1/stats/gaps").json()
    memory = client.app.state.gap_memory
    embedded = memory.vectors.computed
    assert embedded == 3  # the support team's three kept messages in the period
    new = kept_row("a10", at(3, 11), "gift card bought at the old shop, still valid?")
    with client.app.state.store.transaction() as connection:
        connection.execute(insert(unmatched_table), [new])
    second = get(client, "lena", "/v1/stats/gaps").json()
    assert memory.vectors.computed == embedded + 1
    assert second["kept"] == first["kept"] + 1
    assert second["messages"] == first["messages"] + 1  # all of them clustered again
