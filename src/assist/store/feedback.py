"""Shared state in a database: the append-only feedback log (what agents did with each
suggestion), the base that ranking priors and analytics will build on.

SQLAlchemy Core, portable SQL only: SQLite by default (a file beside the index),
PostgreSQL by URL (`ASSIST_DATABASE_URL=postgresql://...`) when several replicas share
it. Tables are created at start; rows are only ever inserted, never updated or deleted.
Personal data in `final_text` is masked (`core.pii`) before it is written. Every wait on
the database is bounded (connect, statement, pool), so a silent one costs seconds, not
minutes. Framework-free: the HTTP edge maps `InvalidFeedback` to 422 and `StoreUnavailable`
to 503.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
import time
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
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ..core.pii import mask
from ..core.schemas import SUGGESTION_ID, clean_text
from ..errors import AssistError

log = logging.getLogger("assist")

FeedbackAction = Literal["shown", "inserted", "sent", "dismissed"]
FEEDBACK_ACTIONS: tuple[FeedbackAction, ...] = ("shown", "inserted", "sent", "dismissed")
MAX_FINAL_TEXT = 20_000
MAX_CONVERSATION_ID = 200
MAX_KEY_NAME = 100
MAX_IDEMPOTENCY_KEY = 200
_SUGGESTION_ID = re.compile(SUGGESTION_ID)
_IDEMPOTENCY_KEY = re.compile(rf"[!-~]{{1,{MAX_IDEMPOTENCY_KEY}}}")  # visible ASCII
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


class IdempotencyConflict(InvalidFeedback):
    """An Idempotency-Key reused for another event: a conflict with the stored one (409,
    as the IETF Idempotency-Key draft allows, and a status the API schema can state)."""

    status_code = 409


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
    # A client's retry key, unique per API key name: a retried event is stored once.
    Column("idempotency_key", String(MAX_IDEMPOTENCY_KEY), nullable=True),
    CheckConstraint(
        "action IN (" + ", ".join(f"'{a}'" for a in FEEDBACK_ACTIONS) + ")",
        name="ck_feedback_action",
    ),
    Index("ix_feedback_conversation", "conversation_id", "id"),
    Index("ix_feedback_reply", "entry_id", "reply_id", "action"),
    Index("ix_feedback_created_at", "created_at"),
    # NULLs never collide (SQLite and PostgreSQL alike): events without a key are all kept.
    Index("ux_feedback_idempotency", "key_name", "idempotency_key", unique=True),
)
_IDEMPOTENCY_INDEX = next(i for i in feedback_table.indexes if i.name == "ux_feedback_idempotency")


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


@dataclass(frozen=True)
class Recorded:
    """A stored event's id; `replayed` when an earlier request with the same idempotency
    key stored it."""

    id: int
    replayed: bool = False


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
    """One engine (a connection pool) per process; every method is thread-safe.

    Timeouts, in seconds: `connect_timeout` (PostgreSQL; whole seconds, at least 2),
    `statement_timeout` (PostgreSQL's statement_timeout, SQLite's busy wait) and
    `pool_timeout` (waiting for a pooled connection). A value set in the URL wins.
    After a failed attempt to open the database, writes within `retry_seconds` fail at
    once instead of each waiting for a connect timeout (the app retries in the background).
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: int = 5,
        statement_timeout: float = 5.0,
        pool_timeout: float = 5.0,
        retry_seconds: float = 0.0,
    ):
        self.url = database_url(url)
        self.connect_timeout = max(2, int(connect_timeout))
        self.statement_timeout = statement_timeout
        self.pool_timeout = pool_timeout
        self.retry_seconds = retry_seconds
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        self._attempts = 0  # schema attempts finished, so a waiter can tell one failed
        self._failed_at: float | None = None
        self._last_error = "not opened yet"
        self.engine = self._engine(self.url)

    @property
    def request_bound(self) -> float:
        """The longest one write should take: one wait for each bounded step."""
        return self.connect_timeout + self.pool_timeout + self.statement_timeout

    def _engine(self, url: URL) -> Engine:
        options: dict[str, Any] = {}
        busy_ms = max(1, round(self.statement_timeout * 1000))
        if url.get_backend_name() == "sqlite":
            database = url.database or ""
            if database in ("", ":memory:") or database.startswith("file::memory:"):
                # One shared connection, or every thread would see its own empty database.
                options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
            else:
                _private_sqlite_file(database)
                options = {
                    "connect_args": {"timeout": self.statement_timeout},
                    "pool_timeout": self.pool_timeout,
                }
        else:
            options = {"pool_pre_ping": True, "pool_timeout": self.pool_timeout}
            if url.get_backend_name() == "postgresql" and url.get_driver_name() in (
                "psycopg",
                "psycopg2",
            ):
                options["connect_args"] = self._libpq_timeouts(url)
        try:
            engine = create_engine(url, **options)
        except (ArgumentError, ImportError) as exc:  # unknown dialect or missing driver
            raise StoreConfigError(
                f"database URL {url.render_as_string(hide_password=True)!r}: {exc}"
            ) from exc
        if url.get_backend_name() == "sqlite":
            event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, busy_ms))
        return engine

    def _libpq_timeouts(self, url: URL) -> dict[str, Any]:
        """connect_timeout, and statement_timeout as a startup option (no extra round trip,
        and a rolled-back transaction can't undo it); the URL's own values win."""
        args: dict[str, Any] = {}
        if "connect_timeout" not in url.query:
            args["connect_timeout"] = self.connect_timeout
        given = url.query.get("options", "")
        given = " ".join(given) if isinstance(given, tuple) else given
        if "statement_timeout" not in given:
            ms = max(1, round(self.statement_timeout * 1000))
            args["options"] = f"-c statement_timeout={ms} {given}".strip()
        return args

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def ready(self) -> bool:
        """The tables exist: the database answered at least once."""
        return self._schema_ready

    def start(self, *, report: bool = True) -> bool:
        """Create the tables if needed; False (logged if `report`) if the database is
        unreachable, so the service still starts and a retry, or a write, tries again."""
        try:
            self.create_schema(force=True)
        except StoreUnavailable as exc:
            if report:
                log.error("feedback store not ready: %s", exc)
            return False
        return True

    def create_schema(self, *, force: bool = False) -> None:
        """Create (or upgrade) the tables once. A caller that finds another attempt under
        way waits for it, bounded, and shares its outcome instead of trying again; within
        `retry_seconds` of a failed one, callers fail at once (unless `force`)."""
        if self._schema_ready:
            return
        failed = self._failed_at
        if not force and failed is not None and time.monotonic() - failed < self.retry_seconds:
            raise StoreUnavailable(self._last_error)
        attempts = self._attempts
        if not self._schema_lock.acquire(timeout=self.connect_timeout + self.statement_timeout):
            raise StoreUnavailable(
                f"the database at {self.display_url} is unavailable: still connecting"
            )
        try:
            if self._schema_ready:
                return
            if self._attempts != attempts:  # one failed while we waited
                raise StoreUnavailable(self._last_error)
            try:
                with self.engine.connect():  # unreachable: fail once, bounded by the timeout
                    pass
                try:
                    self._create_or_upgrade()
                except SQLAlchemyError:
                    # Another worker may have created them between the check and the CREATE.
                    self._create_or_upgrade()
            except SQLAlchemyError as exc:
                self._last_error = self._unavailable(exc)
                self._failed_at = time.monotonic()
                raise StoreUnavailable(self._last_error) from exc
            self._schema_ready = True
        finally:
            self._attempts += 1
            self._schema_lock.release()

    def _create_or_upgrade(self) -> None:
        metadata.create_all(self.engine, checkfirst=True)
        # Until migrations arrive: a table from the release before idempotency keys gets
        # the column and its unique index (both steps are no-ops once done).
        columns = {c["name"] for c in inspect(self.engine).get_columns("feedback")}
        if "idempotency_key" not in columns:
            kind = feedback_table.c.idempotency_key.type.compile(dialect=self.engine.dialect)
            with self.engine.begin() as connection:
                connection.execute(text(f"ALTER TABLE feedback ADD COLUMN idempotency_key {kind}"))
            log.warning("feedback table upgraded: column idempotency_key added")
        _IDEMPOTENCY_INDEX.create(self.engine, checkfirst=True)

    def add_feedback(
        self,
        *,
        key_name: str,
        conversation_id: str,
        suggestion_id: str,
        action: str,
        final_text: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Validate and append one event; returns its id."""
        return self.record_feedback(
            key_name=key_name,
            conversation_id=conversation_id,
            suggestion_id=suggestion_id,
            action=action,
            final_text=final_text,
            at=at,
            idempotency_key=idempotency_key,
        ).id

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
    ) -> Recorded:
        """Validate and append one event. With an `idempotency_key` already used by the
        same `key_name`, nothing is written and the first event's id comes back."""
        row = _validated_row(
            key_name, conversation_id, suggestion_id, action, final_text, idempotency_key
        )
        row["created_at"] = at or datetime.now(UTC)
        self.create_schema()
        try:
            return self._insert_once(row)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(self._unavailable(exc)) from exc

    def _insert_once(self, row: dict[str, Any]) -> Recorded:
        keyed = row["idempotency_key"] is not None
        earlier = self._replay(row) if keyed else None
        if earlier is not None:
            return earlier
        try:
            with self.engine.begin() as connection:
                result = connection.execute(insert(feedback_table).values(**row))
                key = result.inserted_primary_key
                assert key is not None
                return Recorded(int(key[0]))
        except IntegrityError as exc:
            # A concurrent request with the same key won the insert: answer with its row.
            earlier = self._replay(row) if keyed else None
            if earlier is None:
                raise StoreError(f"feedback not stored: {_reason(exc)}") from exc
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
        if any(earlier[name] != row[name] for name in _SAME_EVENT):
            raise IdempotencyConflict(
                f"Idempotency-Key {row['idempotency_key'][:80]!r} was already used for a "
                "different event: use a new key for each event, the same one for its retries"
            )
        return Recorded(int(earlier["id"]), replayed=True)

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
        return f"the database at {self.display_url} is unavailable: {_reason(exc)}"


def _reason(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]


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
    if action not in FEEDBACK_ACTIONS:
        raise InvalidFeedback(
            f"action {action[:40]!r} is not one of: {', '.join(FEEDBACK_ACTIONS)}"
        )
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


def _private_sqlite_file(database: str) -> None:
    """Create the SQLite file owner-only (0600) before SQLite does, and tighten one an
    earlier release left readable; SQLite gives its -wal and -shm the file's mode."""
    if database.startswith("file:"):  # a URI: SQLite opens it its own way
        return
    path = Path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        for file in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
            if file.exists() and stat.S_IMODE(file.stat().st_mode) & 0o077:
                file.chmod(0o600)
                log.warning("%s was readable by others; now owner-only (0600)", file)
    except OSError as exc:
        raise StoreConfigError(f"SQLite database {database!r}: {exc}") from exc


def _sqlite_pragmas(connection: Any, busy_ms: int) -> None:
    # WAL lets readers and the writer (one per worker) overlap; a writer waits (bounded by
    # the statement timeout) instead of failing at once.
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    finally:
        cursor.close()
