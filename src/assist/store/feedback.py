"""Shared state in a database: the append-only feedback log (what agents did with each
suggestion), the base that ranking priors and analytics will build on.

SQLAlchemy Core, portable SQL only: SQLite by default (a file beside the index),
PostgreSQL by URL (`ASSIST_DATABASE_URL=postgresql://...`) when several replicas share
it. Tables are created at start; rows are only ever inserted, never updated or deleted.
Framework-free: the HTTP edge maps `InvalidFeedback` to 422 and `StoreUnavailable` to 503.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ..core.schemas import SUGGESTION_ID, clean_text
from ..errors import AssistError

log = logging.getLogger("assist")

FeedbackAction = Literal["shown", "inserted", "sent", "dismissed"]
FEEDBACK_ACTIONS: tuple[FeedbackAction, ...] = ("shown", "inserted", "sent", "dismissed")
MAX_FINAL_TEXT = 20_000
MAX_CONVERSATION_ID = 200
MAX_KEY_NAME = 100
_SUGGESTION_ID = re.compile(SUGGESTION_ID)
# Actions that carry the text that left the sidebar (into the composer, or to the customer).
TEXT_ACTIONS = ("inserted", "sent")


class StoreError(AssistError):
    status_code = 500


class StoreConfigError(StoreError):
    """The database URL can't be used at all (unknown dialect, missing driver)."""


class StoreUnavailable(StoreError):
    """The database can't be reached right now; suggestions keep working without it."""

    status_code = 503


class InvalidFeedback(StoreError):
    status_code = 422


metadata = MetaData()

_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only
feedback_table = Table(
    "feedback",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("key_name", String(MAX_KEY_NAME), nullable=False),
    Column("conversation_id", String(MAX_CONVERSATION_ID), nullable=False),
    Column("suggestion_id", String(300), nullable=False),
    Column("entry_id", String(100), nullable=False),
    Column("reply_id", String(100), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("variant", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("final_text", Text, nullable=True),
    CheckConstraint(
        "action IN (" + ", ".join(f"'{a}'" for a in FEEDBACK_ACTIONS) + ")",
        name="ck_feedback_action",
    ),
    Index("ix_feedback_conversation", "conversation_id", "id"),
    Index("ix_feedback_reply", "entry_id", "reply_id", "action"),
    Index("ix_feedback_created_at", "created_at"),
)


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


def database_url(url: str) -> URL:
    """A SQLAlchemy URL; plain `postgresql://` / `postgres://` use psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreConfigError(f"database URL {_safe(url)!r} is not a URL: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _safe(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable>"


class Store:
    """One engine (a connection pool) per process; every method is thread-safe."""

    def __init__(self, url: str):
        self.url = database_url(url)
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        self.engine = self._engine(self.url)

    @staticmethod
    def _engine(url: URL) -> Engine:
        options: dict[str, Any] = {}
        if url.get_backend_name() == "sqlite":
            database = url.database or ""
            if database in ("", ":memory:") or database.startswith("file::memory:"):
                # One shared connection, or every thread would see its own empty database.
                options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
            else:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
                options = {"connect_args": {"timeout": 30}}
        else:
            options = {"pool_pre_ping": True}
        try:
            engine = create_engine(url, **options)
        except (ArgumentError, ImportError) as exc:  # unknown dialect or missing driver
            raise StoreConfigError(
                f"database URL {url.render_as_string(hide_password=True)!r}: {exc}"
            ) from exc
        if url.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def start(self) -> bool:
        """Create the tables if needed; False (logged) if the database is unreachable, so
        the service still starts and the first write tries again."""
        try:
            self.create_schema()
        except StoreUnavailable as exc:
            log.error("feedback store not ready: %s", exc)
            return False
        return True

    def create_schema(self) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return
            try:
                metadata.create_all(self.engine, checkfirst=True)
            except SQLAlchemyError:
                # Another worker may have created them between the check and the CREATE.
                try:
                    metadata.create_all(self.engine, checkfirst=True)
                except SQLAlchemyError as exc:
                    raise StoreUnavailable(self._unavailable(exc)) from exc
            self._schema_ready = True

    def add_feedback(
        self,
        *,
        key_name: str,
        conversation_id: str,
        suggestion_id: str,
        action: str,
        final_text: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """Validate and append one event; returns its id."""
        ref = SuggestionRef.parse(suggestion_id)
        if action not in FEEDBACK_ACTIONS:
            raise InvalidFeedback(
                f"action {action[:40]!r} is not one of: {', '.join(FEEDBACK_ACTIONS)}"
            )
        conversation_id = clean_text(conversation_id)
        if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID:
            raise InvalidFeedback(f"conversation_id must be 1 to {MAX_CONVERSATION_ID} characters")
        if not key_name or len(key_name) > MAX_KEY_NAME:
            raise InvalidFeedback(f"key name must be 1 to {MAX_KEY_NAME} characters")
        if final_text is not None:
            final_text = clean_text(final_text)
            if action not in TEXT_ACTIONS:
                raise InvalidFeedback(
                    f"final_text goes with {' or '.join(TEXT_ACTIONS)}, not {action}"
                )
            if len(final_text) > MAX_FINAL_TEXT:
                raise InvalidFeedback(
                    f"final_text is {len(final_text)} characters; the limit is {MAX_FINAL_TEXT}"
                )
        row = {
            "created_at": at or datetime.now(UTC),
            "key_name": key_name,
            "conversation_id": conversation_id,
            "suggestion_id": suggestion_id,
            "entry_id": ref.entry_id,
            "reply_id": ref.reply_id,
            "lang": ref.lang,
            "variant": ref.variant,
            "action": action,
            "final_text": final_text,
        }
        self.create_schema()
        try:
            with self.engine.begin() as connection:
                result = connection.execute(insert(feedback_table).values(**row))
                key = result.inserted_primary_key
                assert key is not None
                return int(key[0])
        except SQLAlchemyError as exc:
            raise StoreUnavailable(self._unavailable(exc)) from exc

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
            raise StoreUnavailable(self._unavailable(exc)) from exc
        for row in rows:
            created = row["created_at"]
            if created.tzinfo is None:  # SQLite keeps no zone; we always write UTC
                created = created.replace(tzinfo=UTC)
            yield FeedbackEvent(**{**dict(row), "created_at": created})

    def close(self) -> None:
        self.engine.dispose()

    def _unavailable(self, exc: SQLAlchemyError) -> str:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        return f"the database at {self.display_url} is unavailable: {reason}"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets readers and the writer (one per worker) overlap; waits instead of failing.
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
    finally:
        cursor.close()
