"""Shared by the sidebar's browser tests: a live server (e5 over the fixture playbooks),
a stricter one, the host pages on another loopback port, Debian's Chromium, and helpers
that speak the host protocol or answer /v1/suggest from a queue.

Test modules take the fixtures by assignment (`live = web_harness.live`), so pytest finds
them in the module and no import is left unused.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from assist.api import create_app
from assist.api.auth import hash_key
from assist.core.cache import EmbeddingCache
from assist.core.embed import HashEmbedder, load_embedder
from assist.core.index import build_index
from assist.core.playbooks import load_playbooks
from assist.settings import ApiKey, Settings
from assist.store.feedback import Store
from conftest import AGENT_KEY, FIXTURE_PLAYBOOKS, REPO, LiveServer

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium (`make test` installs chromium and fonts-noto-core)",
    ),
]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WEB = Path(__file__).parent
ARTIFACTS = REPO / "test-artifacts"
EN_MESSAGE = "Hi, my order is late. Where is it?"
FA_MESSAGE = "سلام، سفارشم هنوز نرسیده. کجاست؟"

# ------------------------------------------------------------------ servers and browser


@dataclass
class Live:
    url: str
    store: Store


@contextmanager
def team_server(root: Path, keys: Iterable[ApiKey]) -> Iterator[Live]:
    """The fixture playbooks (hash embedder: no model to load) behind a live server with
    these keys and a SQLite store in `root`; yields once the store is ready."""
    settings = Settings(
        _env_file=None,
        playbooks_dir=FIXTURE_PLAYBOOKS,  # type: ignore[call-arg]
        index_dir=root / "index",
        embedder="hash",
        api_keys=list(keys),
        api_keys_file=root / "no-keys.yaml",
        reload_poll_seconds=0,
        rate_limit_per_second=0,
        database_url=f"sqlite:///{root / 'assist.sqlite'}",
    )
    build_index(load_playbooks(FIXTURE_PLAYBOOKS), HashEmbedder(), settings.index_dir)
    app = create_app(settings, embedder=HashEmbedder())
    with LiveServer(app) as server:
        deadline = time.monotonic() + 10
        while not app.state.store.ready and time.monotonic() < deadline:
            time.sleep(0.05)
        yield Live(server.url, app.state.store)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("widget")
    settings = Settings(
        _env_file=None,
        playbooks_dir=FIXTURE_PLAYBOOKS,  # type: ignore[call-arg]
        index_dir=root / "index",
        embedder="e5",
        api_keys=[ApiKey(name="agent-sara", role="agent", sha256=hash_key(AGENT_KEY))],
        api_keys_file=root / "no-keys.yaml",
        reload_poll_seconds=0,
        rate_limit_per_second=0,
        database_url=f"sqlite:///{root / 'feedback.sqlite'}",
    )
    embedder = load_embedder(settings)
    # Embeddings are cached across runs (git-ignored .cache/): a rerun skips the model.
    with EmbeddingCache(REPO / ".cache" / "test-widget-embeddings.sqlite") as cache:
        build_index(load_playbooks(FIXTURE_PLAYBOOKS), embedder, settings.index_dir, cache=cache)
    app = create_app(settings, embedder=embedder)
    with LiveServer(app) as server:
        yield Live(server.url, app.state.store)


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server with no index yet and a tiny rate limit (hash embedder: no model)."""
    root = tmp_path_factory.mktemp("strict")
    settings = Settings(
        _env_file=None,
        index_dir=root / "index",  # type: ignore[call-arg]
        embedder="hash",
        api_keys=[ApiKey(name="agent-sara", role="agent", sha256=hash_key(AGENT_KEY))],
        api_keys_file=root / "no-keys.yaml",
        reload_poll_seconds=0,
        rate_limit_per_second=0.01,
        rate_limit_burst=3,
    )
    app = create_app(settings, embedder=HashEmbedder())
    with LiveServer(app) as server:
        yield Live(server.url, app.state.store)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    """tests/web/ on another loopback port: another origin than the sidebar's."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(WEB)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 900, "height": 760}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def open_host(page: Any, live: Live, host: str, **query: str | int) -> Any:
    """The test host page with the sidebar in its iframe, once the sidebar said ready."""
    params = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in query.items())
    page.goto(f"{host}/host.html?widget={quote(live.url + '/widget', safe='')}&{params}")
    page.wait_for_function("window.ready()")
    return page.locator("#sidebar").element_handle().content_frame()


def init(page: Any, key: str = AGENT_KEY, **extra: str) -> None:
    page.evaluate("(m) => window.send(m)", {"type": "init", "api_key": key, **extra})


def customer_says(page: Any, conversation: str, text: str, **customer: str) -> None:
    message = {
        "type": "customer_message",
        "conversation_id": conversation,
        "text": text,
        "customer": customer,
    }
    page.evaluate("(m) => window.send(m)", message)


def wait_feedback(
    live: Live, conversation: str, action: str, count: int = 1, wait: float = 5.0
) -> list[Any]:
    deadline = time.monotonic() + wait
    while True:
        rows = [e for e in live.store.feedback(conversation_id=conversation) if e.action == action]
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


# ------------------------------------------------------------------ a scripted /v1/suggest


def fake_suggestion(
    entry: str,
    title: str,
    text: str,
    *,
    lang: str = "en",
    score: float = 0.41,
    question: int = 0,
    guidance: tuple[str, ...] = (),
    promise: int | None = None,
    variant: int = 0,
) -> dict[str, Any]:
    """A suggestion as /v1/suggest returns it, slots at code-point offsets."""
    slots = [
        {
            "name": m.group(1) or "",
            "kind": "data" if m.group(1) else "human",
            "hint": (m.group(1) or "").replace("_", " ") or (m.group(2) or "").strip(),
            "start": m.start(),
            "end": m.end(),
        }
        for m in re.finditer(r"\{\{([a-z_]+)\}\}|\[\[([^\]]*)\]\]", text)
    ]
    return {
        "id": f"{entry}/reply/{lang}/{variant}",
        "entry_id": entry,
        "reply_id": "reply",
        "source": "playbook",
        "author": None,
        "title": title,
        "lang": lang,
        "fallback_lang": False,
        "text": text,
        "slots": slots,
        "guidance": list(guidance),
        "score": score,
        "why": {"text": title, "kind": "example", "lang": lang, "similarity": score},
        "question": question,
        "promise_limit_hours": promise,
        "follow_up": None,
    }


def fake_response(
    suggestions: list[dict[str, Any]],
    *,
    match: str | None,
    no_match: bool,
    lang: str = "en",
    mood: str = "calm",
    cues: tuple[str, ...] = (),
    questions: tuple[str, ...] = (),
    took_ms: float = 123.4,
    answer_id: str = "fake-answer-1",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "suggestions": suggestions,
        "signals": {
            "lang": lang,
            "script": "arabic" if lang == "fa" else "latin",
            "mood": mood,
            "mood_cues": list(cues),
            "questions": list(questions),
            "truncated": False,
        },
        "no_match": no_match,
        "best_score": max((s["score"] for s in suggestions), default=0.0),
        "index_version": "test",
        "answer_id": answer_id,
        "took_ms": took_ms,
    }
    if match is not None:
        body["match"] = match
    return body


class FakeApi:
    """Answers the sidebar's /v1/suggest with the queued responses, in order, and keeps
    what it posts to /v1/feedback."""

    def __init__(self, page: Any) -> None:
        self.responses: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []
        page.route("**/v1/suggest", self._suggest)
        page.route("**/v1/feedback", self._feedback)

    def _suggest(self, route: Any) -> None:
        route.fulfill(status=200, json=self.responses.pop(0))

    def _feedback(self, route: Any) -> None:
        self.feedback.append(json.loads(route.request.post_data))
        route.fulfill(status=201, json={"id": len(self.feedback)})

    def actions(self, action: str) -> list[str]:
        return [f["suggestion_id"] for f in self.feedback if f["action"] == action]

    def wait(self, page: Any, action: str, count: int) -> list[str]:
        deadline = time.monotonic() + 15  # ends as soon as they arrive; a loaded CI box is slow
        while len(self.actions(action)) < count and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        return self.actions(action)
