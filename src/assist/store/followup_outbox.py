"""The follow-up outbox: each open follow-up's delivery row, claimed by one sender at a
time with a lease, retried with exponential backoff.

One column carries the schedule: `next_attempt_at` is the due time, then a claim's lease
end, then a retry's time; NULL once delivered, given up, or closed by the agent. A
claim moves it to `now + lease`, so a sender killed mid-delivery simply lets its lease
run out and the next poll (any replica's) claims the row again. Claiming on PostgreSQL
is `SELECT … FOR UPDATE SKIP LOCKED` then an UPDATE in the same transaction: concurrent
senders take disjoint rows without waiting on each other. On SQLite it is one
`UPDATE … WHERE followup_id IN (SELECT … LIMIT n)`: the statement takes SQLite's write
lock before it reads, so two processes can't claim one row either.

Delivery is at least once (a sender may die after the receiver took the request but
before recording it): the receiver dedupes on the Idempotency-Key, `followup-<id>`,
the same for every attempt. Times come from the caller's clock (the replicas'
clocks should agree within a small part of the lease).
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select, update

from .tables import followup_deliveries_table, followups_table

if TYPE_CHECKING:
    from .db import Database

MAX_BACKOFF_SECONDS = 3600.0
MAX_CLAIM = 1000
MAX_ERROR = 500
_F, _D = followups_table, followup_deliveries_table


def utc(value: datetime) -> datetime:
    # SQLite keeps no zone (we always write UTC); PostgreSQL answers in its own.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _maybe(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class Delivery:
    attempts: int
    next_attempt_at: datetime | None
    claimed_by: str | None
    delivered_at: datetime | None
    gave_up_at: datetime | None
    last_error: str | None

    @property
    def state(self) -> str:
        """pending (waiting for its time, or being retried), delivered, failed (gave
        up after the last attempt) or closed (done or cancelled before delivery)."""
        if self.delivered_at is not None:
            return "delivered"
        if self.gave_up_at is not None:
            return "failed"
        return "closed" if self.next_attempt_at is None else "pending"

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": _iso(self.next_attempt_at),
            "delivered_at": _iso(self.delivered_at),
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class Followup:
    id: int
    conversation_id: str
    customer_ref: str | None
    channel: str  # email | phone | sms | chat
    due_at: datetime
    reason: str
    owner: str  # the key name that created it
    team: str
    source: str  # promise | entry | manual
    entry_id: str | None
    status: str  # open | done | cancelled
    closed_by: str | None
    closed_at: datetime | None
    created_at: datetime
    delivery: Delivery

    def overdue(self, now: datetime | None = None) -> bool:
        return self.status == "open" and self.due_at <= (now or datetime.now(UTC))

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "customer_ref": self.customer_ref,
            "channel": self.channel,
            "due_at": self.due_at.isoformat(),
            "reason": self.reason,
            "owner": self.owner,
            "team": self.team,
            "source": self.source,
            "entry_id": self.entry_id,
            "status": self.status,
            "overdue": self.overdue(now),
            "closed_by": self.closed_by,
            "closed_at": _iso(self.closed_at),
            "created_at": self.created_at.isoformat(),
            "delivery": self.delivery.to_dict(),
        }


@dataclass(frozen=True)
class Claim:
    """One follow-up a sender holds until `lease_until`; `attempt` counts from 1."""

    followup: Followup
    attempt: int
    token: str
    lease_until: datetime

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt, so a receiver can drop a repeated delivery."""
        return f"followup-{self.followup.id}"

    def payload(self) -> dict[str, Any]:
        """The JSON body POSTed to the webhook: identical on every attempt."""
        f = self.followup
        return {
            "event": "followup.due",
            "id": f.id,
            "conversation_id": f.conversation_id,
            "customer_ref": f.customer_ref,
            "channel": f.channel,
            "due_at": f.due_at.isoformat(),
            "reason": f.reason,
            "owner": f.owner,
            "team": f.team,
            "source": f.source,
            "entry_id": f.entry_id,
            "created_at": f.created_at.isoformat(),
        }


def default_sender() -> str:
    """Who holds a claim, as `host:pid` (shown in `claimed_by`, for operators)."""
    return f"{socket.gethostname()[:150]}:{os.getpid()}"


def backoff(attempt: int, retry_seconds: float) -> float:
    """Seconds before the retry after failed attempt number `attempt` (1, 2, ...)."""
    return float(min(MAX_BACKOFF_SECONDS, retry_seconds * 2 ** min(attempt - 1, 30)))


