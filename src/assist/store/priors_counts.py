"""Feedback counted for ranking priors, aggregated in the database (GROUP BY, both
dialects): per reply, API key name, position and age bucket, how many times it was shown
and how many of those shows were accepted. `learn/priors.py` turns the rows into priors.

A show is one suggestion in one answer (`answer_id`; rows from before answers were
recorded group by conversation), with every event of it folded in: accepted when it was
sent as suggested, or inserted and not then sent rewritten. A `dismissed` is a show
without acceptance. Age buckets keep the decay out of SQL dialects: the rows carry each
bucket's middle age, the weighting is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, case, func, select

from .tables import feedback_table

if TYPE_CHECKING:
    from .db import Database

_F = feedback_table
# Bucket edges in days: finer while the weights change fast (half-life 14 days).
AGE_EDGES: tuple[float, ...] = (1, 2, 4, 7, 10, 14, 21, 28, 42, 56, 84, 112, 168, 252, 365)
HORIZON_DAYS = AGE_EDGES[-1]  # older events are not read (at 14 days' half-life: < 1e-7)


@dataclass(frozen=True)
class PriorCount:
    entry_id: str
    reply_id: str
    key_name: str
    position: int
    age_days: float  # the middle of the row's age bucket
    shows: int
    accepted: int


def _flag(action: str) -> ColumnElement[Any]:
    return func.max(case((_F.c.action == action, 1), else_=0))


def prior_counts(
    database: Database,
    *,
    now: datetime | None = None,
    horizon_days: float = HORIZON_DAYS,
    team: str | None = None,
) -> list[PriorCount]:
    """Counts of the last `horizon_days` (at most HORIZON_DAYS), optionally one team's."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    horizon = min(horizon_days, HORIZON_DAYS)
    edges = [e for e in AGE_EDGES if e < horizon] + [horizon]
    shown_at = func.min(_F.c.created_at)
    bucket = case(
        *((shown_at >= now - timedelta(days=edge), number) for number, edge in enumerate(edges)),
        else_=len(edges) - 1,
    )
    sent, inserted, rewritten = _flag("sent"), _flag("inserted"), _flag("sent_rewritten")
    show = func.coalesce(_F.c.answer_id, _F.c.conversation_id)
    conditions = [_F.c.created_at >= now - timedelta(days=horizon)]
    if team is not None:
        conditions.append(_F.c.team == team)
    shows = (
        select(
            _F.c.entry_id,
            _F.c.reply_id,
            _F.c.key_name,
            func.min(func.coalesce(_F.c.position, 0)).label("position"),
            bucket.label("bucket"),
            case((sent == 1, 1), ((inserted == 1) & (rewritten == 0), 1), else_=0).label("ok"),
        )
        .where(*conditions)
        .group_by(_F.c.entry_id, _F.c.reply_id, _F.c.key_name, show)
        .subquery()
    )
    counted = select(
        shows.c.entry_id,
        shows.c.reply_id,
        shows.c.key_name,
        shows.c.position,
        shows.c.bucket,
        func.count(),
        func.sum(shows.c.ok),
    ).group_by(
        shows.c.entry_id, shows.c.reply_id, shows.c.key_name, shows.c.position, shows.c.bucket
    )
    with database.connect() as connection:
        rows = connection.execute(counted).all()
    middles = _middles(edges)
    return [
        PriorCount(entry, reply, name, int(position), middles[int(b)], int(n), int(ok or 0))
        for entry, reply, name, position, b, n, ok in rows
    ]


def feedback_watermark(database: Database) -> int:
    """The newest feedback id (0: none): the log is append-only, so an unchanged mark
    means unchanged counts (one primary-key lookup)."""
    with database.connect() as connection:
        return int(connection.execute(select(func.max(_F.c.id))).scalar() or 0)


def _middles(edges: Sequence[float]) -> list[float]:
    lows = [0.0, *edges[:-1]]
    return [(low + high) / 2 for low, high in zip(lows, edges, strict=True)]
