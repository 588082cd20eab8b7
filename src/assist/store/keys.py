"""API keys in the database: only each key's sha256 is stored; the key itself is shown
once, by `add`. A revoked key keeps its row (and its name, which feedback and snippets
carry), so a name is never reused. Framework-free: `InvalidKey` 422, `KeyExists` 409,
`KeyNotFound` 404.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ..settings import ApiKey, hash_key, new_key
from .db import integrity_error
from .errors import Conflict, Invalid, NotFound
from .tables import MAX_KEY_NAME, MAX_TEAM, ROLES, api_keys_table

if TYPE_CHECKING:
    from .db import Database


class InvalidKey(Invalid):
    status_code = 422


class KeyExists(Conflict):
    status_code = 409


class KeyNotFound(NotFound):
    status_code = 404


@dataclass(frozen=True)
class StoredKey:
    name: str
    role: str
    team: str
    sha256: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_api_key(self) -> ApiKey:
        return ApiKey.model_validate(
            {"name": self.name, "role": self.role, "team": self.team, "sha256": self.sha256}
        )


class Keys:
    """The `api_keys` table, on the Store's engine."""

    def __init__(self, database: Database):
        self.database = database

    def add(self, name: str, role: str = "agent", team: str = "default") -> str:
        """Store a new key's hash; returns the key, which is not kept anywhere."""
        name, team = name.strip(), team.strip()
        if not 1 <= len(name) <= MAX_KEY_NAME:
            raise InvalidKey(f"key name must be 1 to {MAX_KEY_NAME} characters")
        if not 1 <= len(team) <= MAX_TEAM:
            raise InvalidKey(f"team must be 1 to {MAX_TEAM} characters")
        if role not in ROLES:
            raise InvalidKey(f"role {role[:40]!r} is not one of: {', '.join(ROLES)}")
        key = new_key()
        row = {
            "name": name,
            "role": role,
            "team": team,
            "sha256": hash_key(key),
            "created_at": datetime.now(UTC),
        }
        try:
            with self.database.transaction() as connection:
                connection.execute(insert(api_keys_table).values(**row))
        except IntegrityError as exc:
            if self._get(name) is not None:
                raise KeyExists(
                    f"a key named {name!r} exists already (names of revoked keys are kept "
                    "too): choose another name"
                ) from exc
            raise integrity_error(exc, "key") from exc
        return key

    def list(self) -> builtins.list[StoredKey]:
        """Every key, revoked ones included, oldest first."""
        with self.database.connect() as connection:
            rows = connection.execute(select(api_keys_table).order_by(api_keys_table.c.id))
            return [_key(row) for row in rows.mappings()]

    def all_active(self) -> builtins.list[ApiKey]:
        """The keys that open the API, as the KeyRing takes them."""
        query = (
            select(api_keys_table)
            .where(api_keys_table.c.revoked_at.is_(None))
            .order_by(api_keys_table.c.id)
        )
        with self.database.connect() as connection:
            return [_key(row).to_api_key() for row in connection.execute(query).mappings()]

    def revoke(self, name: str) -> StoredKey:
        """Revoke a key from now on (a second revoke keeps the first time)."""
        with self.database.transaction() as connection:
            connection.execute(
                update(api_keys_table)
                .where(api_keys_table.c.name == name, api_keys_table.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        found = self._get(name)
        if found is None:
            raise KeyNotFound(f"no key named {name[:100]!r}")
        return found

    def _get(self, name: str) -> StoredKey | None:
        query = select(api_keys_table).where(api_keys_table.c.name == name)
        with self.database.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _key(row)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # SQLite keeps no zone (we always write UTC); PostgreSQL answers in its own.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _key(row: Any) -> StoredKey:
    return StoredKey(
        name=row["name"],
        role=row["role"],
        team=row["team"],
        sha256=row["sha256"],
        created_at=_utc(row["created_at"]),  # type: ignore[arg-type]
        revoked_at=_utc(row["revoked_at"]),
    )
