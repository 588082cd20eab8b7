"""Issue 10, the data: a silent database, duplicate feedback, personal data at rest, the
SQLite file's mode, API keys in the access log."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    inspect,
    select,
    text,
)

from assist.api import create_app
from assist.store.feedback import FEEDBACK_ACTIONS, InvalidFeedback, Store, feedback_table
from conftest import AGENT_KEY, PG_HOST, PG_PORT, build
from served import acted, serve, show_first

AGENT = {"Authorization": f"Bearer {AGENT_KEY}"}
EVENT = {
    "key_name": "agent-1",
    "conversation_id": "c-1",
    "suggestion_id": "order-late/check-tracking/en/1",
    "action": "inserted",
    "final_text": "Sara, I checked order A-1042: it left the hub.",
}
BODY = {k: v for k, v in EVENT.items() if k != "key_name"}


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'assist.sqlite'}")
    assert store.start()
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "pg"])
def store(request) -> Store:
    return request.getfixturevalue(f"{request.param}_store")


# ------------------------------------------------------------------ a silent database


class TcpStub:
    """A loopback port that accepts connections and, while `silent`, never answers (a
    PostgreSQL behind a broken proxy or a full backlog); otherwise it forwards to
    `upstream`."""

    def __init__(self, upstream: tuple[str, int] | None = None):
        self.upstream = upstream
        self.silent = True
        self._sockets: list[socket.socket] = []
        self._server = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self._sockets.append(client)
            if not self.silent and self.upstream:
                server = socket.create_connection(self.upstream)
                self._sockets.append(server)
                for a, b in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._server.close()
        for s in self._sockets:
            s.close()


@pytest.fixture
def silent_db() -> Iterator[TcpStub]:
    stub = TcpStub()
    yield stub
    stub.close()


def silent_settings(api_settings, port: int, **extra):
    return api_settings.model_copy(
        update={
            "database_url": f"postgresql://nobody:secret@127.0.0.1:{port}/assist",
            "database_connect_timeout": 2,  # libpq's minimum
            "database_statement_timeout": 1.0,
            "database_pool_timeout": 1.0,
            **extra,
        }
    )


def test_a_silent_database_neither_blocks_startup_nor_hangs_feedback(api_settings, silent_db):
    """Before: startup waited for the database (psycopg's default 130 s connect timeout;
    188 s seen in the campaign) and a feedback request hung as long."""
    build(api_settings)
    settings = silent_settings(api_settings, silent_db.port)
    started = time.monotonic()
    with TestClient(create_app(settings)) as client:
        assert time.monotonic() - started < 4
        suggest = {"conversation_id": "c-1", "message": "my order is late"}
        assert client.post("/v1/suggest", json=suggest, headers=AGENT).status_code == 200
        asked = time.monotonic()
        refused = client.post("/v1/feedback", json=BODY, headers=AGENT)
        took = time.monotonic() - asked
        assert refused.status_code == 503, refused.text
        assert "unavailable" in refused.json()["detail"] and "secret" not in refused.text
        # connect (2 s) + pool (1 s) + statement (1 s) bound the request; some slack.
        assert took < 4 + 2
        assert client.get("/healthz").status_code == 200


def test_a_database_that_comes_back_is_opened_in_the_background(api_settings, pg_store):
    base = pg_store.url
    stub = TcpStub(upstream=(PG_HOST, PG_PORT))
    try:
        build(api_settings)
        url = base.set(host="127.0.0.1", port=stub.port).render_as_string(hide_password=False)
        settings = silent_settings(api_settings, stub.port, database_retry_seconds=0.2)
        settings = settings.model_copy(update={"database_url": url})
        with TestClient(create_app(settings)) as client:
            store: Store = client.app.state.store  # type: ignore[attr-defined]
            assert client.post("/v1/feedback", json=BODY, headers=AGENT).status_code == 503
            assert not store.ready
            stub.silent = False
            deadline = time.monotonic() + 15
            while not store.ready and time.monotonic() < deadline:
                time.sleep(0.1)
            assert store.ready  # no request was needed to open it
            shown = show_first(client, AGENT, "c-1")
            body = {**BODY, "suggestion_id": shown["id"]}
            assert client.post("/v1/feedback", json=body, headers=AGENT).status_code == 201
    finally:
        stub.close()


def test_postgresql_sessions_carry_a_statement_timeout(pg_store):
    store = Store(pg_store.url.render_as_string(hide_password=False), statement_timeout=0.5)
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "500ms"
            started = time.monotonic()
            with pytest.raises(Exception, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(5)"))
            assert time.monotonic() - started < 3
    finally:
        store.close()


def test_a_statement_timeout_in_the_url_wins(pg_store):
    url = pg_store.url.render_as_string(hide_password=False)
    url = url.replace("options=", "options=-cstatement_timeout%3D7000%20")
    store = Store(url, statement_timeout=0.5)
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "7s"
            # and the schema from the same options still applies
            assert "assist_test_" in connection.execute(text("SHOW search_path")).scalar()
    finally:
        store.close()


def test_timeouts_reach_the_pool_and_sqlite(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.sqlite'}", statement_timeout=1.5, pool_timeout=2.5)
    try:
        assert store.engine.pool.timeout() == 2.5  # type: ignore[attr-defined]
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1500
    finally:
        store.close()


def test_settings_carry_the_timeouts(api_settings):
    assert api_settings.database_connect_timeout == 5
    assert api_settings.database_statement_timeout == 5.0
    assert api_settings.database_pool_timeout == 5.0
    app = create_app(api_settings.model_copy(update={"database_statement_timeout": 1.25}))
    assert app.state.store.statement_timeout == 1.25


# ------------------------------------------------------------------ idempotency


def test_a_retried_event_with_its_key_is_stored_once(store):
    serve(store, "c-1", EVENT["suggestion_id"])
    first = store.record_feedback(**EVENT, idempotency_key="req-1")
    again = store.record_feedback(**EVENT, idempotency_key="req-1")
    assert first.id == again.id and not first.replayed and again.replayed
    assert len(acted(store)) == 1
    assert acted(store)[0].idempotency_key == "req-1"


def test_a_retried_sent_stored_as_rewritten_is_replayed_not_refused(store):
    serve(store, "c-1", EVENT["suggestion_id"])
    store.add_feedback(**EVENT)
    rewritten = {**EVENT, "action": "sent", "final_text": "Something else entirely, sorry."}
    first = store.record_feedback(**rewritten, idempotency_key="req-2")
    again = store.record_feedback(**rewritten, idempotency_key="req-2")
    assert (first.action, again.action) == ("sent_rewritten", "sent_rewritten")
    assert again.replayed and again.id == first.id and len(acted(store)) == 2


def test_idempotency_keys_are_scoped_to_the_api_key(store):
    serve(store, "c-1", EVENT["suggestion_id"])
    mine = store.record_feedback(**EVENT, idempotency_key="req-1")
    theirs = store.record_feedback(**{**EVENT, "key_name": "agent-2"}, idempotency_key="req-1")
    assert mine.id != theirs.id and not theirs.replayed
    assert len(acted(store)) == 2


def test_events_without_a_key_are_never_merged(store):
    serve(store, "c-1", EVENT["suggestion_id"])
    store.add_feedback(**EVENT)
    store.add_feedback(**EVENT)
    assert len(acted(store)) == 2


def test_a_key_reused_for_another_event_is_refused(store):
    serve(store, "c-1", EVENT["suggestion_id"])
    store.record_feedback(**EVENT, idempotency_key="req-1")
    with pytest.raises(InvalidFeedback, match="Idempotency-Key"):
        store.record_feedback(**{**EVENT, "action": "sent"}, idempotency_key="req-1")
    assert len(acted(store)) == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "émoji", "a\nb"])
def test_malformed_idempotency_keys_are_refused(sqlite_store, key):
    with pytest.raises(InvalidFeedback, match="Idempotency-Key"):
        sqlite_store.record_feedback(**EVENT, idempotency_key=key)


def test_concurrent_retries_make_one_row(store):
    serve(store, "c-1", EVENT["suggestion_id"])
    ids: list[int] = []

    def retry() -> None:
        ids.append(store.record_feedback(**EVENT, idempotency_key="burst").id)

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 8 and len(set(ids)) == 1
    assert len(acted(store)) == 1


@pytest.fixture
def client(api_settings) -> Iterator[TestClient]:
    build(api_settings)
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def test_the_api_replays_a_retry_with_the_same_id(client):
    headers = {**AGENT, "Idempotency-Key": "4f1c2a9e-retry"}
    body = {**BODY, "suggestion_id": show_first(client, AGENT, "c-1")["id"]}
    first = client.post("/v1/feedback", json=body, headers=headers)
    again = client.post("/v1/feedback", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert len(acted(client.app.state.store)) == 1  # type: ignore[attr-defined]
    other = client.post("/v1/feedback", json={**body, "action": "sent"}, headers=headers)
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]


@pytest.mark.parametrize("key", ["", "x" * 201, "has space"])
def test_the_api_refuses_a_malformed_idempotency_key(client, key):
    response = client.post("/v1/feedback", json=BODY, headers={**AGENT, "Idempotency-Key": key})
    assert response.status_code == 422 and response.json()["detail"]
    assert client.app.state.store.feedback() == []  # type: ignore[attr-defined]


def test_the_widget_origin_may_send_an_idempotency_key(api_settings):
    build(api_settings)
    origin = "https://chat.example.com"
    settings = api_settings.model_copy(update={"cors_origins": [origin]})
    with TestClient(create_app(settings)) as test_client:
        preflight = test_client.options(
            "/v1/feedback",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
            },
        )
        assert preflight.status_code == 200
        assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()


# ------------------------------------------------------------------ schema upgrade

OLD_METADATA = MetaData()
OLD_FEEDBACK = Table(  # the table as the previous release created it
    "feedback",
    OLD_METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("key_name", String(100), nullable=False),
    Column("conversation_id", String(200), nullable=False),
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
)


@pytest.fixture(params=["sqlite", "pg"])
def old_database_url(request, tmp_path) -> str:
    """A database holding the previous release's table and one row in it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    else:
        url = request.getfixturevalue("pg_store").url.render_as_string(hide_password=False)
    engine = create_engine(url)
    with engine.begin() as connection:
        OLD_METADATA.create_all(connection)
        connection.execute(
            OLD_FEEDBACK.insert().values(
                created_at=time_now(),
                key_name="agent-1",
                conversation_id="c-0",
                suggestion_id="order-late/check-tracking/en/0",
                entry_id="order-late",
                reply_id="check-tracking",
                lang="en",
                variant=0,
                action="shown",
            )
        )
    engine.dispose()
    return url


