"""Alembic migrations: a fresh database, one holding the schema from before migrations
(every row kept), replicas upgrading at once, auto_migrate off, `assist db`."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from assist.cli.main import main
from assist.store import migrate
from assist.store.errors import SchemaOutdated
from assist.store.feedback import Store
from assist.store.tables import metadata
from served import answer

TABLES = {
    "answers",
    "unmatched",
    "feedback",
    "snippets",
    "api_keys",
    "followups",
    "followup_deliveries",
    "check_log",
    "check_codes",
    "alembic_version",
}


def differences(store: Store) -> list:
    """What the live schema lacks or has beyond the tables the code uses."""
    with store.engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), metadata)
    return [d for d in found if not (d[0] == "remove_table" and d[1].name == "alembic_version")]


def versions(store: Store) -> list[str]:
    with store.engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def test_a_fresh_database_gets_every_table_at_the_newest_revision(db):
    assert set(inspect(db.engine).get_table_names()) == TABLES
    assert versions(db) == [migrate.head()] == ["0006"]
    assert migrate.state(db).pending == ()
    assert differences(db) == []  # the migrations make exactly the tables the code uses


# The feedback table as the releases before migrations created it (metadata.create_all),
# frozen here as plain SQL so it can't follow the code; `{id}`/`{ts}` per dialect.
BEFORE_MIGRATIONS = [
    """CREATE TABLE feedback (
        id {id} NOT NULL,
        created_at {ts} NOT NULL,
        key_name VARCHAR(100) NOT NULL,
        conversation_id VARCHAR(200) NOT NULL,
        suggestion_id VARCHAR(300) NOT NULL,
        entry_id VARCHAR(100) NOT NULL,
        reply_id VARCHAR(100) NOT NULL,
        lang VARCHAR(8) NOT NULL,
        variant INTEGER NOT NULL,
        action VARCHAR(16) NOT NULL,
        final_text TEXT,
        idempotency_key VARCHAR(200),
        PRIMARY KEY (id),
        CONSTRAINT ck_feedback_action CHECK (action IN ('shown', 'inserted', 'sent', 'dismissed'))
    )""",
    "CREATE INDEX ix_feedback_conversation ON feedback (conversation_id, id)",
    "CREATE INDEX ix_feedback_created_at ON feedback (created_at)",
    "CREATE INDEX ix_feedback_reply ON feedback (entry_id, reply_id, action)",
    "CREATE UNIQUE INDEX ux_feedback_idempotency ON feedback (key_name, idempotency_key)",
]
TYPES = {
    "sqlite": {"id": "INTEGER", "ts": "DATETIME"},
    "postgresql": {"id": "BIGSERIAL", "ts": "TIMESTAMP WITH TIME ZONE"},
}
ROWS = [
    ("agent-1", "c-1", "order-late/check-tracking/en/0", "shown", None, None),
    ("agent-1", "c-1", "order-late/check-tracking/en/0", "sent", "Sara, it left.", "retry-1"),
    ("agent-2", "c-2", "angry-customer/acknowledge/fa/1", "dismissed", None, None),
]


def schema_before_migrations(url: str, *, idempotency: bool) -> None:
    """Today's schema and ROWS; without `idempotency`, the release before that column."""
    engine = create_engine(url)
    statements = [s.format(**TYPES[engine.dialect.name]) for s in BEFORE_MIGRATIONS]
    if not idempotency:
        statements[0] = statements[0].replace("idempotency_key VARCHAR(200),", "")
        statements.pop()  # and its unique index
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
        for key_name, conversation, suggestion, action, final, retry in ROWS:
            entry, reply, lang, variant = suggestion.split("/")
            values = {
                "at": datetime(2024, 5, 1, tzinfo=UTC),
                "key_name": key_name,
                "conversation": conversation,
                "suggestion": suggestion,
                "entry": entry,
                "reply": reply,
                "lang": lang,
                "variant": int(variant),
                "action": action,
                "final": final,
            }
            columns = "created_at, key_name, conversation_id, suggestion_id, entry_id, "
            columns += "reply_id, lang, variant, action, final_text"
            names = ":at, :key_name, :conversation, :suggestion, :entry, :reply, :lang, "
            names += ":variant, :action, :final"
            if idempotency:
                columns, names, values["retry"] = (
                    columns + ", idempotency_key",
                    names + ", :retry",
                    retry,
                )
            connection.execute(text(f"INSERT INTO feedback ({columns}) VALUES ({names})"), values)
    engine.dispose()


