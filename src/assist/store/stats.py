"""Statistics for leads: what was served, what agents did with it, what the coach found in
their drafts, who contributes, whether follow-ups are kept. Every figure is counted in
the database (GROUP BY), so a million feedback rows cost a few scans, never a million
rows loaded into Python.

A period is whole UTC days, both ends included (period.py); a team (None: every team)
scopes every table that has one. Rates are 0..1, or None when nothing was there to divide by.
Framework-free: `InvalidStats` is the edge's 422, `StoreUnavailable` its 503.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, String, Table, and_, case, cast, func, literal, select
from sqlalchemy.engine import Connection

from ..core.snippets import SNIPPET_PREFIX
from .period import InvalidStats, Period
from .tables import (
    FEEDBACK_ACTIONS,
    answers_table,
    check_codes_table,
    check_log_table,
    feedback_table,
    followups_table,
    snippets_table,
    unmatched_table,
)

if TYPE_CHECKING:
    from .db import Database

__all__ = ["InvalidStats", "Kept", "Period", "Stats"]

# The coach's finding codes counted here (coach/result.py): a draft that only recites a
# template, and a promise beyond the situation's limit or an absolute guarantee.
RECITAL_CODE = "verbatim"
OVER_PROMISE_CODE = "over_promise"
ACCEPTING = ("inserted", "sent")  # `sent_rewritten` is not an acceptance
CREDITED = ("approved", "retired")  # a snippet that made it into the library
_F, _L, _C, _S = feedback_table, check_log_table, check_codes_table, snippets_table


@dataclass(frozen=True)
class Kept:
    """A message that found nothing or only weak matches, personal data masked."""

    id: int
    lang: str
    match: str
    best_entry_id: str | None
    best_score: float
    text: str


class Stats:
    """Read-only aggregations over the Store's tables, on its engine."""

    def __init__(self, database: Database):
        self.database = database

    def summary(
        self, period: Period, team: str | None = None, *, now: datetime | None = None
    ) -> dict[str, Any]:
        """The whole report (the shape of GET /v1/stats); `gaps.clusters` is left None
        for whoever clusters the kept messages (that needs the embedder)."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        with self.database.connect() as connection:
            answers, by_lang, mood = _answers(connection, period, team)
            usage = _usage(connection, period, team)
            return {
                "from": period.first.isoformat(),
                "to": period.last.isoformat(),
                "team": team,
                "answers": answers,
                "by_lang": by_lang,
                "mood": mood,
                "replies": _replies(usage),
                "checks": _checks(connection, period, team),
                "authors": _authors(connection, usage, team),
                "followups": _followups(connection, period, team, now),
                "gaps": {"kept": _kept_count(connection, period, team), "clusters": None},
            }

    def kept_count(self, period: Period, team: str | None = None) -> int:
        with self.database.connect() as connection:
            return _kept_count(connection, period, team)

    def kept(self, period: Period, team: str | None = None, *, limit: int = 500) -> list[Kept]:
        """The newest `limit` kept messages of the period, newest first."""
        table = unmatched_table
        query = (
            select(
                table.c.id,
                table.c.lang,
                table.c.match,
                table.c.best_entry_id,
                table.c.best_score,
                table.c.text,
            )
            .where(*_scope(table, period, team))
            .order_by(table.c.created_at.desc(), table.c.id.desc())
            .limit(max(0, int(limit)))
        )
        with self.database.connect() as connection:
            return [
                Kept(int(r.id), r.lang, r.match, r.best_entry_id, float(r.best_score), r.text)
                for r in connection.execute(query)
            ]


# ------------------------------------------------------------------ the queries


def _scope(table: Table, period: Period, team: str | None) -> list[Any]:
    conditions = [table.c.created_at >= period.since, table.c.created_at < period.until]
    if team is not None:
        conditions.append(table.c.team == team)
    return conditions


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _day(column: Any, connection: Connection) -> Any:
    """The UTC calendar day of a timestamp. SQLite keeps the UTC wall time as text;
    PostgreSQL's timestamptz is read in UTC whatever the session's time zone."""
    if connection.dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _iso(day: Any) -> str:
    return day.isoformat() if isinstance(day, date) else str(day)


def _match_rates(served: int, confident: int, weak: int, none: int) -> dict[str, Any]:
    return {
        "served": served,
        "confident": confident,
        "weak": weak,
        "none": none,
        "match_rate": _rate(confident, served),
        "weak_rate": _rate(weak, served),
        "no_match_rate": _rate(none, served),
    }


def _answers(
    connection: Connection, period: Period, team: str | None
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Served answers by match label, per language and per mood: one scan, a few dozen
    groups (language x mood x match) rolled up here."""
    a = answers_table
    query = (
        select(a.c.lang, a.c.mood, a.c.match, func.count())
        .where(*_scope(a, period, team))
        .group_by(a.c.lang, a.c.mood, a.c.match)
    )
    langs: dict[str, dict[str, int]] = {}
    moods: dict[str, int] = {}
    for lang, mood, match, n in connection.execute(query):
        counts = langs.setdefault(lang, {"confident": 0, "weak": 0, "none": 0})
        counts[match] = counts.get(match, 0) + int(n)
        moods[mood] = moods.get(mood, 0) + int(n)
    total = {m: sum(c[m] for c in langs.values()) for m in ("confident", "weak", "none")}
    served = sum(total.values())
    by_lang = [
        {"lang": lang, **_match_rates(sum(c.values()), c["confident"], c["weak"], c["none"])}
        for lang, c in langs.items()
    ]
    by_lang.sort(key=lambda r: (-r["served"], r["lang"]))
    mood = [{"mood": m, "served": n, "share": _rate(n, served)} for m, n in moods.items()]
    mood.sort(key=lambda r: (-r["served"], r["mood"]))
    return _match_rates(served, total["confident"], total["weak"], total["none"]), by_lang, mood