def time_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_an_existing_table_gets_the_idempotency_column_and_index(old_database_url):
    for _ in range(2):  # a second start on the upgraded table changes nothing
        store = Store(old_database_url)
        try:
            assert store.start()
            columns = {c["name"] for c in inspect(store.engine).get_columns("feedback")}
            assert "idempotency_key" in columns
            old = store.feedback()[0]
            assert old.conversation_id == "c-0" and old.idempotency_key is None
            serve(store, "c-1", EVENT["suggestion_id"])
            first = store.record_feedback(**EVENT, idempotency_key=f"k-{_}")
            assert store.record_feedback(**EVENT, idempotency_key=f"k-{_}").id == first.id
        finally:
            store.close()
    engine = create_engine(old_database_url)
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("feedback")}
    engine.dispose()
    assert indexes["ux_feedback_idempotency"]["unique"]


# ------------------------------------------------------------------ personal data at rest

PERSONAL = (
    "Sara, card 6037-9912-3456-7893 is refunded; we'll call 0912 123 4567 or write to "
    "sara@example.com. Order A-1042, 2,500,000 تومان."
)
MASKED = (
    "Sara, card [card] is refunded; we'll call [phone] or write to "
    "[email]. Order A-1042, 2,500,000 تومان."
)


def test_final_text_is_masked_before_it_is_written(store):
    serve(store, "c-1", EVENT["suggestion_id"])
    store.add_feedback(**{**EVENT, "final_text": PERSONAL})
    with store.engine.connect() as connection:
        raw = connection.execute(
            select(feedback_table.c.final_text).where(feedback_table.c.action == "inserted")
        ).scalar_one()
    assert raw == MASKED
    assert "6037" not in raw and "0912" not in raw and "@" not in raw


