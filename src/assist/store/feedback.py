"""The append-only feedback log (what agents did with each suggestion), the base that
ranking priors and analytics build on; and `Store`, the one object the API holds.

Rows are only ever inserted, never updated or deleted. Personal data in `final_text` is
masked (`core.pii`) before it is written. An event must follow a `shown` of its
suggestion from an answer served in that conversation (`feedback_rules`). Framework-free:
the HTTP edge maps `InvalidFeedback` (and `NeverShown`) to 422, `IdempotencyConflict`
to 409 and `StoreUnavailable` to 503.
The connection (engine, timeouts, migrations) is `db.Database`'s; the names it used to
define here are still importable from this module.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..core.pii import mask
from ..core.schemas import SUGGESTION_ID, clean_text
from ..settings import Settings
from .answers import Answers
from .checks import Checks
from .db import Database, database_url, reason
from .errors import SchemaOutdated, StoreConfigError, StoreError, StoreUnavailable
from .feedback_rules import (
    InvalidFeedback,
    NeverShown,
    ShownText,
    check_shown,
    measure,
    prior_shown,
    served_answer,
)
from .followups import Followups
from .keys import Keys
from .snippets import Snippets
from .tables import (
    FEEDBACK_ACTIONS,
    MAX_ANSWER_ID,
    MAX_CONVERSATION_ID,
    MAX_IDEMPOTENCY_KEY,
    MAX_KEY_NAME,
    MAX_TEAM,
    POSTED_ACTIONS,
    FeedbackAction,
    PostedAction,
    feedback_table,
    metadata,
)

__all__ = [
    "FEEDBACK_ACTIONS",
    "MAX_CONVERSATION_ID",
    "MAX_FINAL_TEXT",
    "MAX_IDEMPOTENCY_KEY",
    "MAX_KEY_NAME",
    "POSTED_ACTIONS",
    "TEXT_ACTIONS",
    "FeedbackAction",
    "FeedbackEvent",
    "IdempotencyConflict",
    "InvalidFeedback",
    "NeverShown",
    "PostedAction",
    "Recorded",
    "SchemaOutdated",
    "Store",
    "StoreConfigError",
    "StoreError",
    "StoreUnavailable",
    "SuggestionRef",
    "database_url",
    "feedback_table",
    "metadata",
]

log = logging.getLogger("assist")

MAX_FINAL_TEXT = 20_000
_SUGGESTION_ID = re.compile(SUGGESTION_ID)
_IDEMPOTENCY_KEY = re.compile(rf"[!-~]{{1,{MAX_IDEMPOTENCY_KEY}}}")  # visible ASCII
# Actions that carry the text that left the sidebar (into the composer, or to the customer).
TEXT_ACTIONS = ("inserted", "sent")


_ANSWER_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_ANSWER_ID}}}")  # as new_answer_id makes them


class IdempotencyConflict(InvalidFeedback):
    """An Idempotency-Key reused for another event: a conflict with the stored one (409,
    as the IETF Idempotency-Key draft allows, and a status the API schema can state)."""

    status_code = 409


@dataclass(frozen=True)
class SuggestionRef:
    """The parts of a suggestion id `entry/reply/lang/variant`."""

    entry_id: str
    reply_id: str
    lang: str
    variant: int

    @classmethod
    def parse(cls, suggestion_id: str) -> SuggestionRef:
        if len(suggestion_id) > 300 or not _SUGGESTION_ID.fullmatch(suggestion_id):
            raise InvalidFeedback(
                f"suggestion_id {suggestion_id[:80]!r} is not `entry/reply/lang/variant` "
                "(as /v1/suggest returns it, e.g. `order-late/check-tracking/en/0`)"
            )
        entry_id, reply_id, lang, variant = suggestion_id.split("/")
        if len(entry_id) > 100 or len(reply_id) > 100:
            raise InvalidFeedback("suggestion_id: entry and reply ids are at most 100 characters")
        return cls(entry_id, reply_id, lang, int(variant))


@dataclass(frozen=True)
class FeedbackEvent:
    id: int
    created_at: datetime
    key_name: str
    conversation_id: str
    suggestion_id: str
    entry_id: str
    reply_id: str
    lang: str
    variant: int
    action: str
    final_text: str | None
    idempotency_key: str | None = None
    answer_id: str | None = None
    position: int | None = None
    team: str | None = None
    edit_distance: int | None = None
    elapsed_ms: int | None = None


@dataclass(frozen=True)
class Recorded:
    """A stored event's id and action (`sent_rewritten` is the store's verdict on a
    `sent`); `replayed` when an earlier request with the same idempotency key stored it."""

    id: int
    replayed: bool = False
    action: str = ""


class Store(Database):
    """The one object the API holds: the feedback log on its methods, the other tables
    as repositories sharing its engine (`snippets`, `keys`, `followups`, `checks`).
    Thread-safe; see Database
    for the timeouts, `retry_seconds` and `auto_migrate`."""

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store the settings name (ASSIST_DATABASE_URL, else SQLite beside the
        index), with their timeouts; no connection yet."""
        return cls(
            settings.store_url,
            connect_timeout=settings.database_connect_timeout,
            statement_timeout=settings.database_statement_timeout,
            pool_timeout=settings.database_pool_timeout,
            retry_seconds=settings.database_retry_seconds,
            auto_migrate=settings.auto_migrate,
        )

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: int = 5,
        statement_timeout: float = 5.0,
        pool_timeout: float = 5.0,
        retry_seconds: float = 0.0,
        auto_migrate: bool = True,
    ):
        super().__init__(
            url,
            connect_timeout=connect_timeout,
            statement_timeout=statement_timeout,
            pool_timeout=pool_timeout,
            retry_seconds=retry_seconds,
            auto_migrate=auto_migrate,
        )
        self.snippets = Snippets(self)
        self.keys = Keys(self)
        self.followups = Followups(self)
        self.checks = Checks(self)
        self.answers = Answers(self)

    def add_feedback(self, **event: Any) -> int:
        """Validate and append one event (`record_feedback`'s arguments); returns its id."""
        return self.record_feedback(**event).id

    def record_feedback(
        self,
        *,
        key_name: str,
        conversation_id: str,
        suggestion_id: str,
        action: str,
        final_text: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
        answer_id: str | None = None,
        team: str = "default",
        shown_text: ShownText | None = None,
        answer_grace: float = 0.0,
    ) -> Recorded:
        """Validate and append one event by `key_name` of `team`. `shown` names the
        `answer_id` its suggestion came in; the other actions need an earlier `shown`
        (NeverShown otherwise). `shown_text(answer_id, suggestion_id)` gives the text a
        suggestion was shown with, for the edit distance; `answer_grace` is how long to
        wait for an answer another replica has not written yet. With an
        `idempotency_key` already used by the same `key_name`, nothing is written and
        the first event's id comes back."""
        row = _validated_row(
            key_name, conversation_id, suggestion_id, action, final_text, idempotency_key
        )
        if answer_id is not None and not _ANSWER_ID.fullmatch(answer_id):
            raise InvalidFeedback(
                f"answer_id must be 1 to {MAX_ANSWER_ID} URL-safe characters, "
                "as /v1/suggest returned it"
            )
        if not team or len(team) > MAX_TEAM:
            raise InvalidFeedback(f"team must be 1 to {MAX_TEAM} characters")
        row["created_at"] = (at or datetime.now(UTC)).astimezone(UTC)
        row["team"] = team
        self.create_schema()
        try:
            earlier = self._replay(row) if row["idempotency_key"] is not None else None
            if earlier is not None:
                return earlier
            if action == "shown":
                if answer_id is None:
                    raise NeverShown(
                        "never shown: `shown` needs the answer_id that /v1/suggest returned "
                        "with the suggestion"
                    )
                answer = served_answer(self.answers, answer_id, answer_grace)
                check_shown(row, answer, answer_id, team)
            else:
                shown, inserted_text = prior_shown(self, row, team, answer_id)
                measure(row, shown, inserted_text, shown_text)
            return self._insert_once(row)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(self.unavailable(exc)) from exc

    def _insert_once(self, row: dict[str, Any]) -> Recorded:
        keyed = row["idempotency_key"] is not None
        try:
            with self.engine.begin() as connection:
                result = connection.execute(insert(feedback_table).values(**row))
                key = result.inserted_primary_key
                assert key is not None
                return Recorded(int(key[0]), action=row["action"])
        except IntegrityError as exc:
            # A concurrent request with the same key won the insert: answer with its row.
            earlier = self._replay(row) if keyed else None
            if earlier is None:
                raise StoreError(f"feedback not stored: {reason(exc)}") from exc
            return earlier

    def _replay(self, row: dict[str, Any]) -> Recorded | None:
        """The event stored earlier under this row's idempotency key, if any."""
        query = select(feedback_table).where(
            feedback_table.c.key_name == row["key_name"],
            feedback_table.c.idempotency_key == row["idempotency_key"],
        )
        with self.engine.connect() as connection:
            earlier = connection.execute(query).mappings().first()
        if earlier is None:
            return None
        stored = {name: earlier[name] for name in _SAME_EVENT}
        if stored["action"] == "sent_rewritten":  # the store's verdict on a posted `sent`
            stored["action"] = "sent"
        if any(stored[name] != row[name] for name in _SAME_EVENT):
            raise IdempotencyConflict(
                f"Idempotency-Key {row['idempotency_key'][:80]!r} was already used for a "
                "different event: use a new key for each event, the same one for its retries"
            )
        return Recorded(int(earlier["id"]), replayed=True, action=earlier["action"])

    def feedback(
        self, *, conversation_id: str | None = None, limit: int = 1000
    ) -> list[FeedbackEvent]:
        """Events oldest first, optionally for one conversation."""
        return list(self.iter_feedback(conversation_id=conversation_id, limit=limit))

    def iter_feedback(
        self, *, conversation_id: str | None = None, limit: int | None = None
    ) -> Iterator[FeedbackEvent]:
        self.create_schema()
        query = select(feedback_table).order_by(feedback_table.c.id)
        if conversation_id is not None:
            query = query.where(feedback_table.c.conversation_id == conversation_id)
        if limit is not None:
            query = query.limit(limit)
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).mappings().all()
        except SQLAlchemyError as exc:
            raise StoreUnavailable(self.unavailable(exc)) from exc
        for row in rows:
            created = row["created_at"]
            if created.tzinfo is None:  # SQLite keeps no zone; we always write UTC
                created = created.replace(tzinfo=UTC)
            yield FeedbackEvent(**{**dict(row), "created_at": created})


