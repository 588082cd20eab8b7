"""Credit for snippet authors: their snippets by status and how often theirs were shown,
inserted, sent and dismissed, counted from the feedback log (rows whose entry is
`snippet-<id>`). Aggregated in SQL, so the answer costs one query however long the log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, case, cast, func, literal, select
from sqlalchemy.engine import Connection

from .tables import FEEDBACK_ACTIONS, SNIPPET_STATUSES, feedback_table, snippets_table

ENTRY_PREFIX = "snippet-"  # a snippet's entry id in the index, suggestion ids and feedback
_T = snippets_table


def per_author(
    connection: Connection, team: str | None = None, *, include_private: bool = False
) -> list[dict[str, Any]]:
    """{author, proposed, approved, rejected, retired, shown, inserted, sent, dismissed}
    per author, most approved first. Private snippets are left out unless asked for."""
    scope = []
    if team is not None:
        scope.append(_T.c.team == team)
    if not include_private:
        scope.append(_T.c.visibility == "team")
    feedback = feedback_table
    # Per snippet first: joining the log straight to the authors would count each
    # snippet's status once per feedback row.
    usage = (
        select(
            _T.c.id.label("snippet_id"),
            *(_count(feedback.c.action == a).label(a) for a in FEEDBACK_ACTIONS),
        )
        .select_from(
            _T.join(feedback, feedback.c.entry_id == literal(ENTRY_PREFIX) + cast(_T.c.id, String))
        )
        .where(*scope)
        .group_by(_T.c.id)
        .subquery()
    )
    states = [_count(_T.c.status == s).label(s) for s in SNIPPET_STATUSES]
    used = [func.coalesce(func.sum(usage.c[a]), 0).label(a) for a in FEEDBACK_ACTIONS]
    query = (
        select(_T.c.author, *states, *used)
        .select_from(_T.outerjoin(usage, usage.c.snippet_id == _T.c.id))
        .where(*scope)
        .group_by(_T.c.author)
        .order_by(_count(_T.c.status == "approved").desc(), _T.c.author)
    )
    return [
        {
            "author": row["author"],
            **{k: int(row[k]) for k in (*SNIPPET_STATUSES, *FEEDBACK_ACTIONS)},
        }
        for row in connection.execute(query).mappings()
    ]


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))