def test_persian_personal_data_is_masked_too(store):
    final = "سارا جان، مبلغ به کارت ۶۰۳۷۹۹۱۲۳۴۵۶۷۸۹۳ و شبای IR062960000000100324200001 برگشت."
    serve(store, "c-1", "order-late/check-tracking/fa/0")
    store.add_feedback(
        **{**EVENT, "suggestion_id": "order-late/check-tracking/fa/0", "final_text": final}
    )
    assert acted(store)[0].final_text == "سارا جان، مبلغ به کارت [card] و شبای [iban] برگشت."


def test_the_api_stores_final_text_masked(client):
    shown = show_first(client, AGENT, "c-1")
    body = {**BODY, "suggestion_id": shown["id"], "final_text": PERSONAL}
    response = client.post("/v1/feedback", json=body, headers=AGENT)
    assert response.status_code == 201
    (event,) = acted(client.app.state.store)  # type: ignore[attr-defined]
    assert event.final_text == MASKED


# ------------------------------------------------------------------ the SQLite file


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_file_and_its_companions_are_private(tmp_path):
    old_umask = os.umask(0o022)  # a usual umask would give 0644
    try:
        path = tmp_path / "data" / "assist.sqlite"
        store = Store(f"sqlite:///{path}")
        serve(store, "c-1", EVENT["suggestion_id"])  # WAL: -wal and -shm exist while open
        files = [path, *(p for p in path.parent.iterdir() if p.name != path.name)]
        assert {p.name for p in files} >= {
            "assist.sqlite",
            "assist.sqlite-wal",
            "assist.sqlite-shm",
        }
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        store.close()
    finally:
        os.umask(old_umask)