# What must match for a request with a used idempotency key to be a retry of its event.
_SAME_EVENT = ("conversation_id", "suggestion_id", "action", "final_text")


def _validated_row(
    key_name: str,
    conversation_id: str,
    suggestion_id: str,
    action: str,
    final_text: str | None,
    idempotency_key: str | None,
) -> dict[str, Any]:
    """The row to insert, or InvalidFeedback; `final_text` with personal data masked."""
    ref = SuggestionRef.parse(suggestion_id)
    if action not in POSTED_ACTIONS:
        raise InvalidFeedback(f"action {action[:40]!r} is not one of: {', '.join(POSTED_ACTIONS)}")
    conversation_id = clean_text(conversation_id)
    if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID:
        raise InvalidFeedback(f"conversation_id must be 1 to {MAX_CONVERSATION_ID} characters")
    if not key_name or len(key_name) > MAX_KEY_NAME:
        raise InvalidFeedback(f"key name must be 1 to {MAX_KEY_NAME} characters")
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise InvalidFeedback(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters "
            "(a UUID is a good choice)"
        )
    if final_text is not None:
        final_text = clean_text(final_text)
        if action not in TEXT_ACTIONS:
            raise InvalidFeedback(f"final_text goes with {' or '.join(TEXT_ACTIONS)}, not {action}")
        if len(final_text) > MAX_FINAL_TEXT:
            raise InvalidFeedback(
                f"final_text is {len(final_text)} characters; the limit is {MAX_FINAL_TEXT}"
            )
        # Cards, phones, emails, IBANs, national ids: never at rest (README, "Feedback").
        final_text = mask(final_text)
    return {
        "key_name": key_name,
        "conversation_id": conversation_id,
        "suggestion_id": suggestion_id,
        "entry_id": ref.entry_id,
        "reply_id": ref.reply_id,
        "lang": ref.lang,
        "variant": ref.variant,
        "action": action,
        "final_text": final_text,
        "idempotency_key": idempotency_key,
    }
