"""Schema migrations: Alembic, run from code (no alembic.ini), scripts in ./migrations.

`upgrade` applies what is pending under a lock, so replicas starting together on one
PostgreSQL don't race: a transaction-level advisory lock there (PostgreSQL's DDL is
transactional, so an upgrade is all or nothing), an exclusive `flock` on a file beside
the database on SQLite. The first revision adopts a feedback table created before
migrations existed, keeping every row.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from .db import Database, advisory_lock
from .errors import SchemaOutdated, StoreUnavailable

log = logging.getLogger("assist")

MIGRATIONS = Path(__file__).parent / "migrations"
# Waiting for another process's migration, and each migration statement: an index built
# over a large feedback table may take minutes, unlike a request's statement.
MIGRATION_TIMEOUT = 300.0
# Alembic's `context` and `op` are module globals: one migration at a time per process.
_ONE_AT_A_TIME = threading.Lock()


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this release knows."""
    newest = _scripts().get_current_head()
    assert newest is not None
    return newest


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: no alembic_version (empty, or a table from before)
    head: str
    pending: tuple[str, ...]  # oldest first
    unknown: bool = False  # `current` is newer than this release
    adopts: bool = False  # a feedback table from before migrations will be adopted

    def describe(self) -> str:
        if self.unknown:
            return (
                f"the database schema is at revision {self.current}, newer than this "
                f"release knows (its newest is {self.head}): upgrade assist"
            )
        if not self.pending:
            return f"the database schema is current (revision {self.head})"
        if self.current:
            found = f"at revision {self.current}"
        else:
            found = "from before migrations (kept, rows and all)" if self.adopts else "empty"
        return (
            f"the database schema is {found}; this release needs {self.head} "
            f"({len(self.pending)} pending: {', '.join(self.pending)})"
        )


def _state(connection: Connection) -> SchemaState:
    current = MigrationContext.configure(connection).get_current_revision()
    newest = head()
    try:
        pending = [
            script.revision for script in _scripts().iterate_revisions(newest, current or "base")
        ]
    except (CommandError, RevisionError):  # a revision this release doesn't have
        return SchemaState(current, newest, (), unknown=True)
    adopts = current is None and "feedback" in inspect(connection).get_table_names()
    return SchemaState(current, newest, tuple(reversed(pending)), adopts=adopts)


def state(database: Database) -> SchemaState:
    with database.engine.connect() as connection:
        return _state(connection)


def require_current(database: Database) -> None:
    """SchemaOutdated unless the schema is current (an unknown newer one is accepted:
    migrations only add, so an older replica keeps working during a rolling upgrade)."""
    found = state(database)
    if found.unknown:
        log.warning("%s", found.describe())
    elif found.pending:
        raise SchemaOutdated(f"{found.describe()}: run `assist db upgrade`")


def upgrade(
    database: Database, *, timeout: float = MIGRATION_TIMEOUT
) -> tuple[str | None, str | None]:
    """Apply pending migrations under the lock; the revision before and after."""
    with (
        _ONE_AT_A_TIME,
        _file_lock(database.sqlite_file, timeout),
        database.engine.begin() as connection,
    ):
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {int(timeout * 1000)}"))
        advisory_lock(connection, "migrate")
        found = _state(connection)  # read under the lock: another process may have done it
        if found.unknown:
            log.warning("%s", found.describe())
            return found.current, found.current
        if found.pending:
            command.upgrade(_config(connection), "head")
        return found.current, found.head


@contextlib.contextmanager
def _file_lock(database_file: Path | None, timeout: float) -> Iterator[None]:
    """An exclusive flock on `<database>-migrate.lock` (owner-only, like the database);
    nothing for PostgreSQL or an in-memory database."""
    if database_file is None:
        yield
        return
    path = database_file.with_name(database_file.name + "-migrate.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreUnavailable(
                        f"{path}: another process has been migrating the database for {timeout:g} s"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
