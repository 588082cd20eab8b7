"""Issue 10, the edge: auth switched off on a public interface, bodies that stall the
event loop, slow clients that hold connections, and messages that cost seconds."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from fastapi.testclient import TestClient

from assist.api import create_app
from assist.cli import main
from assist.core import text as text_module
from assist.core.embed import HashEmbedder
from assist.core.suggest import Query, Suggester
from assist.settings import Settings
from conftest import AGENT_KEY, FIXTURE_PLAYBOOKS, LiveServer, build

AGENT = {"Authorization": f"Bearer {AGENT_KEY}"}
JSON = {**AGENT, "Content-Type": "application/json"}
BODY = {"conversation_id": "c-1", "message": "my order is late"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _serving(config: uvicorn.Config) -> Iterator[uvicorn.Server]:
    """A real uvicorn server in a background thread (like conftest.LiveServer, any config)."""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(10)


def _non_loopback_address() -> str | None:
    """This machine's address on its main interface, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


async def _call(app: Any, scope_update: dict[str, Any], receive: Any) -> list[dict[str, Any]]:
    """One HTTP request straight into the ASGI app; the messages it sent back."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/suggest",
        "raw_path": b"/v1/suggest",
        "query_string": b"",
        "root_path": "",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
        **scope_update,
    }
    with anyio.fail_after(5):
        await app(scope, receive, send)
    return sent


def _status_and_body(sent: list[dict[str, Any]]) -> tuple[int, dict[str, Any], dict[bytes, bytes]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), dict(start["headers"])


# ------------------------------------------------------------ 1. auth off, public interface


@pytest.fixture
def open_settings(api_settings: Settings) -> Settings:
    build(api_settings)
    return api_settings.model_copy(update={"api_keys": [], "auth_disabled": True})


@pytest.mark.parametrize(
    ("base_url", "client", "status"),
    [
        ("http://192.0.2.10:8000", ("127.0.0.1", 50000), 403),  # listens on a public address
        ("http://127.0.0.1:8000", ("203.0.113.5", 50000), 403),  # a remote caller
        ("http://[::1]:8000", ("::1", 50000), 200),
        ("http://127.0.0.1:8000", ("127.0.0.1", 50000), 200),
    ],
)
def test_auth_off_answers_only_loopback_to_loopback(open_settings, base_url, client, status):
    app = create_app(open_settings)
    with TestClient(app, base_url=base_url, client=client) as caller:
        for response in (caller.post("/v1/admin/reload"), caller.get("/healthz")):
            assert response.status_code == status
            if status == 403:
                assert "loopback" in response.json()["detail"]


def test_auth_off_warning_does_not_claim_an_address(open_settings, caplog):
    caplog.set_level(logging.WARNING, "assist")
    local = ("127.0.0.1", 50000)
    with TestClient(create_app(open_settings), base_url="http://127.0.0.1", client=local):
        pass
    warning = next(r.getMessage() for r in caplog.records if "AUTH IS DISABLED" in r.getMessage())
    assert "loopback" in warning and "127.0.0.1" not in warning


def test_the_documented_factory_on_all_interfaces_serves_only_loopback(open_settings, monkeypatch):
    for name, value in {
        "ASSIST_AUTH_DISABLED": "true",
        "ASSIST_EMBEDDER": "hash",
        "ASSIST_INDEX_DIR": str(open_settings.index_dir),
        "ASSIST_PLAYBOOKS_DIR": str(FIXTURE_PLAYBOOKS),
        "ASSIST_API_KEYS_FILE": str(open_settings.api_keys_file),
        "ASSIST_RELOAD_POLL_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    port = _free_port()
    config = uvicorn.Config(
        "assist.api:app_from_env", factory=True, host="0.0.0.0", port=port, log_level="warning"
    )
    with _serving(config):
        local = httpx.post(f"http://127.0.0.1:{port}/v1/admin/reload", timeout=10)
        assert local.status_code == 200
        public = _non_loopback_address()
        if public is None:
            pytest.skip("no non-loopback address on this machine")
        remote = httpx.post(f"http://{public}:{port}/v1/admin/reload", timeout=10)
        assert remote.status_code == 403 and "loopback" in remote.json()["detail"]


def test_serve_refuses_auth_off_on_a_public_host_in_one_line(monkeypatch):
    monkeypatch.setenv("ASSIST_HOST", "127.0.0.1")  # `serve` writes it; restored after
    monkeypatch.setenv("ASSIST_AUTH_DISABLED", "true")
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "loopback" in lines[0] and "0.0.0.0" in lines[0]
    assert "Traceback" not in result.output


# ------------------------------------------------------------ 2. one body stalls everyone


def test_a_huge_history_is_a_small_quick_422_that_stalls_no_one(api_settings):
    build(api_settings)
    body = json.dumps({"conversation_id": "c", "message": "hi", "history": [{}] * 60_000})
    assert len(body) < api_settings.max_body_bytes  # within the body limit
    with LiveServer(create_app(api_settings)) as server, httpx.Client(timeout=30) as probe:
        probe.get(server.url + "/healthz")
        answers: list[httpx.Response] = []

        def attack() -> None:
            with httpx.Client(timeout=30) as attacker:
                for _ in range(3):
                    answers.append(
                        attacker.post(server.url + "/v1/suggest", content=body, headers=JSON)
                    )

        thread = threading.Thread(target=attack)
        thread.start()
        worst = 0.0
        while thread.is_alive():
            started = time.perf_counter()
            assert probe.get(server.url + "/healthz").status_code == 200
            worst = max(worst, time.perf_counter() - started)
        thread.join()
    for answer in answers:
        assert answer.status_code == 422 and len(answer.content) < 10_000
        assert answer.elapsed.total_seconds() < 1.0
    assert worst < 1.0


def test_validation_errors_are_capped_in_number_and_size(api_settings):
    build(api_settings)
    bad: dict[str, Any] = {"conversation_id": "c", "message": "hi", "lang": "x" * 5000}
    bad["customer"] = {f"k{i}": [i] for i in range(50)}  # each one a multi-member union error
    with TestClient(create_app(api_settings)) as client:
        response = client.post("/v1/suggest", json=bad, headers=AGENT)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert 1 < len(detail) <= 21 and "more" in detail[-1]["msg"]
    assert len(response.content) < 10_000
    for error in detail:
        assert len(error["msg"]) <= 300 and len(error["loc"]) <= 10


@pytest.mark.parametrize("where", ["body", "turn"])
def test_a_flood_of_unknown_fields_is_one_error(api_settings, where):
    build(api_settings)
    flood = {f"x{i}": 0 for i in range(20_000)}
    body: dict[str, Any] = {"conversation_id": "c", "message": "hi"}
    if where == "body":
        body.update(flood)
    else:
        body["history"] = [{"role": "agent", "text": "hello", **flood}]
    with TestClient(create_app(api_settings)) as client:
        response = client.post("/v1/suggest", json=body, headers=AGENT)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert "20000 unknown fields" in error["msg"]


# ------------------------------------------------------------ 3. slow clients


def test_an_unauthenticated_endless_body_is_refused_unread(api_settings):
    app = create_app(api_settings)
    reads = 0

    async def endless() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"{" * 65536, "more_body": True}

    for headers in ([], [(b"authorization", b"Bearer ak_unknown")]):
        chunked = [(b"transfer-encoding", b"chunked"), *headers]
        sent = anyio.run(_call, app, {"headers": chunked}, endless)
        status, body, response_headers = _status_and_body(sent)
        assert status == 401 and "detail" in body
        assert response_headers[b"connection"] == b"close"
    assert reads == 0


def test_an_unauthenticated_endless_body_on_a_real_server_gets_401(api_settings):
    with (
        LiveServer(create_app(api_settings)) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=3) as sock,
    ):
        sock.sendall(
            b"POST /v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + b"4000\r\n" + b"{" * 0x4000 + b"\r\n"
        )
        reply = sock.recv(65536)
        assert reply.startswith(b"HTTP/1.1 401")
        with contextlib.suppress(OSError):  # the server closes: nothing more is read
            for _ in range(200):
                sock.sendall(b"4000\r\n" + b"{" * 0x4000 + b"\r\n")
                time.sleep(0.005)
            pytest.fail("the server kept reading the refused body")


def test_a_body_that_never_finishes_is_408(api_settings):
    app = create_app(api_settings.model_copy(update={"body_timeout_seconds": 0.3}))
    calls = 0

    async def one_chunk_then_silence() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b'{"conversation_id": ', "more_body": True}
        await anyio.sleep_forever()
        raise AssertionError

    headers = [(b"authorization", f"Bearer {AGENT_KEY}".encode())]
    started = time.monotonic()
    sent = anyio.run(_call, app, {"headers": headers}, one_chunk_then_silence)
    status, body, response_headers = _status_and_body(sent)
    assert status == 408 and "body_timeout_seconds" in body["detail"]
    assert response_headers[b"connection"] == b"close"
    assert time.monotonic() - started < 3


@contextlib.contextmanager
def _guarded(api_settings: Settings, **update: Any) -> Iterator[int]:
    """`assist serve`'s uvicorn settings with short limits: a real server on loopback."""
    from assist.api.serving import serve_config

    build(api_settings)
    settings = api_settings.model_copy(update={"port": _free_port(), **update})
    config = serve_config(settings, create_app(settings), log_level="warning", access_log=False)
    with _serving(config):
        yield settings.port


