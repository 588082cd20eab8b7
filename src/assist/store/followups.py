"""Follow-ups: what an agent promised to come back about (a detected promise, an entry's
`follow_up`, or by hand), owned by the agent's key and scoped by its team.

States: open → done | cancelled, each one conditional UPDATE (two closers racing can't
both win). Each follow-up gets its outbox row (`followup_deliveries`) in the same
transaction; the delivery side (claim, lease, retry) is `followup_outbox.py`. Personal
data in `reason` and `customer_ref` is masked (`core.pii`) before it is written.
Framework-free: `InvalidFollowup` 422, `FollowupNotFound` 404, `FollowupConflict` 409,
`StoreUnavailable` 503.
"""

from __future__ import annotations

import builtins
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..core.pii import mask
from ..core.schemas import KEBAB, clean_text
from . import followup_outbox as outbox
from .db import integrity_error
from .errors import Conflict, Invalid, NotFound
from .followup_outbox import Claim, Delivery, Followup, utc
from .tables import (
    FOLLOWUP_CHANNELS,
    FOLLOWUP_SOURCES,
    FOLLOWUP_STATUSES,
    MAX_CONVERSATION_ID,
    MAX_KEY_NAME,
    MAX_TEAM,
    followup_deliveries_table,
    followups_table,
)

if TYPE_CHECKING:
    from .db import Database

__all__ = [
    "Claim",
    "Delivery",
    "Followup",
    "FollowupConflict",
    "FollowupNotFound",
    "Followups",
    "InvalidFollowup",
]

MAX_REASON = 1000
MAX_CUSTOMER_REF = 200
MAX_LIST = 1000
MAX_ID = 2**63 - 1  # BIGINT (and SQLite INTEGER)
# A due time a little in the past is clock skew between a browser and the server; one
# further back, or more than a year ahead, is a mistake.
PAST_SLACK = timedelta(minutes=5)
MAX_AHEAD = timedelta(days=366)
_KEBAB = re.compile(KEBAB)
_F, _D = followups_table, followup_deliveries_table


class InvalidFollowup(Invalid):
    status_code = 422

    def __init__(self, problems: builtins.list[str]):
        self.problems = problems
        super().__init__("follow-up refused: " + "; ".join(problems))


class FollowupNotFound(NotFound):
    status_code = 404


class FollowupConflict(Conflict):
    status_code = 409