def test_an_existing_readable_sqlite_file_is_made_private(tmp_path):
    path = tmp_path / "assist.sqlite"
    Store(f"sqlite:///{path}").start()
    path.chmod(0o644)
    store = Store(f"sqlite:///{path}")
    assert mode(path) == 0o600
    store.close()


# ------------------------------------------------------------------ the access log

SECRET = "ak_leaked-in-a-query-string-0123456789"


def access_record(path: str) -> logging.LogRecord:
    """The record uvicorn's access logger makes (uvicorn/protocols/http/h11_impl.py)."""
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50000", "POST", path, "1.1", 401),
        None,
    )


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/suggest?api_key={SECRET}",
        f"/v1/feedback?x=1&key={SECRET}",
        f"/widget?token={SECRET}",
        f"/healthz?anything={SECRET}",
        f"/metrics?{SECRET}",
    ],
)
def test_the_access_log_filter_redacts_keys_in_query_strings(path):
    from assist.api.access_log import AccessLogRedactor

    record = access_record(path)
    assert AccessLogRedactor().filter(record)
    message = record.getMessage()
    assert SECRET not in message and "ak_" not in message
    assert message.startswith('127.0.0.1:50000 - "POST /') and message.endswith('HTTP/1.1" 401')


def test_v1_query_strings_are_never_logged_and_others_keep_harmless_ones():
    from assist.api.access_log import AccessLogRedactor

    record = access_record("/v1/suggest?lang=fa")
    AccessLogRedactor().filter(record)
    assert "lang=fa" not in record.getMessage() and "/v1/suggest" in record.getMessage()
    record = access_record("/widget/demo?lang=fa&key=abc")
    AccessLogRedactor().filter(record)
    assert "lang=fa" in record.getMessage() and "abc" not in record.getMessage()


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_key_sent_in_the_query_string_never_reaches_the_access_log(api_settings):
    """Through uvicorn itself: the record its access logger makes is the one filtered."""
    import uvicorn

    build(api_settings)
    app = create_app(api_settings)  # installs the filter
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # No log_config: leave the test process's logging alone; access_log on.
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=True))
    access = logging.getLogger("uvicorn.access")
    capture = Capture()
    access.addHandler(capture)
    level = access.level
    access.setLevel(logging.INFO)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        response = httpx.post(
            f"http://127.0.0.1:{port}/v1/suggest?api_key={SECRET}",
            json={"conversation_id": "c-1", "message": "my order is late"},
            timeout=10,
        )
        assert response.status_code == 401
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        access.removeHandler(capture)
        access.setLevel(level)
    assert any("/v1/suggest" in m for m in capture.messages), capture.messages
    assert not any(SECRET in m for m in capture.messages)