def _snippet_key(snippets: Table) -> Any:
    return literal(SNIPPET_PREFIX) + cast(snippets.c.id, String)


def _usage(connection: Connection, period: Period, team: str | None) -> list[dict[str, Any]]:
    """Per entry and reply: each action, acceptance, mean edit distance, and for a
    snippet its author, team, visibility and status (joined to the few hundred groups,
    not to the log). Two scans of the log, no COUNT(DISTINCT): counting distinct pairs
    per group sorts every row and took twice as long as both scans together."""
    scope = _scope(_F, period, team)
    usage = (
        select(
            _F.c.entry_id,
            _F.c.reply_id,
            *(_count(_F.c.action == action).label(action) for action in FEEDBACK_ACTIONS),
            func.avg(_F.c.edit_distance).label("edit"),
        )
        .where(*scope)
        .group_by(_F.c.entry_id, _F.c.reply_id)
        .subquery()
    )
    query = select(
        usage, _S.c.author, _S.c.team.label("snippet_team"), _S.c.visibility, _S.c.status
    ).select_from(usage.outerjoin(_S, usage.c.entry_id == _snippet_key(_S)))
    # A suggestion accepted once per answer it came in, however many of its events say
    # so (inserted, then sent); rows from before answers existed count per conversation.
    shown_in = func.coalesce(_F.c.answer_id, _F.c.conversation_id)
    pairs = (
        select(_F.c.entry_id, _F.c.reply_id)
        .where(*scope, _F.c.action.in_(ACCEPTING))
        .group_by(_F.c.entry_id, _F.c.reply_id, shown_in, _F.c.suggestion_id)
        .subquery()
    )
    accepted = {
        (entry, reply): int(n)
        for entry, reply, n in connection.execute(
            select(pairs.c.entry_id, pairs.c.reply_id, func.count()).group_by(
                pairs.c.entry_id, pairs.c.reply_id
            )
        )
    }
    out = []
    for row in connection.execute(query).mappings():
        taken = accepted.get((row["entry_id"], row["reply_id"]), 0)
        out.append(
            {
                **row,
                **{action: int(row[action]) for action in FEEDBACK_ACTIONS},
                "accepted": taken,
                "edit": None if row["edit"] is None else round(float(row["edit"]), 3),
            }
        )
    return out