class Followups:
    """The `followups` table and its outbox, on the Store's engine."""

    def __init__(self, database: Database):
        self.database = database

    # ---------------------------------------------------------------- writes

    def create(
        self,
        conversation_id: str,
        customer_ref: str | None,
        channel: str,
        due_at: datetime,
        reason: str,
        owner: str,
        team: str,
        source: str = "manual",
        entry_id: str | None = None,
        *,
        now: datetime | None = None,
    ) -> Followup:
        """A new open follow-up, due at `due_at` (time-zone aware), and its outbox row
        (deliverable from `due_at`), in one transaction."""
        now = utc(now or datetime.now(UTC))
        row = _validated(
            conversation_id,
            customer_ref,
            channel,
            due_at,
            reason,
            owner,
            team,
            source,
            entry_id,
            now,
        )
        try:
            with self.database.transaction() as connection:
                result = connection.execute(insert(_F).values(**row, status="open", created_at=now))
                key = result.inserted_primary_key
                assert key is not None
                number = int(key[0])
                connection.execute(
                    insert(_D).values(followup_id=number, next_attempt_at=row["due_at"], attempts=0)
                )
                return _read(connection, number)
        except IntegrityError as exc:
            raise integrity_error(exc, "follow-up") from exc

    def done(self, id: int, by: str, *, now: datetime | None = None) -> Followup:
        """Mark an open follow-up done; 409 if it is not open any more."""
        return self._close(id, by, "done", now)

    def cancel(self, id: int, by: str, *, now: datetime | None = None) -> Followup:
        return self._close(id, by, "cancelled", now)

    def _close(self, id: int, by: str, status: str, now: datetime | None) -> Followup:
        _known_range(id)
        by = by.strip() if isinstance(by, str) else ""
        if not 1 <= len(by) <= MAX_KEY_NAME:
            raise InvalidFollowup([f"by: 1 to {MAX_KEY_NAME} characters"])
        now = utc(now or datetime.now(UTC))
        closing = (
            update(_F)
            .where(_F.c.id == id, _F.c.status == "open")
            .values(status=status, closed_by=by, closed_at=now)
        )
        with self.database.transaction() as connection:
            changed = connection.execute(closing).rowcount
            if changed:  # nothing left to deliver
                connection.execute(
                    update(_D)
                    .where(_D.c.followup_id == id, _D.c.delivered_at.is_(None))
                    .values(next_attempt_at=None)
                )
            found = _read(connection, id)
        if not changed:
            raise FollowupConflict(
                f"follow-up {id} is {found.status}: only an open follow-up can be "
                f"{'marked done' if status == 'done' else 'cancelled'}"
            )
        return found

    # ---------------------------------------------------------------- reads

    def get(self, id: int) -> Followup:
        _known_range(id)
        with self.database.connect() as connection:
            return _read(connection, id)

    def list(
        self,
        status: str | None = None,
        owner: str | None = None,
        team: str | None = None,
        due_before: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Followup]:
        """Soonest due first; `due_before` keeps those due strictly before it."""
        if status is not None and status not in FOLLOWUP_STATUSES:
            raise InvalidFollowup(
                [f"status {status[:20]!r}: one of {', '.join(FOLLOWUP_STATUSES)}"]
            )
        if not 1 <= limit <= MAX_LIST or offset < 0:
            raise InvalidFollowup([f"limit: 1 to {MAX_LIST}, offset: 0 or more"])
        if offset > MAX_ID:  # past every row (and past what the driver can send)
            return []
        query = outbox.joined().order_by(_F.c.due_at, _F.c.id).limit(limit).offset(offset)
        for column, value in (("status", status), ("owner", owner), ("team", team)):
            if value is not None:
                query = query.where(_F.c[column] == value)
        if due_before is not None:
            query = query.where(_F.c.due_at < _aware(due_before, "due_before"))
        with self.database.connect() as connection:
            return [outbox.followup(row) for row in connection.execute(query).mappings()]

    def counts(self, now: datetime | None = None, team: str | None = None) -> dict[str, int]:
        """Open follow-ups, and how many of them are overdue (due at or before `now`)."""
        now = utc(now or datetime.now(UTC))
        overdue = func.coalesce(func.sum(case((_F.c.due_at <= now, 1), else_=0)), 0)
        query = select(func.count(), overdue).where(_F.c.status == "open")
        if team is not None:
            query = query.where(_F.c.team == team)
        with self.database.connect() as connection:
            opened, late = connection.execute(query).one()
        return {"open": int(opened), "overdue": int(late)}

    # ---------------------------------------------------------------- the outbox

    def claim_due(
        self,
        now: datetime | None = None,
        limit: int = 20,
        lease_seconds: float = 60.0,
        *,
        sender: str | None = None,
    ) -> builtins.list[Claim]:
        """Claim up to `limit` open follow-ups whose delivery is due, each for
        `lease_seconds`: no other sender gets one until its lease ends (so a sender
        killed mid-delivery loses its claims to the next one). See followup_outbox."""
        return outbox.claim_due(self.database, now, limit, lease_seconds, sender)

    def mark_delivered(self, claim: Claim, now: datetime | None = None) -> bool:
        """Record the delivery; False if it was recorded already."""
        return outbox.mark_delivered(self.database, claim, now)

    def mark_failed(
        self,
        claim: Claim,
        error: str,
        now: datetime | None = None,
        *,
        retry_seconds: float = 30.0,
        max_attempts: int = 8,
    ) -> bool:
        """Schedule a retry after an exponential backoff (retry_seconds × 2^(attempt-1),
        at most an hour), or give up after `max_attempts`; False if the claim's lease
        ended and another sender holds it now (nothing changed)."""
        return outbox.mark_failed(
            self.database, claim, error, now, retry_seconds=retry_seconds, max_attempts=max_attempts
        )