def joined() -> Select[Any]:
    """Follow-ups with their delivery columns."""
    return select(
        _F,
        _D.c.next_attempt_at,
        _D.c.attempts,
        _D.c.claimed_by,
        _D.c.claim_token,
        _D.c.delivered_at,
        _D.c.gave_up_at,
        _D.c.last_error,
    ).select_from(_F.outerjoin(_D, _D.c.followup_id == _F.c.id))


def followup(row: Any) -> Followup:
    return Followup(
        id=int(row["id"]),
        conversation_id=row["conversation_id"],
        customer_ref=row["customer_ref"],
        channel=row["channel"],
        due_at=utc(row["due_at"]),
        reason=row["reason"],
        owner=row["owner"],
        team=row["team"],
        source=row["source"],
        entry_id=row["entry_id"],
        status=row["status"],
        closed_by=row["closed_by"],
        closed_at=_maybe(row["closed_at"]),
        created_at=utc(row["created_at"]),
        delivery=Delivery(
            attempts=int(row["attempts"] or 0),
            next_attempt_at=_maybe(row["next_attempt_at"]),
            claimed_by=row["claimed_by"],
            delivered_at=_maybe(row["delivered_at"]),
            gave_up_at=_maybe(row["gave_up_at"]),
            last_error=row["last_error"],
        ),
    )


def claim_due(
    database: Database,
    now: datetime | None,
    limit: int,
    lease_seconds: float,
    sender: str | None,
) -> list[Claim]:
    if not 1 <= limit <= MAX_CLAIM:
        raise ValueError(f"limit: 1 to {MAX_CLAIM}")
    if not lease_seconds > 0:
        raise ValueError("lease_seconds must be positive")
    now = utc(now or datetime.now(UTC))
    lease_until = now + timedelta(seconds=lease_seconds)
    token = secrets.token_hex(16)
    claimed = {
        "next_attempt_at": lease_until,
        "attempts": _D.c.attempts + 1,
        "claimed_by": (sender or default_sender())[:200],
        "claim_token": token,
        "claimed_at": now,
    }
    with database.transaction() as connection:
        if connection.dialect.name == "postgresql":
            rows = _due(_D, now, limit).with_for_update(of=_D, skip_locked=True)
            ids = list(connection.execute(rows).scalars())
            if not ids:
                return []
            connection.execute(update(_D).where(_D.c.followup_id.in_(ids)).values(**claimed))
        else:
            # An alias, or the subquery would correlate with the table being updated.
            picked = _due(_D.alias("due"), now, limit)
            connection.execute(update(_D).where(_D.c.followup_id.in_(picked)).values(**claimed))
        query = joined().where(_D.c.claim_token == token).order_by(_F.c.due_at, _F.c.id)
        rows_read = connection.execute(query).mappings().all()
    return [Claim(followup(r), int(r["attempts"]), token, lease_until) for r in rows_read]


def _due(deliveries: Any, now: datetime, limit: int) -> Select[Any]:
    """The ids of open follow-ups whose delivery may be attempted at `now`, oldest first."""
    return (
        select(deliveries.c.followup_id)
        .select_from(deliveries.join(_F, _F.c.id == deliveries.c.followup_id))
        .where(deliveries.c.next_attempt_at <= now, _F.c.status == "open")
        .order_by(deliveries.c.next_attempt_at, deliveries.c.followup_id)
        .limit(limit)
    )


def mark_delivered(database: Database, claim: Claim, now: datetime | None) -> bool:
    """Whoever holds the claim now: the receiver has it, so it is delivered."""
    now = utc(now or datetime.now(UTC))
    query = (
        update(_D)
        .where(_D.c.followup_id == claim.followup.id, _D.c.delivered_at.is_(None))
        .values(delivered_at=now, next_attempt_at=None, last_error=None)
    )
    with database.transaction() as connection:
        return bool(connection.execute(query).rowcount)


def mark_failed(
    database: Database,
    claim: Claim,
    error: str,
    now: datetime | None,
    *,
    retry_seconds: float,
    max_attempts: int,
) -> bool:
    now = utc(now or datetime.now(UTC))
    error = (error or "unknown error")[:MAX_ERROR]
    values: dict[str, Any] = {"last_error": error}
    if claim.attempt >= max_attempts:
        values.update(next_attempt_at=None, gave_up_at=now)
    else:
        values["next_attempt_at"] = now + timedelta(seconds=backoff(claim.attempt, retry_seconds))
    query = (
        update(_D)
        .where(
            _D.c.followup_id == claim.followup.id,
            _D.c.claim_token == claim.token,  # not if another sender took it over
            _D.c.delivered_at.is_(None),
            _D.c.next_attempt_at.is_not(None),  # nor if it was closed meanwhile
        )
        .values(**values)
    )
    with database.transaction() as connection:
        return bool(connection.execute(query).rowcount)