def _closed_within(sock: socket.socket, seconds: float, dribble: bytes = b"") -> bool:
    """Whether the server closes `sock` within `seconds`, while one byte of `dribble`
    is sent every 0.1 s."""
    sock.settimeout(0.1)
    deadline = time.monotonic() + seconds
    for byte in [dribble[i : i + 1] for i in range(len(dribble))] or [b""] * 10_000:
        if time.monotonic() > deadline:
            return False
        try:
            if byte:
                sock.sendall(byte)
            if sock.recv(1024) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def test_a_slow_header_connection_is_dropped(api_settings):
    # On a kept-alive connection the next headers may take keep-alive + header timeout.
    with _guarded(api_settings, header_timeout_seconds=0.5, keep_alive_seconds=1) as port:
        _slow_headers_are_dropped(port)


def _slow_headers_are_dropped(port: int) -> None:
    start = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=3) as idle:
        idle.sendall(start)
        assert _closed_within(idle, 3)
    with socket.create_connection(("127.0.0.1", port), timeout=3) as dribbling:
        assert _closed_within(dribbling, 3, dribble=start + b"X-Slow: " + b"a" * 100)
    with socket.create_connection(("127.0.0.1", port), timeout=3) as kept_alive:
        kept_alive.sendall(start + b"\r\n")  # one full request, then a slow second one
        assert kept_alive.recv(65536).startswith(b"HTTP/1.1 200")
        assert _closed_within(kept_alive, 3, dribble=start + b"X-Slow: " + b"a" * 100)


