"""What a new user hit in the sidebar, in real Chromium: cards too tall for a laptop,
Alt+n badges out of step after a Dismiss, no word when the server was gone, a data slot
nobody knows blocking Insert, the matched example always on show, and no Alt+n from the
host's own composer.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import web_harness
from web_harness import (
    EN_MESSAGE,
    FakeApi,
    Live,
    customer_says,
    fake_response,
    fake_suggestion,
    init,
    open_host,
    screenshot,
    wait_feedback,
)

from assist.api import create_app
from assist.api.auth import hash_key
from assist.core.embed import HashEmbedder
from assist.core.index import build_index
from assist.core.playbooks import load_playbooks
from assist.settings import ApiKey, Settings
from conftest import AGENT_KEY, BUNDLED_PLAYBOOKS, FIXTURE_PLAYBOOKS, LiveServer

pytestmark = web_harness.BROWSER_MARKS
live, host, browser = web_harness.live, web_harness.host, web_harness.browser
page = web_harness.page

LAPTOP_HEIGHT = 860


def hash_settings(root: Path, playbooks: Path) -> Settings:
    return Settings(
        _env_file=None,
        playbooks_dir=playbooks,  # type: ignore[call-arg]
        index_dir=root / "index",
        embedder="hash",
        api_keys=[ApiKey(name="agent-sara", role="agent", sha256=hash_key(AGENT_KEY))],
        api_keys_file=root / "no-keys.yaml",
        reload_poll_seconds=0,
        rate_limit_per_second=0,
        database_url=f"sqlite:///{root / 'feedback.sqlite'}",
    )


class Restartable:
    """A server on one loopback port that can go away and come back (a new app over the
    same index and database each time): a real outage, as the sidebar meets one."""

    def __init__(self, make_app: Callable[[], Any]) -> None:
        self.make_app = make_app
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        app = self.make_app()
        self.store = app.state.store
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        assert self.server is not None and self.thread is not None
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def flaky(tmp_path: Path) -> Iterator[Restartable]:
    settings = hash_settings(tmp_path, FIXTURE_PLAYBOOKS)
    build_index(load_playbooks(FIXTURE_PLAYBOOKS), HashEmbedder(), settings.index_dir)
    server = Restartable(lambda: create_app(settings, embedder=HashEmbedder()))
    server.start()
    yield server
    if server.thread and server.thread.is_alive():
        server.stop()


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The bundled library (playbooks/) behind a live server: real cards at their real
    size. The hash embedder keeps it fast; the messages below are the library's own
    examples, so they match their entries."""
    root = tmp_path_factory.mktemp("bundled")
    settings = hash_settings(root, BUNDLED_PLAYBOOKS)
    build_index(load_playbooks(BUNDLED_PLAYBOOKS), HashEmbedder(), settings.index_dir)
    app = create_app(settings, embedder=HashEmbedder())
    with LiveServer(app) as server:
        yield Live(server.url, app.state.store)


def status(sidebar: Any) -> tuple[str, str]:
    node = sidebar.locator("#status")
    return node.inner_text(), node.get_attribute("data-kind") or ""


def badges(sidebar: Any) -> list[list[str]]:
    return sidebar.locator(".card").evaluate_all(
        "cards => cards.map(c => [c.querySelector('.pick').textContent, c.dataset.number,"
        " c.querySelector('.dismiss').getAttribute('aria-label')])"
    )


# ------------------------------------------------------------------ compact cards


