"""The answers served: one row per /v1/suggest response (what was offered, in which
order, how confident), and the unmatched messages kept for finding gaps.

Rows arrive in batches from the API's background writer (`add_many`, one executemany
per table), never on the request path. Feedback is checked against them: a suggestion
counts as shown only if an answer in that conversation listed it. A kept message is
masked (`core.pii`) here, at the last step before the database, and deleted after the
retention period (`delete_unmatched_before`). Framework-free.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select

from ..core.pii import mask
from .tables import MATCHES, MAX_ANSWER_ID, answers_table, unmatched_table

if TYPE_CHECKING:
    from .db import Database

_A, _U = answers_table, unmatched_table


def new_answer_id() -> str:
    """Random and URL-safe: 24 characters (144 bits), not guessable from another one."""
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Answer:
    id: str
    created_at: datetime
    key_name: str
    team: str
    conversation_id: str
    lang: str
    mood: str
    match: str  # confident | weak | none
    best_score: float
    top_entry_id: str | None
    suggestion_ids: tuple[str, ...]  # in the order shown: a suggestion's position is its index
    index_version: str
    # The customer's message, set only when it is to be kept as unmatched (weak or none,
    # ASSIST_KEEP_UNMATCHED): masked on write, never stored on the answer itself.
    message: str | None = None

    def position_of(self, suggestion_id: str) -> int | None:
        try:
            return self.suggestion_ids.index(suggestion_id)
        except ValueError:
            return None

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.astimezone(UTC),
            "key_name": self.key_name,
            "team": self.team,
            "conversation_id": self.conversation_id,
            "lang": self.lang,
            "mood": self.mood,
            "match": self.match,
            "best_score": float(self.best_score),
            "top_entry_id": self.top_entry_id,
            "suggestion_ids": json.dumps(list(self.suggestion_ids)),
            "index_version": self.index_version,
        }

    def unmatched_row(self) -> dict[str, Any]:
        assert self.message is not None
        return {
            "created_at": self.created_at.astimezone(UTC),
            "answer_id": self.id,
            "team": self.team,
            "lang": self.lang,
            "match": self.match,
            "best_entry_id": self.top_entry_id,
            "best_score": float(self.best_score),
            "text": mask(self.message),
        }


class Answers:
    """The `answers` and `unmatched` tables, on the Store's engine."""

    def __init__(self, database: Database):
        self.database = database

    def add_many(self, answers: Sequence[Answer]) -> None:
        """Insert a batch in one transaction; an answer already stored (a retried batch)
        is skipped, so a write that failed after its commit can be retried safely."""
        if not answers:
            return
        for answer in answers:
            if answer.match not in MATCHES or not 0 < len(answer.id) <= MAX_ANSWER_ID:
                raise ValueError(f"answer {answer.id[:50]!r}: match {answer.match!r}")
        with self.database.transaction() as connection:
            ids = [a.id for a in answers]
            stored = set(connection.execute(select(_A.c.id).where(_A.c.id.in_(ids))).scalars())
            fresh = [a for a in answers if a.id not in stored]
            if fresh:
                connection.execute(insert(_A), [a.row() for a in fresh])
            kept = [a.unmatched_row() for a in fresh if a.message is not None]
            if kept:
                connection.execute(insert(_U), kept)

    def get(self, answer_id: str) -> Answer | None:
        if not 0 < len(answer_id) <= MAX_ANSWER_ID:
            return None
        with self.database.connect() as connection:
            row = connection.execute(select(_A).where(_A.c.id == answer_id)).mappings().first()
        return None if row is None else _answer(row)

    def delete_unmatched_before(self, cutoff: datetime) -> int:
        """Delete kept messages older than `cutoff`; returns how many went."""
        with self.database.transaction() as connection:
            result = connection.execute(delete(_U).where(_U.c.created_at < cutoff.astimezone(UTC)))
            return int(result.rowcount or 0)

    def unmatched_count(self) -> int:
        with self.database.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(_U)).scalar_one())


def _answer(row: Any) -> Answer:
    created = row["created_at"]
    if created.tzinfo is None:  # SQLite keeps no zone; we always write UTC
        created = created.replace(tzinfo=UTC)
    return Answer(
        id=row["id"],
        created_at=created,
        key_name=row["key_name"],
        team=row["team"],
        conversation_id=row["conversation_id"],
        lang=row["lang"],
        mood=row["mood"],
        match=row["match"],
        best_score=float(row["best_score"]),
        top_entry_id=row["top_entry_id"],
        suggestion_ids=tuple(json.loads(row["suggestion_ids"])),
        index_version=row["index_version"],
    )