@pytest.mark.parametrize("idempotency", [True, False], ids=["today", "before-idempotency"])
def test_a_database_from_before_migrations_is_adopted_with_every_row(store_url, idempotency):
    schema_before_migrations(store_url, idempotency=idempotency)
    store = Store(store_url, auto_migrate=False)
    found = migrate.state(store)
    assert found.adopts and found.pending == ("0001", "0002", "0003", "0004", "0005", "0006")
    assert "from before migrations" in found.describe()
    store.close()

    store = Store(store_url)
    try:
        assert store.start()
        events = store.feedback()
        assert [
            (e.key_name, e.conversation_id, e.suggestion_id, e.action, e.final_text) for e in events
        ] == [row[:5] for row in ROWS]
        expected_keys = [row[5] for row in ROWS] if idempotency else [None] * len(ROWS)
        assert [e.idempotency_key for e in events] == expected_keys
        assert versions(store) == ["0006"]
        assert differences(store) == []  # the column and unique index are there
        served = answer("c-9", "order-late/check-tracking/en/0")
        store.answers.add_many([served])
        again = store.record_feedback(
            key_name="agent-1",
            conversation_id="c-9",
            suggestion_id="order-late/check-tracking/en/0",
            action="shown",
            idempotency_key="new",
            answer_id=served.id,
        )
        assert store.record_feedback(
            key_name="agent-1",
            conversation_id="c-9",
            suggestion_id="order-late/check-tracking/en/0",
            action="shown",
            idempotency_key="new",
            answer_id=served.id,
        ).replayed
        assert again.id > max(e.id for e in events)
    finally:
        store.close()


def test_threads_upgrading_at_once_all_succeed(store_url):
    stores = [Store(store_url) for _ in range(4)]
    start = threading.Barrier(len(stores))
    results: list[object] = []

    def upgrade(store: Store) -> None:
        start.wait()
        try:
            results.append(migrate.upgrade(store))
        except Exception as exc:  # reported below, with the others' results
            results.append(exc)

    threads = [threading.Thread(target=upgrade, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        # one applied the migrations; the others, waiting on the lock, found nothing to do
        assert sorted(results, key=repr) == [("0006", "0006")] * 3 + [(None, "0006")], results
        assert set(inspect(stores[0].engine).get_table_names()) == TABLES
        assert versions(stores[0]) == ["0006"]
        assert differences(stores[0]) == []
    finally:
        for store in stores:
            store.close()


def test_two_processes_upgrading_one_database_both_succeed(store_url):
    # Separate processes: the database's lock (advisory on PostgreSQL, flock beside the
    # SQLite file) is what keeps them apart, not the in-process one.
    command = [sys.executable, "-m", "assist", "db", "upgrade", "--url", store_url]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    said = sorted(out.split(": ", 1)[1].strip() for out, _ in outputs)
    assert said == ["already at 0006", "upgraded empty -> 0006"]
    store = Store(store_url)
    try:
        assert versions(store) == ["0006"] and differences(store) == []
    finally:
        store.close()


def test_with_auto_migrate_off_a_start_waits_for_assist_db_upgrade(store_url, caplog):
    store = Store(store_url, auto_migrate=False)
    try:
        with caplog.at_level(logging.ERROR, logger="assist"):
            assert store.start() is False
        assert "run `assist db upgrade`" in caplog.text and "6 pending" in caplog.text
        assert not store.ready
        with pytest.raises(SchemaOutdated, match="assist db upgrade") as caught:
            store.add_feedback(
                key_name="a", conversation_id="c", suggestion_id="a/b/en/0", action="shown"
            )
        assert caught.value.status_code == 503
        assert inspect(store.engine).get_table_names() == []  # nothing was applied

        result = CliRunner().invoke(main, ["db", "current", "--url", store_url])
        assert result.exit_code == 1 and "empty" in result.output and "0006" in result.output
        result = CliRunner().invoke(main, ["db", "upgrade", "--url", store_url])
        assert result.exit_code == 0 and "upgraded empty -> 0006" in result.output
        result = CliRunner().invoke(main, ["db", "current", "--url", store_url])
        assert result.exit_code == 0 and "current (revision 0006)" in result.output

        assert store.start() is True  # the next retry finds it current
    finally:
        store.close()


def test_a_schema_newer_than_this_release_is_served_with_a_warning(db, store_url, caplog):
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    for auto_migrate in (True, False):
        store = Store(store_url, auto_migrate=auto_migrate)
        try:
            with caplog.at_level(logging.WARNING, logger="assist"):
                assert store.start()
            assert "revision 0099, newer than this release knows" in caplog.text
        finally:
            store.close()
    assert versions(db) == ["0099"]  # left alone


def test_an_unreachable_database_is_a_clear_cli_error():
    result = CliRunner().invoke(
        main,
        ["db", "upgrade", "--url", "postgresql://nobody:secret@127.0.0.1:1/x?connect_timeout=2"],
    )
    assert result.exit_code == 1 and "unavailable" in result.output
    assert "secret" not in result.output