@pytest.mark.parametrize(
    ("ui", "message"),
    [
        pytest.param("en", "My order A-1042 is a week late. Where is it?", id="en-late"),
        pytest.param("en", "I was charged twice for the same order", id="en-charged"),
        pytest.param(
            "fa", "یک ساعته تتر خریدم هنوز به ولتم نرسیده، سومین باره پیام میدم", id="fa-transfer"
        ),
        pytest.param("fa", "میخوام با مدیرتون صحبت کنم", id="fa-manager"),
    ],
)
def test_two_bundled_cards_fit_a_laptop_window(request, browser, bundled, host, ui, message):
    context = browser.new_context(viewport={"width": 900, "height": LAPTOP_HEIGHT})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sidebar = open_host(page, bundled, host, w_ui=ui)
    init(page)
    customer_says(page, f"c-compact-{ui}", message, name="Sara", order_id="A-1042")
    cards = sidebar.locator(".card")
    cards.first.wait_for()
    page.wait_for_timeout(150)
    boxes = cards.evaluate_all(
        "cards => cards.map(c => { const b = c.getBoundingClientRect();"
        " return [Math.round(b.top), Math.round(b.bottom)]; })"
    )
    assert sidebar.evaluate("window.innerHeight") == LAPTOP_HEIGHT
    assert len(boxes) >= 2, boxes
    # The bundled replies are long (~300 characters, 5-6 checklist items): folded, two
    # cards fit whole (measured: the third starts on screen too, at 720-834 px).
    assert boxes[1][0] < LAPTOP_HEIGHT, boxes
    assert boxes[1][1] <= LAPTOP_HEIGHT, boxes
    assert sidebar.locator(".guidance:visible, .why:visible").count() == 0
    screenshot(page, f"compact-{request.node.callspec.id}.png")
    context.close()
    assert errors == []


