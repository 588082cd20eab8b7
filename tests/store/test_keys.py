"""store/keys.py: API keys in the database, sha256 only; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assist.api.auth import hash_key as hash_key_from_api
from assist.settings import KEY_PREFIX, ApiKey, hash_key
from assist.store.keys import InvalidKey, KeyExists, KeyNotFound
from assist.store.tables import api_keys_table


def test_a_new_key_is_shown_once_and_only_its_hash_is_stored(db):
    key = db.keys.add("sara", "lead", "night")
    assert key.startswith(KEY_PREFIX) and len(key) > 40
    (stored,) = db.keys.list()
    assert (stored.name, stored.role, stored.team, stored.active) == ("sara", "lead", "night", True)
    assert stored.sha256 == hash_key(key) == hash_key_from_api(key)
    assert stored.created_at.tzinfo is not None
    with db.engine.connect() as connection:
        row = connection.execute(select(api_keys_table)).mappings().one()
    assert key not in {str(value) for value in row.values()}
    assert db.keys.all_active() == [
        ApiKey(name="sara", role="lead", team="night", sha256=hash_key(key))
    ]


def test_keys_default_to_agents_of_the_default_team(db):
    db.keys.add("omid")
    (stored,) = db.keys.all_active()
    assert (stored.role, stored.team) == ("agent", "default")


def test_a_revoked_key_stops_working_and_keeps_its_name(db):
    db.keys.add("sara", "agent")
    db.keys.add("omid", "admin")
    revoked = db.keys.revoke("sara")
    assert not revoked.active and revoked.revoked_at is not None
    assert [k.name for k in db.keys.all_active()] == ["omid"]
    assert [(k.name, k.active) for k in db.keys.list()] == [("sara", False), ("omid", True)]
    assert db.keys.revoke("sara").revoked_at == revoked.revoked_at  # the first time stays
    with pytest.raises(KeyExists, match="'sara' exists already") as caught:
        db.keys.add("sara", "agent")  # feedback and snippets carry the name: never reused
    assert caught.value.status_code == 409


def test_an_unknown_key_cannot_be_revoked(db):
    with pytest.raises(KeyNotFound, match="no key named 'ghost'") as caught:
        db.keys.revoke("ghost")
    assert caught.value.status_code == 404


@pytest.mark.parametrize(
    ("name", "role", "team", "message"),
    [
        ("", "agent", "default", "key name must be 1 to 100"),
        ("x" * 101, "agent", "default", "key name must be 1 to 100"),
        ("sara", "root", "default", "role 'root' is not one of: agent, lead, admin"),
        ("sara", "agent", " ", "team must be 1 to 100"),
    ],
)
def test_invalid_keys_are_refused(db, name, role, team, message):
    with pytest.raises(InvalidKey, match=message) as caught:
        db.keys.add(name, role, team)
    assert caught.value.status_code == 422
    assert db.keys.list() == []