def _replies(usage: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [
        {
            "key": f"{row['entry_id']}/{row['reply_id']}",
            "entry_id": row["entry_id"],
            "reply_id": row["reply_id"],
            "source": "snippet" if row["entry_id"].startswith(SNIPPET_PREFIX) else "playbook",
            "author": row["author"],
            **{action: row[action] for action in FEEDBACK_ACTIONS},
            "accepted": row["accepted"],
            "acceptance": _rate(row["accepted"], row["shown"]),
            "mean_edit_distance": row["edit"],
        }
        for row in usage
    ]
    out.sort(key=lambda r: (-r["shown"], r["key"]))
    return out


def _checks(connection: Connection, period: Period, team: str | None) -> dict[str, Any]:
    """Checked drafts, the share reciting a template and the share over-promising:
    overall, per UTC day and per entry. Two queries grouped by (day, entry), at most a
    few thousand groups, summed here three ways."""
    codes = (RECITAL_CODE, OVER_PROMISE_CODE)
    scope = _scope(_L, period, team)
    day, entry = _day(_L.c.created_at, connection).label("day"), _L.c.entry_id
    totals = (
        select(day, entry, func.count(), func.sum(_L.c.recital)).where(*scope).group_by(day, entry)
    )
    coded = (
        select(day, entry, _C.c.code, func.count())
        .select_from(_L.join(_C, _C.c.check_id == _L.c.id))
        .where(*scope, _C.c.code.in_(codes))
        .group_by(day, entry, _C.c.code)
    )
    by_day: dict[str, dict[str, float]] = {}
    by_entry: dict[str | None, dict[str, float]] = {}
    whole: dict[str, float] = {}
    empty = {"checked": 0, "recital_sum": 0.0, **dict.fromkeys(codes, 0)}

    def add(d: Any, e: str | None, name: str, n: float) -> None:
        for group in (by_day.setdefault(_iso(d), dict(empty)), by_entry.setdefault(e, dict(empty))):
            group[name] += n
        whole[name] = whole.get(name, 0) + n

    for d, e, n, recital in connection.execute(totals):
        add(d, e, "checked", int(n))
        add(d, e, "recital_sum", float(recital or 0.0))
    for d, e, code, n in connection.execute(coded):
        add(d, e, code, int(n))

    def rates(row: dict[str, float]) -> dict[str, Any]:
        checked = int(row.get("checked", 0))
        recital, promises = int(row.get(RECITAL_CODE, 0)), int(row.get(OVER_PROMISE_CODE, 0))
        return {
            "checked": checked,
            "recital": recital,
            "recital_rate": _rate(recital, checked),
            "over_promise": promises,
            "over_promise_rate": _rate(promises, checked),
            "recital_mean": _rate(row.get("recital_sum", 0.0), checked),
        }

    entries = sorted(by_entry.items(), key=lambda kv: (-kv[1]["checked"], kv[0] or ""))
    return {
        **rates(whole),
        "trend": [{"day": d, **rates(row)} for d, row in sorted(by_day.items())],
        "by_entry": [{"entry_id": e, **rates(row)} for e, row in entries],
    }


def _authors(
    connection: Connection, usage: list[dict[str, Any]], team: str | None
) -> list[dict[str, Any]]:
    """Per author of team snippets that made it into the library: how many, and how
    they were used in the period (summed from the per-reply usage: no third scan)."""
    scope = [_S.c.visibility == "team", _S.c.status.in_(CREDITED)]
    if team is not None:
        scope.append(_S.c.team == team)
    query = select(_S.c.author, func.count()).where(*scope).group_by(_S.c.author)
    names = ("shown", *ACCEPTING, "accepted")
    authors = {
        author: {"author": author, "snippets": int(n), **dict.fromkeys(names, 0)}
        for author, n in connection.execute(query)
    }
    for row in usage:
        credited = row["visibility"] == "team" and row["status"] in CREDITED
        if row["author"] in authors and credited and team in (None, row["snippet_team"]):
            for name in names:
                authors[row["author"]][name] += row[name]
    out = [{**a, "acceptance": _rate(a["accepted"], a["shown"])} for a in authors.values()]
    out.sort(key=lambda r: (-r["accepted"], -r["snippets"], r["author"]))
    return out


def _followups(
    connection: Connection, period: Period, team: str | None, now: datetime
) -> dict[str, int]:
    """Open ones as they stand now (on time: not yet due; overdue: due and still open),
    and the ones done within the period, by whether they were done by their due time."""
    f = followups_table
    closed = and_(f.c.status == "done", f.c.closed_at >= period.since, f.c.closed_at < period.until)
    query = select(
        _count(and_(f.c.status == "open", f.c.due_at > now)),
        _count(and_(f.c.status == "open", f.c.due_at <= now)),
        _count(and_(closed, f.c.closed_at <= f.c.due_at)),
        _count(and_(closed, f.c.closed_at > f.c.due_at)),
    )
    if team is not None:
        query = query.where(f.c.team == team)
    on_time, overdue, done_on_time, done_late = (int(n) for n in connection.execute(query).one())
    return {
        "open": on_time + overdue,
        "on_time": on_time,
        "overdue": overdue,
        "done_on_time": done_on_time,
        "done_late": done_late,
    }


def _kept_count(connection: Connection, period: Period, team: str | None) -> int:
    query = select(func.count()).where(*_scope(unmatched_table, period, team))
    return int(connection.execute(query).scalar_one())