def test_checklist_and_why_open_on_demand(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    with page.expect_response("**/v1/suggest") as answer:
        customer_says(page, "c-why", EN_MESSAGE, name="Sara")
    suggestion = answer.value.json()["suggestions"][0]
    card = sidebar.locator(".card").first
    card.wait_for()
    checklist_toggle = card.locator("button.toggle-guidance")
    why_toggle = card.locator("button.toggle-why")
    checklist = card.locator(".panel.guidance")
    why = card.locator(".panel.why")
    assert checklist_toggle.inner_text() == f"Checklist ({len(suggestion['guidance'])})"
    assert why_toggle.inner_text() == "Why?"
    assert not checklist.is_visible() and not why.is_visible()
    assert why_toggle.get_attribute("aria-expanded") == "false"
    assert why_toggle.get_attribute("aria-controls") == why.get_attribute("id")

    why_toggle.click()
    assert why.is_visible() and why_toggle.get_attribute("aria-expanded") == "true"
    matched = suggestion["why"]
    text = why.inner_text()
    assert matched["text"] in text
    assert text.startswith("Matched the example") or text.startswith("Matched the title")
    assert f"similarity {matched['similarity']:.2f}" in text
    assert not checklist.is_visible()  # one toggle, one panel

    checklist_toggle.click()
    assert checklist.is_visible()
    assert checklist.locator("li").all_inner_texts() == suggestion["guidance"]
    why_toggle.click()
    assert not why.is_visible() and why_toggle.get_attribute("aria-expanded") == "false"
    # The other cards stay folded.
    assert sidebar.locator(".card").nth(1).locator(".panel:visible").count() == 0


def test_why_in_the_persian_interface(page, live, host):
    fake = FakeApi(page)
    sidebar = open_host(page, live, host, w_ui="fa")
    init(page)
    suggestion = fake_suggestion(
        "order-late", "سفارش دیر شده", "سفارش {{order_id}} را بررسی کردم.", lang="fa", score=0.83
    )
    suggestion["why"] = {"text": "سفارشم دیر شده", "kind": "example", "lang": "fa"}
    suggestion["why"]["similarity"] = 0.83
    fake.responses.append(fake_response([suggestion], match="confident", no_match=False))
    customer_says(page, "c-why-fa", "سفارشم کو؟", name="Sara")
    card = sidebar.locator(".card").first
    card.wait_for()
    card.locator("button.toggle-why", has_text="چرا؟").click()
    text = card.locator(".panel.why").inner_text()
    assert text.startswith("شبیه این نمونه:") and "سفارشم دیر شده" in text
    assert "شباهت ۰٫۸۳" in text


# ------------------------------------------------------------------ Alt+n after a Dismiss


def three_suggestions() -> list[dict[str, Any]]:
    return [
        fake_suggestion(f"entry-{i}", f"Entry {i}", f"Reply number {i}.", score=0.9 - i / 10)
        for i in (1, 2, 3)
    ]


def test_dismiss_renumbers_the_alt_badges(page, live, host):
    fake = FakeApi(page)
    sidebar = open_host(page, live, host)
    init(page)
    fake.responses.append(fake_response(three_suggestions(), match="confident", no_match=False))
    customer_says(page, "c-renumber", EN_MESSAGE, name="Sara")
    sidebar.locator(".card").nth(2).wait_for()
    assert badges(sidebar) == [
        ["Alt+1", "1", "Dismiss suggestion 1"],
        ["Alt+2", "2", "Dismiss suggestion 2"],
        ["Alt+3", "3", "Dismiss suggestion 3"],
    ]
    sidebar.locator(".card").first.locator("button.dismiss").click()
    assert fake.wait(page, "dismissed", 1) == ["entry-1/reply/en/0"]
    assert badges(sidebar) == [
        ["Alt+1", "1", "Dismiss suggestion 1"],
        ["Alt+2", "2", "Dismiss suggestion 2"],
    ]
    labels = sidebar.locator(".card .source .sr-only").evaluate_all(
        "spans => spans.map(s => s.textContent)"
    )
    assert labels == ["Suggestion 1: ", "Suggestion 2: "]
    # What each badge says is what its key does.
    page.keyboard.press("Alt+2")
    assert sidebar.evaluate("document.activeElement.closest('.card').dataset.suggestion") == (
        "entry-3/reply/en/0"
    )
    page.keyboard.press("Alt+1")
    assert sidebar.evaluate("document.activeElement.closest('.card').dataset.suggestion") == (
        "entry-2/reply/en/0"
    )
    page.keyboard.press("Escape")  # dismisses entry-2: entry-3 becomes Alt+1
    assert badges(sidebar) == [["Alt+1", "1", "Dismiss suggestion 1"]]


def test_dismiss_renumbers_in_persian_digits(page, live, host):
    fake = FakeApi(page)
    sidebar = open_host(page, live, host, w_ui="fa")
    init(page)
    fake.responses.append(fake_response(three_suggestions(), match="confident", no_match=False))
    customer_says(page, "c-renumber-fa", EN_MESSAGE, name="Sara")
    sidebar.locator(".card").nth(2).wait_for()
    sidebar.locator(".card").nth(1).locator("button.dismiss").click()
    assert [b[0] for b in badges(sidebar)] == ["Alt+۱", "Alt+۲"]


# ------------------------------------------------------------------ disconnected


def test_status_says_disconnected_while_the_server_is_down_and_recovers(page, flaky, host):
    sidebar = open_host(page, Live(flaky.url, flaky.store), host)
    init(page)
    customer_says(page, "c-outage", EN_MESSAGE, name="Sara")
    sidebar.locator(".card").first.wait_for()
    assert status(sidebar) == ("Connected", "ok")

    flaky.stop()
    customer_says(page, "c-outage", "the parcel has not arrived yet", name="Sara")
    sidebar.locator(".notice-error", has_text="Can't reach the assist server").wait_for()
    assert status(sidebar) == ("Disconnected", "offline")
    assert "Trying again" in (sidebar.locator("#status").get_attribute("title") or "")
    screenshot(page, "disconnected.png")

    flaky.start()  # back on the same port: the sidebar notices by itself
    sidebar.locator("#status[data-kind=ok]").wait_for(timeout=10_000)
    assert status(sidebar) == ("Connected", "ok")
    # The message that found the server gone is answered now, without a click.
    sidebar.locator(".card").first.wait_for(timeout=10_000)
    assert sidebar.locator(".message-text").inner_text() == "the parcel has not arrived yet"
    assert sidebar.locator(".notice-error").count() == 0


def test_disconnected_is_said_in_persian(page, live, host):
    sidebar = open_host(page, live, host, w_ui="fa")
    init(page, api_base="http://127.0.0.1:9/")  # nothing listens there
    assert status(sidebar) == ("متصل", "ok")
    customer_says(page, "c-outage-fa", EN_MESSAGE)
    sidebar.locator("#status[data-kind=offline]").wait_for()
    assert status(sidebar) == ("قطع", "offline")


def test_a_timeout_counts_as_disconnected(page, live, host):
    # A server that accepts the connection and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        page.clock.install()
        sidebar = open_host(page, live, host)
        init(page, api_base=f"http://127.0.0.1:{silent.getsockname()[1]}/")
        customer_says(page, "c-timeout", EN_MESSAGE)
        sidebar.locator(".loading").wait_for()
        page.clock.run_for(10_500)  # past the sidebar's 10 s
        sidebar.locator(".notice-error", has_text="did not answer in time").wait_for()
        assert status(sidebar) == ("Disconnected", "offline")
    finally:
        silent.close()


# ------------------------------------------------------------------ "not known" data slots


def test_a_data_slot_can_be_left_out_but_a_human_slot_cannot(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-not-known", EN_MESSAGE, name="Sara")
    card = sidebar.locator(".card").first
    card.wait_for()
    assert card.get_attribute("data-suggestion").startswith("order-late/check-tracking/en/")
    insert = card.locator("button.insert")
    data = card.locator("input.slot-data")
    human = card.locator("input.slot-human")
    clear = card.locator("button.slot-clear")
    assert clear.count() == 1  # data slots only: a human slot can't be left out
    assert clear.get_attribute("aria-label") == "Not known: leave out order id"
    assert insert.is_disabled()

    clear.click()
    assert data.get_attribute("data-omitted") == "1"
    assert data.get_attribute("placeholder") == "not known"
    assert data.get_attribute("aria-label") == "order id: left out, not known"
    assert clear.get_attribute("aria-pressed") == "true"
    assert insert.is_disabled(), "the human slot is still to write"
    assert card.locator(".todo").inner_text() == "Write 1 part to insert"
    assert sidebar.evaluate("document.activeElement.dataset.kind") == "human"  # on to it

    # Brought back, it blocks again; left out again, the written human slot is enough.
    clear.click()
    assert data.get_attribute("data-omitted") is None and insert.is_disabled()
    assert sidebar.evaluate("document.activeElement.dataset.kind") == "data"
    human.fill("it left the Leeds hub this morning")
    assert insert.is_disabled()
    clear.click()
    assert insert.is_enabled()
    insert.click()
    page.wait_for_function("window.inserted().length === 1")
    text = page.evaluate("window.inserted()[0].data.text")
    # The slot goes, and the space it leaves before punctuation or another space.
    assert text in {
        "Sara, I checked order: it left the Leeds hub this morning.",  # "order {{order_id}}:"
        "Thanks for waiting, Sara. Order shows it left the Leeds hub this morning.",
    }
    (row,) = wait_feedback(live, "c-not-known", "inserted")
    assert row.final_text == text


def test_a_data_slot_left_out_ignores_details_typed_elsewhere(page, live, host):
    fake = FakeApi(page)
    sidebar = open_host(page, live, host)
    init(page)
    replies = [
        fake_suggestion("a", "A", "Order {{order_id}} ships on {{delivery_date}}."),
        fake_suggestion("b", "B", "We expect {{delivery_date}} for it."),
    ]
    fake.responses.append(fake_response(replies, match="confident", no_match=False))
    customer_says(page, "c-not-known-2", "when does it ship?", name="Sara")
    first, second = sidebar.locator(".card").nth(0), sidebar.locator(".card").nth(1)
    second.wait_for()
    date = first.locator("input[data-name=delivery_date]")
    clear = first.locator("input[data-name=delivery_date] + button.slot-clear")
    clear.click()
    second.locator("input[data-name=delivery_date]").fill("Friday")
    assert date.input_value() == "" and date.get_attribute("data-omitted") == "1"
    assert second.locator("button.insert").is_enabled()
    # A click on the left-out slot brings it back, to be typed in.
    date.click()
    assert date.get_attribute("data-omitted") is None
    assert sidebar.evaluate("document.activeElement.dataset.name") == "delivery_date"
    clear.click()
    first.locator("input[data-name=order_id]").fill("A-7")
    first.locator("button.insert").click()
    page.wait_for_function("window.inserted().length === 1")
    assert page.evaluate("window.inserted()[0].data.text") == "Order A-7 ships on."


# ------------------------------------------------------------------ Alt+n from the host


def test_host_composer_relays_alt_digit(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-relay", EN_MESSAGE, name="Sara")
    cards = sidebar.locator(".card")
    cards.nth(1).wait_for()
    ids = cards.evaluate_all("cards => cards.map(c => c.dataset.suggestion)")
    page.click("#composer")
    page.keyboard.type("Hello ")
    page.keyboard.press("Alt+2")  # in the host's composer, another origin
    page.wait_for_function(
        "document.activeElement === document.getElementById('sidebar')", timeout=3000
    )
    active = sidebar.evaluate(
        "[document.activeElement.closest('.card')?.dataset.suggestion,"
        " document.activeElement.dataset.kind]"
    )
    assert active == [ids[1], "human"]
    page.keyboard.type("checked")  # typed straight into the slot
    assert cards.nth(1).locator("input.slot-human").input_value() == "checked"
    assert page.input_value("#composer") == "Hello "

    # conversation_id, when given, must be the one on show; n must be 1-9 and a card.
    for message in (
        {"type": "pick", "n": 1, "conversation_id": "another"},
        {"type": "pick", "n": 0},
        {"type": "pick", "n": "1; alert(1)"},
        {"type": "pick", "n": 9},
    ):
        page.click("#composer")
        page.evaluate("(m) => window.send(m)", message)
        page.wait_for_timeout(150)
        assert page.evaluate("document.activeElement.id") == "composer", message
    page.evaluate("(m) => window.send(m)", {"type": "pick", "n": 1, "conversation_id": "c-relay"})
    page.wait_for_function("document.activeElement === document.getElementById('sidebar')")
    assert sidebar.evaluate("document.activeElement.closest('.card').dataset.suggestion") == ids[0]


def test_pick_from_another_window_is_ignored(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-relay-rogue", EN_MESSAGE, name="Sara")
    sidebar.locator(".card").first.wait_for()
    page.click("#composer")
    page.evaluate(
        """() => new Promise((done) => {
            const rogue = document.createElement('iframe');
            rogue.srcdoc = '<p>rogue</p>';
            rogue.onload = done;
            document.body.append(rogue);
        })"""
    )
    page.click("#composer")
    page.frames[-1].evaluate(
        """() => parent.document.getElementById('sidebar').contentWindow
                  .postMessage({type: 'pick', n: 1}, '*')"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("document.activeElement.id") == "composer"


def test_demo_composer_relays_alt_digit(page, live):
    page.goto(f"{live.url}/widget/demo#key={AGENT_KEY}")
    page.click("#connect button")
    sidebar = page.frame_locator("#sidebar")
    page.fill("#customer-text", EN_MESSAGE)
    page.click("#customer-form button")
    cards = sidebar.locator(".card")
    cards.nth(1).wait_for()
    page.click("#reply")
    page.keyboard.press("Alt+2")
    frame = page.locator("#sidebar").element_handle().content_frame()
    frame.wait_for_function("document.activeElement.closest('.card')?.dataset.number === '2'")
    page.keyboard.type("left the hub")
    assert cards.nth(1).locator("input.slot").first.input_value() == "left the hub"
