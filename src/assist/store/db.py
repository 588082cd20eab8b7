"""The database connection every table shares: one engine (a connection pool) per Store.

SQLAlchemy Core, portable SQL only: SQLite by default (a file beside the index),
PostgreSQL by URL (`ASSIST_DATABASE_URL=postgresql://...`) when several replicas share
it. The schema is Alembic's (`migrate.py`): a start applies pending migrations under a
lock, or, with `auto_migrate` off, reports not-ready until `assist db upgrade` ran. Every
wait on the database is bounded (connect, statement, pool), so a silent one costs
seconds, not minutes.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from .errors import StoreConfigError, StoreError, StoreUnavailable

log = logging.getLogger("assist")

# pg_advisory_xact_lock(LOCK_CLASS, hashtext(current_schema() || ':' || purpose)): one
# lock per schema and purpose, so tests in schemas of their own don't wait on each other.
LOCK_CLASS = 0x61737369  # "assi"


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


def reason(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]


def advisory_lock(connection: Connection, purpose: str) -> None:
    """On PostgreSQL, hold `purpose`'s lock until the transaction ends; elsewhere nothing
    (SQLite serialises writers itself)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "SELECT pg_advisory_xact_lock(:c, "
                "hashtext(coalesce(current_schema(), '') || ':' || :p))"
            ),
            {"c": LOCK_CLASS, "p": purpose},
        )


class Database:
    """One engine per process; every method is thread-safe.

    Timeouts, in seconds: `connect_timeout` (PostgreSQL; whole seconds, at least 2),
    `statement_timeout` (PostgreSQL's statement_timeout, SQLite's busy wait) and
    `pool_timeout` (waiting for a pooled connection). A value set in the URL wins.
    After a failed attempt to open the database, calls within `retry_seconds` fail at
    once instead of each waiting for a connect timeout (the app retries in the background).
    `auto_migrate`: apply pending migrations when opening; off, report them instead.
    """

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
        self.url = database_url(url)
        self.connect_timeout = max(2, int(connect_timeout))
        self.statement_timeout = statement_timeout
        self.pool_timeout = pool_timeout
        self.retry_seconds = retry_seconds
        self.auto_migrate = auto_migrate
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

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database's file; None for PostgreSQL, memory or a `file:` URI."""
        database = self.url.database or ""
        if self.url.get_backend_name() != "sqlite" or _in_memory(database):
            return None
        return None if database.startswith("file:") else Path(database)

    def _engine(self, url: URL) -> Engine:
        options: dict[str, Any] = {}
        busy_ms = max(1, round(self.statement_timeout * 1000))
        if url.get_backend_name() == "sqlite":
            database = url.database or ""
            if _in_memory(database):
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
    def ready(self) -> bool:
        """The schema is current: the database answered and migrations are applied."""
        return self._schema_ready

    def start(self, *, report: bool = True) -> bool:
        """Open the database and bring its schema up to date (see `auto_migrate`); False
        (logged if `report`) if it is unreachable or needs `assist db upgrade`, so the
        service still starts and a retry, or a write, tries again."""
        try:
            self.create_schema(force=True)
        except StoreUnavailable as exc:
            if report:
                log.error("store not ready: %s", exc)
            return False
        return True

    def create_schema(self, *, force: bool = False) -> None:
        """Make the schema current once per process. A caller that finds another attempt
        under way waits for it, bounded, and shares its outcome instead of trying again;
        within `retry_seconds` of a failed one, callers fail at once (unless `force`)."""
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
                self._migrate()
            except SQLAlchemyError as exc:
                self._last_error = self.unavailable(exc)
                self._failed_at = time.monotonic()
                raise StoreUnavailable(self._last_error) from exc
            except StoreUnavailable as exc:
                self._last_error = str(exc)
                self._failed_at = time.monotonic()
                raise
            self._schema_ready = True
        finally:
            self._attempts += 1
            self._schema_lock.release()

    def _migrate(self) -> None:
        from . import migrate  # alembic loads only when a database is opened

        if self.auto_migrate:
            before, after = migrate.upgrade(self)
            if before != after:
                log.info("database schema upgraded: %s -> %s", before or "empty", after)
        else:
            migrate.require_current(self)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reading, once the schema is current. IntegrityError passes
        through (the caller knows what it means); other failures are StoreUnavailable."""
        self.create_schema()
        try:
            with self.engine.connect() as connection:
                yield connection
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise StoreUnavailable(self.unavailable(exc)) from exc

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Like `connect`, inside one transaction committed at the end."""
        self.create_schema()
        try:
            with self.engine.begin() as connection:
                yield connection
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise StoreUnavailable(self.unavailable(exc)) from exc

    def close(self) -> None:
        self.engine.dispose()

    def unavailable(self, exc: SQLAlchemyError) -> str:
        return f"the database at {self.display_url} is unavailable: {reason(exc)}"


def integrity_error(exc: IntegrityError, what: str) -> StoreError:
    return StoreError(f"{what} not stored: {reason(exc)}")


def _in_memory(database: str) -> bool:
    return database in ("", ":memory:") or database.startswith("file::memory:")


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