def _validated(
    conversation_id: Any,
    customer_ref: Any,
    channel: Any,
    due_at: Any,
    reason: Any,
    owner: Any,
    team: Any,
    source: Any,
    entry_id: Any,
    now: datetime,
) -> dict[str, Any]:
    """The row to insert, or InvalidFollowup naming every problem."""
    problems: list[str] = []
    row: dict[str, Any] = {
        "conversation_id": _text(conversation_id, "conversation_id", MAX_CONVERSATION_ID, problems),
        "customer_ref": None,
        "reason": _text(reason, "reason", MAX_REASON, problems),
        "owner": _text(owner, "owner", MAX_KEY_NAME, problems),
        "team": _text(team, "team", MAX_TEAM, problems),
        "channel": channel,
        "source": source,
        "entry_id": None,
        "due_at": None,
    }
    if customer_ref is not None and str(customer_ref).strip():
        row["customer_ref"] = _text(customer_ref, "customer_ref", MAX_CUSTOMER_REF, problems)
    if channel not in FOLLOWUP_CHANNELS:
        problems.append(f"channel {str(channel)[:20]!r}: one of {', '.join(FOLLOWUP_CHANNELS)}")
    if source not in FOLLOWUP_SOURCES:
        problems.append(f"source {str(source)[:20]!r}: one of {', '.join(FOLLOWUP_SOURCES)}")
    if entry_id is not None and entry_id != "":
        if isinstance(entry_id, str) and len(entry_id) <= 100 and _KEBAB.match(entry_id):
            row["entry_id"] = entry_id
        else:
            problems.append(
                f"entry_id {str(entry_id)[:40]!r}: a playbook entry id, kebab-case, at most 100"
            )
    if not isinstance(due_at, datetime) or due_at.tzinfo is None:
        problems.append("due_at: a time with its time zone, e.g. 2025-03-01T09:00:00+03:30")
    else:
        row["due_at"] = utc(due_at)
        if row["due_at"] < now - PAST_SLACK:
            problems.append(f"due_at {row['due_at'].isoformat()} is in the past")
        elif row["due_at"] > now + MAX_AHEAD:
            problems.append(f"due_at: at most {MAX_AHEAD.days} days ahead")
    if problems:
        raise InvalidFollowup(problems)
    # Cards, phones, emails, IBANs, national ids: never at rest (as in feedback).
    row["reason"] = mask(row["reason"])
    if row["customer_ref"] is not None:
        row["customer_ref"] = mask(row["customer_ref"])
    return row


def _text(value: Any, where: str, limit: int, problems: list[str]) -> str:
    if not isinstance(value, str):
        problems.append(f"{where}: text expected")
        return ""
    text = clean_text(value).strip()
    if not 1 <= len(text) <= limit:
        problems.append(f"{where}: 1 to {limit} characters (got {len(text)})")
    return text


def _aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidFollowup([f"{what}: a time with its time zone"])
    return utc(value)


def _known_range(id: int) -> None:
    """An id no column can hold (from a URL) is simply not there, not a driver error."""
    if not 1 <= id <= MAX_ID:
        raise FollowupNotFound(f"no follow-up {id}")


def _read(connection: Connection, id: int) -> Followup:
    row = connection.execute(outbox.joined().where(_F.c.id == id)).mappings().first()
    if row is None:
        raise FollowupNotFound(f"no follow-up {id}")
    return outbox.followup(row)