def test_slow_header_connections_give_way_to_new_ones(api_settings):
    with _guarded(api_settings, header_timeout_seconds=5.0, max_connections=6) as port:
        _slow_ones_give_way(port)


def _slow_ones_give_way(port: int) -> None:
    slow = [socket.create_connection(("127.0.0.1", port), timeout=3) for _ in range(20)]
    try:
        for sock in slow:
            with contextlib.suppress(OSError):  # it may be dropped already
                sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        # More slow connections than max_connections: the oldest were dropped long before
        # their header timeout (5 s), and a normal caller is answered.
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=3)
        assert response.status_code == 200
        dropped = 0
        for sock in slow[:10]:
            sock.settimeout(0.05)
            try:
                dropped += sock.recv(1) == b""
            except ConnectionResetError:
                dropped += 1
            except TimeoutError:
                pass
        assert dropped == 10
    finally:
        for sock in slow:
            sock.close()


def test_serve_runs_uvicorn_with_the_connection_limits(monkeypatch, tmp_path: Path):
    from assist.api import serving

    seen: list[uvicorn.Config] = []
    monkeypatch.setattr(serving, "run", seen.append)
    for name, value in {
        "ASSIST_HOST": "127.0.0.1",
        "ASSIST_AUTH_DISABLED": "true",
        "ASSIST_EMBEDDER": "hash",
        "ASSIST_INDEX_DIR": str(tmp_path / "index"),
        "ASSIST_API_KEYS_FILE": str(tmp_path / "none.yaml"),
        "ASSIST_HEADER_TIMEOUT_SECONDS": "7",
        "ASSIST_KEEP_ALIVE_SECONDS": "3",
        "ASSIST_MAX_HEADER_BYTES": "8192",
        "ASSIST_MAX_CONNECTIONS": "300",
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0, result.output
    (config,) = seen
    assert config.timeout_keep_alive == 3
    assert config.h11_max_incomplete_event_size == 8192
    assert config.limit_concurrency is not None and config.limit_concurrency >= 300
    assert getattr(config, "header_timeout", None) == 7
    assert config.http is serving.GuardedH11Protocol


# ------------------------------------------------------------ 8. work per message


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.tokens = 0
        self.calls = 0

    def embed(self, texts: Any, role: Any) -> Any:
        self.calls += 1
        self.tokens += sum(self.token_count(t) for t in texts)
        return super().embed(texts, role)


@pytest.mark.parametrize(
    "message",
    [
        ("Hi. " * 1000)[:4000],
        ("Where is it? " * 400)[:4000],
        ("also ok. " * 500)[:4000],
        ("سفارشم کجاست؟ " * 400)[:4000],
    ],
)
def test_a_long_message_does_bounded_work(settings, message):
    build(settings)
    from assist.core.index import load_index

    counting = CountingEmbedder()
    suggester = Suggester(load_index(settings.index_dir, counting), counting, settings)
    calls = 0
    real_is_question = text_module.is_question

    def counted(sentence: str) -> bool:
        nonlocal calls
        calls += 1
        return real_is_question(sentence)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_module, "is_question", counted)
        result = suggester.suggest(Query(message, "c"))
    sentences = len(text_module.split_sentences(message))
    assert calls <= 3 * sentences + 3  # linear in the sentences, not quadratic
    assert counting.calls == 1
    questions = len(result.signals.questions)
    assert questions <= settings.max_questions
    assert counting.tokens <= settings.max_query_tokens + 2 * questions
    assert result.signals.truncated
