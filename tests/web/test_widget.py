"""The sidebar widget in real Chromium (Debian's /usr/bin/chromium, headless) against a
live server on 127.0.0.1 with the e5 model over the bilingual fixture playbooks.

Host pages (tests/web/) are served from a second loopback port, so the sidebar really is
cross-origin to its host, as in production. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import web_harness
from web_harness import (
    EN_MESSAGE,
    FA_MESSAGE,
    FakeApi,
    customer_says,
    fake_response,
    fake_suggestion,
    init,
    open_host,
    screenshot,
    wait_feedback,
)

from conftest import AGENT_KEY

pytestmark = web_harness.BROWSER_MARKS
# Fixtures (web_harness.py), taken by assignment so pytest finds them here.
live, strict, host, browser, page = (
    web_harness.live,
    web_harness.strict,
    web_harness.host,
    web_harness.browser,
    web_harness.page,
)

# ------------------------------------------------------------------ the host protocol


def test_english_message_human_slot_blocks_insert_then_insert_reaches_host(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    started = time.monotonic()
    customer_says(page, "c-en", EN_MESSAGE, name="Sara")
    first = sidebar.locator(".card").first
    first.wait_for()
    shown_after = time.monotonic() - started
    assert shown_after < 3, f"suggestions took {shown_after:.2f} s to show"

    assert first.get_attribute("lang") == "en"
    assert first.get_attribute("data-suggestion").startswith("order-late/check-tracking/en/")
    assert "Sara" in first.locator(".reply").inner_text()
    assert "Playbook" in first.locator(".source").inner_text()
    assert "Order is late" in first.locator(".source").inner_text()
    assert first.locator(".guidance li").count() >= 1
    assert sidebar.locator(".mood").inner_text() in {"Calm", "Frustrated", "Angry"}
    insert = first.locator("button.insert")
    human = first.locator("input.slot-human")
    data = first.locator("input.slot-data")
    assert human.count() == 1 and data.count() == 1  # [[...]] and {{order_id}}
    assert data.get_attribute("placeholder") == "order id"

    assert insert.is_disabled()
    data.fill("A-1042")
    assert insert.is_disabled(), "a human slot is still empty"
    human.fill("   ")
    assert insert.is_disabled(), "blank is not written"
    human.fill("it left the Leeds hub this morning")
    assert insert.is_enabled()
    screenshot(page, "host-english.png")
    insert.click()

    page.wait_for_function("window.inserted().length === 1")
    (message,) = page.evaluate("window.inserted()")
    assert message["origin"] == live.url  # posted by the sidebar, to this origin only
    reply = message["data"]
    assert reply["type"] == "insert_reply" and reply["conversation_id"] == "c-en"
    assert reply["suggestion_id"] == first.get_attribute("data-suggestion")
    text = reply["text"]
    assert "A-1042" in text and "it left the Leeds hub this morning" in text and "Sara" in text
    assert "[[" not in text and "{{" not in text
    assert "Inserted" in insert.inner_text() and insert.is_disabled()

    (row,) = wait_feedback(live, "c-en", "inserted")
    assert row.final_text == text and row.key_name == "agent-sara"
    assert row.suggestion_id == reply["suggestion_id"] and row.entry_id == "order-late"
    shown = wait_feedback(live, "c-en", "shown", sidebar.locator(".card").count())
    assert {r.suggestion_id for r in shown} >= {reply["suggestion_id"]}
    # Each shown names the answer it came in; the server sets the positions.
    (answer_id,) = {r.answer_id for r in shown}
    assert answer_id and sorted(r.position for r in shown) == list(range(len(shown)))
    assert row.answer_id == answer_id and row.elapsed_ms is not None
    assert row.edit_distance is not None and 0 < row.edit_distance < 1000  # slots filled


def test_next_message_sends_history_with_the_inserted_reply(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-history", EN_MESSAGE, name="Sara")
    card = sidebar.locator(".card").first
    card.wait_for()
    for slot in card.locator("input.slot").all():
        slot.fill("checked")
    card.locator("button.insert").click()
    page.wait_for_function("window.inserted().length === 1")
    sent = page.evaluate("window.inserted()[0].data")

    with page.expect_request("**/v1/suggest") as request:
        customer_says(page, "c-history", "Still nothing, where is it?", name="Sara")
    body = json.loads(request.value.post_data)
    assert body["message"] == "Still nothing, where is it?"
    assert body["history"] == [
        {"role": "customer", "text": EN_MESSAGE},
        {"role": "agent", "text": sent["text"], "suggestion_id": sent["suggestion_id"]},
    ]
    assert body["customer"]["order_id"] == "checked"  # what the agent typed is reused
    sidebar.locator(".card").first.wait_for()
    ids = sidebar.locator(".card").evaluate_all("cards => cards.map(c => c.dataset.suggestion)")
    assert sent["suggestion_id"] not in ids  # never the same wording twice


def test_persian_message_is_laid_out_right_to_left(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-fa", FA_MESSAGE, name="سارا")
    card = sidebar.locator(".card").first
    card.wait_for()
    assert card.get_attribute("lang") == "fa" and card.get_attribute("dir") == "rtl"
    assert card.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert card.locator(".reply").evaluate("el => getComputedStyle(el).direction") == "rtl"
    message = sidebar.locator(".message-text")
    assert message.inner_text() == FA_MESSAGE
    assert message.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert "سارا" in card.locator(".reply").inner_text()
    human = card.locator("input.slot-human")
    assert human.get_attribute("placeholder") == "وضعیت رهگیری"
    assert human.evaluate("el => getComputedStyle(el).direction") == "rtl"
    font = card.evaluate("el => getComputedStyle(el).fontFamily")
    assert font.startswith('Vazirmatn, "Noto Naskh Arabic"')
    # An English code typed into a Persian reply is isolated, left to right.
    data = card.locator("input.slot-data")
    data.fill("A-1042")
    assert data.evaluate("el => el.dir") == "ltr"
    human.fill("امروز صبح از انبار تهران خارج شد")
    assert human.evaluate("el => el.dir") == "rtl"
    screenshot(page, "host-persian.png")
    card.locator("button.insert").click()
    page.wait_for_function("window.inserted().length === 1")
    text = page.evaluate("window.inserted()[0].data.text")
    assert "امروز صبح از انبار تهران خارج شد" in text and "A-1042" in text


def test_persian_interface(page, live, host):
    sidebar = open_host(page, live, host, w_ui="fa")
    assert sidebar.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "fa",
        "rtl",
    ]
    assert sidebar.locator("#title").inner_text() == "پیشنهادها"
    init(page)
    customer_says(page, "c-fa-ui", EN_MESSAGE, name="Sara")
    card = sidebar.locator(".card").first
    card.wait_for()
    assert card.get_attribute("dir") == "ltr"  # an English reply stays left to right
    assert card.locator("button.insert").inner_text() == "درج"
    assert sidebar.locator(".who").inner_text() == "Sara نوشت"


def test_wrong_key_shows_a_clear_error(page, live, host):
    sidebar = open_host(page, live, host)
    init(page, key="ak_not-a-real-key")
    customer_says(page, "c-wrong-key", EN_MESSAGE)
    error = sidebar.locator(".notice-error")
    error.wait_for()
    assert "API key was refused (401)" in error.inner_text()
    assert "unknown API key" in error.inner_text()  # the server's own detail
    assert error.get_attribute("role") == "alert"
    assert sidebar.locator(".card").count() == 0
    assert "refused" in sidebar.locator("#status").inner_text()


def test_not_ready_then_rate_limited_are_explained(page, strict, host):
    sidebar = open_host(page, strict, host)
    init(page)
    customer_says(page, "c-strict", EN_MESSAGE)
    error = sidebar.locator(".notice-error")
    error.wait_for()
    assert "aren't ready on the server yet (503)" in error.inner_text()
    assert "assist reindex" in error.inner_text()
    retry = error.locator("button", has_text="Retry")
    retry.click()  # the second of three tokens
    sidebar.locator(".notice-error", has_text="(503)").wait_for()
    customer_says(page, "c-strict", "and now?")  # the third
    sidebar.locator(".message-text", has_text="and now?").wait_for()
    sidebar.locator(".notice-error", has_text="(503)").wait_for()
    customer_says(page, "c-strict", "hello?")
    limited = sidebar.locator(".notice-error", has_text="Too many requests (429)")
    limited.wait_for()
    assert limited.locator("button", has_text="Retry").is_visible()


def test_no_init_and_unreachable_server_are_explained(page, live, host):
    sidebar = open_host(page, live, host)
    customer_says(page, "c-no-init", EN_MESSAGE)
    sidebar.locator(".notice-error", has_text="No API key yet").wait_for()
    # Connecting afterwards answers the message that was waiting.
    init(page, api_base="http://127.0.0.1:9/")
    error = sidebar.locator(".notice-error", has_text="Can't reach the assist server")
    error.wait_for()
    assert "127.0.0.1:9" in error.inner_text()
    assert error.locator("button", has_text="Retry").is_visible()


def test_alt_digit_picks_and_escape_dismisses(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-keys", EN_MESSAGE, name="Sara")
    cards = sidebar.locator(".card")
    cards.first.wait_for()
    assert cards.count() >= 2
    ids = cards.evaluate_all("cards => cards.map(c => c.dataset.suggestion)")
    sidebar.locator("body").click()  # focus inside the sidebar, as an agent's click would

    page.keyboard.press("Alt+2")
    focused = sidebar.evaluate("document.activeElement.closest('.card').dataset.suggestion")
    assert focused == ids[1]
    assert sidebar.evaluate("document.activeElement.matches('input.slot')")
    assert sidebar.evaluate("document.activeElement.value") == ""

    page.keyboard.press("Alt+1")
    assert sidebar.evaluate("document.activeElement.closest('.card').dataset.suggestion") == ids[0]
    page.keyboard.type("A-7")
    page.keyboard.press("Enter")  # to the next empty slot of the same card
    assert sidebar.evaluate("document.activeElement.dataset.kind") == "human"

    page.keyboard.press("Escape")
    assert cards.count() == len(ids) - 1
    assert ids[0] not in cards.evaluate_all("cards => cards.map(c => c.dataset.suggestion)")
    (row,) = wait_feedback(live, "c-keys", "dismissed")
    assert row.suggestion_id == ids[0] and row.final_text is None
    # Focus moved on to the next suggestion, so Esc again dismisses that one.
    assert sidebar.evaluate("document.activeElement.closest('.card').dataset.suggestion") == ids[1]


def test_ctrl_enter_inserts_when_ready(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-ctrl-enter", "I forgot my password", name="Sara", email="s@x.io")
    card = sidebar.locator(".card").first
    card.wait_for()
    assert card.get_attribute("data-suggestion").startswith("password-reset/")
    assert "s@x.io" in card.locator(".reply").inner_text()  # {{email}} filled by the server
    sidebar.locator("body").click()
    page.keyboard.press("Alt+1")
    page.keyboard.press("Control+Enter")  # not ready: stays
    assert page.evaluate("window.inserted().length") == 0
    page.keyboard.type("the old link had expired")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("window.inserted().length === 1")
    assert "the old link had expired" in page.evaluate("window.inserted()[0].data.text")


def test_no_match_says_so(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-none", "xylophone quantum banana")
    sidebar.locator(".notice-empty", has_text="No confident suggestion").wait_for()
    # "none", or "weak" with the closest entries collapsed: no card is on show either way.
    assert sidebar.locator(".card:visible").count() == 0


def test_320px_wide_has_no_horizontal_overflow(page, live, host):
    sidebar = open_host(page, live, host, width=320)
    init(page)
    customer_says(page, "c-narrow-fa", FA_MESSAGE + " " + "x" * 80, name="سارا")
    sidebar.locator(".card").first.wait_for()
    sidebar.locator(".card").first.locator("input.slot-human").fill("و" * 120)
    sizes = sidebar.evaluate(
        """() => {
            const root = document.documentElement;
            const outside = (el) => {
                const box = el.getBoundingClientRect();
                return box.right > root.clientWidth + 1 || box.left < -1;
            };
            const parts = [...document.querySelectorAll('.card, .message, input, button')];
            return {
                scroll: root.scrollWidth,
                client: root.clientWidth,
                wide: parts.filter(outside).length,
            };
        }"""
    )
    assert sizes["client"] == 320
    assert sizes["scroll"] <= sizes["client"], sizes
    assert sizes["wide"] == 0, sizes
    customer_says(page, "c-narrow-en", EN_MESSAGE, name="Sara")
    sidebar.locator(".card[lang=en]").first.wait_for()
    assert sidebar.evaluate("document.documentElement.scrollWidth") <= 320


def test_only_the_parent_on_its_origin_is_heard(page, live, host):
    # The sidebar is told its host lives elsewhere: it neither answers nor listens here.
    sidebar_url = quote(live.url + "/widget?host_origin=http://127.0.0.1:9", safe="")
    page.goto(f"{host}/host.html?widget={sidebar_url}&no_origin=1")
    sidebar = page.locator("#sidebar").element_handle().content_frame()
    sidebar.wait_for_load_state()
    sidebar.locator(".notice").first.wait_for()
    init(page)
    customer_says(page, "c-foreign", EN_MESSAGE)
    page.wait_for_timeout(600)
    assert page.evaluate("window.received.length") == 0  # not even "ready"
    assert sidebar.locator(".card, .notice-error").count() == 0
    assert sidebar.locator("#status").inner_text() != "Connected"


def test_messages_from_another_window_are_ignored(page, live, host):
    sidebar = open_host(page, live, host)
    # A sibling frame on the host's own origin is still not the parent.
    page.evaluate(
        """() => new Promise((done) => {
            const rogue = document.createElement('iframe');
            rogue.srcdoc = '<p>rogue</p>';
            rogue.onload = done;
            document.body.append(rogue);
        })"""
    )
    rogue = page.frames[-1]
    rogue.evaluate(
        """([key, text]) => {
            const target = parent.document.getElementById('sidebar').contentWindow;
            target.postMessage({type: 'init', api_key: key}, '*');
            target.postMessage({type: 'customer_message', conversation_id: 'c-rogue', text}, '*');
        }""",
        [AGENT_KEY, EN_MESSAGE],
    )
    page.wait_for_timeout(600)
    assert sidebar.locator(".card").count() == 0
    assert sidebar.locator("#status").inner_text() != "Connected"


def test_key_is_kept_in_memory_only(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-storage", EN_MESSAGE)
    sidebar.locator(".card").first.wait_for()
    stored = sidebar.evaluate(
        "JSON.stringify([document.cookie, {...localStorage}, {...sessionStorage}, location.href])"
    )
    assert AGENT_KEY not in stored
    html = sidebar.content()
    assert AGENT_KEY not in html


def test_text_helpers_count_code_points(page, live):
    page.goto(f"{live.url}/widget")
    result = page.evaluate(
        """async () => {
            const m = await import('/widget/assets/text.js');
            const text = '😀 Sara, [[what you saw]] for {{order_id}}.';
            const parts = m.segments(text, [
                {name: '', kind: 'human', hint: 'what you saw', start: 8, end: 24},
                {name: 'order_id', kind: 'data', hint: 'order id', start: 29, end: 41},
            ]);
            const wrong = [{name: '', kind: 'human', hint: 'x', start: 0, end: 2}];
            const bad = m.segments('hi [[x]]', wrong);
            return {
                raws: parts.filter(p => p.type === 'slot').map(p => p.raw),
                composed: m.compose(parts, [' it moved ', 'A-1']),
                fallback: bad.filter(p => p.type === 'slot').map(p => p.raw),
                dirs: [m.dirOf('  123 سلام'), m.dirOf('(A-1) سلام'), m.dirOf('123')],
                runs: m.isolateRuns('سفارش A-1042: رسید', 'rtl')
                    .filter(r => r.isolate).map(r => r.text),
            };
        }"""
    )
    assert result["raws"] == ["[[what you saw]]", "{{order_id}}"]
    assert result["composed"] == "😀 Sara, it moved for A-1."
    assert result["fallback"] == ["[[x]]"]
    assert result["dirs"] == ["rtl", "ltr", None]
    assert result["runs"] == ["A-1042:"]


def test_standalone_page_points_to_the_demo(page, live):
    page.goto(f"{live.url}/widget")
    link = page.locator("a", has_text="Open the demo")
    link.wait_for()
    assert link.get_attribute("href") == f"{live.url}/widget/demo"


# ------------------------------------------------------------------ Chatwoot dashboard app


def chatwoot_context() -> dict[str, Any]:
    """Several messages, out of order, with a note, an activity line and an agent reply;
    the latest incoming one is Persian."""
    return {
        "contact": {"id": 7, "name": "مریم", "email": "maryam@example.com"},
        "currentAgent": {"id": 3, "name": "Ali", "email": "ali@example.com"},
        "conversation": {
            "id": 42,
            "messages": [
                {"id": 104, "content": FA_MESSAGE, "message_type": 0, "created_at": 1700000400},
                {"id": 101, "content": "Hello?", "message_type": 0, "created_at": 1700000100},
                {
                    "id": 102,
                    "content": "Hi! Let me check.",
                    "message_type": 1,
                    "created_at": 1700000200,
                },
                {
                    "id": 103,
                    "content": "internal: VIP",
                    "message_type": 1,
                    "private": True,
                    "created_at": 1700000300,
                },
                {
                    "id": 105,
                    "content": "Conversation was assigned to Ali",
                    "message_type": 2,
                    "created_at": 1700000500,
                },
            ],
        },
    }


def test_chatwoot_dashboard_app(browser, live, host):
    context = browser.new_context(
        viewport={"width": 900, "height": 760},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: requests.append(json.loads(r.post_data)) if r.url.endswith("/v1/suggest") else 0,
    )
    page.goto(f"{host}/chatwoot.html")
    page.evaluate("(c) => { window.appContext = c; }", chatwoot_context())
    page.evaluate(
        "(url) => window.openApp(url)", f"{live.url}/widget?mode=chatwoot#key={AGENT_KEY}"
    )
    page.wait_for_function("window.fetchInfo >= 1")  # the app asked on load
    sidebar = page.locator("#app").element_handle().content_frame()
    card = sidebar.locator(".card").first
    card.wait_for()

    assert "#key" not in sidebar.url and AGENT_KEY not in sidebar.url
    assert sidebar.locator(".message-text").inner_text() == FA_MESSAGE
    assert card.get_attribute("lang") == "fa"
    assert card.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert "مریم" in card.locator(".reply").inner_text()  # {{customer_name}} from contact.name
    # One suggest request for the two context messages (load event + fetch-info).
    assert len(requests) == 1
    body = requests[0]
    assert body["message"] == FA_MESSAGE and body["conversation_id"] == "chatwoot-42"
    assert body["history"] == [
        {"role": "customer", "text": "Hello?"},
        {"role": "agent", "text": "Hi! Let me check."},
    ]
    assert body["customer"]["name"] == "مریم" and body["customer"]["agent_name"] == "Ali"

    copy = card.locator("button.insert")
    assert copy.inner_text() == "Copy" and copy.is_disabled()
    for slot in card.locator("input.slot").all():
        slot.fill("بررسی شد")
    assert copy.is_enabled()
    copy.click()
    sidebar.locator("button.insert", has_text="Copied").first.wait_for()
    # Chatwoot's iframe has no `allow="clipboard-write"`, as here: the copy must still work.
    clipboard = page.evaluate("navigator.clipboard.readText()")
    assert "مریم" in clipboard and "بررسی شد" in clipboard and "[[" not in clipboard
    (row,) = wait_feedback(live, "chatwoot-42", "inserted")
    assert row.final_text == clipboard

    # Refresh asks Chatwoot again; the same latest message keeps the view as it is.
    before = page.evaluate("window.fetchInfo")
    sidebar.locator("#refresh").click()
    page.wait_for_function(f"window.fetchInfo > {before}")
    page.wait_for_timeout(300)
    assert len(requests) == 1
    assert "Copied" in sidebar.locator("button.insert").first.inner_text()

    # The copied reply goes out, then a new incoming message, picked up without a click
    # (the app asks for the context every few seconds): history names the suggestion.
    fresh = chatwoot_context()
    fresh["conversation"]["messages"] += [
        {"id": 106, "content": clipboard, "message_type": 1, "created_at": 1700000600},
        {"id": 107, "content": "خیلی ممنون", "message_type": 0, "created_at": 1700000700},
    ]
    page.evaluate("(c) => { window.appContext = c; }", fresh)
    deadline = time.monotonic() + 10
    while len(requests) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(requests) == 2 and requests[-1]["message"] == "خیلی ممنون"
    agent_turns = [t for t in requests[-1]["history"] if t["role"] == "agent"]
    assert agent_turns[-1] == {
        "role": "agent",
        "text": clipboard,
        "suggestion_id": row.suggestion_id,
    }
    context.close()
    assert errors == []


def test_chatwoot_without_a_key_says_how_to_add_one(page, live, host):
    page.goto(f"{host}/chatwoot.html")
    page.evaluate("(c) => { window.appContext = c; }", chatwoot_context())
    page.evaluate("(url) => window.openApp(url)", f"{live.url}/widget?mode=chatwoot")
    sidebar = page.locator("#app").element_handle().content_frame()
    banner = sidebar.locator("#notice")
    banner.wait_for()
    assert "#key=" in banner.inner_text()


# ------------------------------------------------------------------ the demo page


def test_demo_page_english_and_persian_conversations(page, live):
    page.set_viewport_size({"width": 1100, "height": 720})
    page.goto(f"{live.url}/widget/demo#key={AGENT_KEY}")
    assert "#key" not in page.url
    page.click("#connect button")
    sidebar = page.frame_locator("#sidebar")

    page.fill("#customer-text", "My order is late, it was due on Monday. Where is it?")
    page.click("#customer-form button")
    card = sidebar.locator(".card").first
    card.wait_for()
    assert "A-1042" in card.locator(".reply").inner_text()  # the demo customer's order_id
    card.locator("input.slot-human").fill("the courier scanned it in Leeds last night")
    card.locator("button.insert").click()
    page.wait_for_function("document.getElementById('reply').value.includes('Leeds')")
    page.click("#composer button")
    page.fill("#customer-text", "Thanks. Also I forgot my password")
    page.click("#customer-form button")
    sidebar.locator(".message-text", has_text="forgot my password").wait_for()
    sidebar.locator(".card").first.wait_for()
    page.wait_for_timeout(300)
    screenshot(page, "demo-english.png")

    page.click("text=مریم · فارسی")
    page.fill("#customer-text", "سلام، سفارشم یک هفته است نرسیده. کجاست؟")
    page.click("#customer-form button")
    card = sidebar.locator(".card[lang=fa]").first
    card.wait_for()
    card.locator("input.slot-human").fill("امروز صبح از انبار تهران خارج شد")
    page.wait_for_timeout(300)
    screenshot(page, "demo-persian.png")

    # Back to Sara: the sidebar shows her conversation again, as it was.
    page.click("text=Sara · English")
    sidebar.locator(".message-text", has_text="forgot my password").wait_for()
    sent = [e for e in live.store.feedback(limit=10_000) if e.action == "sent"]
    assert any("Leeds" in (e.final_text or "") for e in sent)


# ------------------------------------------------------------------ trust on real traffic
#
# The server decides "confident" / "weak" / "none" from its scores; the fixture playbooks
# can't be relied on for a "weak" answer, so these tests answer /v1/suggest themselves
# (Playwright routes the sidebar's own requests) and record /v1/feedback.

RLM, FSI, PDI = "\u200f", "\u2068", "\u2069"
ASCII_DIGIT = "0123456789"
FA_CUES = {
    "insult": "توهین",
    "threat": "تهدید",
    "shouting punctuation": "علامت تعجب یا پرسش پیاپی",
    "all caps": "حروف بزرگ لاتین",
    "repeated contact": "پیگیری دوباره",
    "sounds like angry messages": "شبیه پیام‌های عصبانی",
    "sounds like frustrated messages": "شبیه پیام‌های کلافه",
}


def weak_suggestions(lang: str = "en") -> list[dict[str, Any]]:
    if lang == "fa":
        return [
            fake_suggestion(
                "refund-status",
                "پیگیری بازپرداخت",
                "Sara عزیز، بازپرداخت {{order_id}} در راه است. [[تاریخ واریز]]",
                lang="fa",
                score=0.41,
                guidance=("مبلغ و تاریخ را بررسی کنید",),
                promise=72,
            ),
            fake_suggestion(
                "delivery-address",
                "تغییر نشانی",
                "نشانی تازه را برای سفارش 1042 ثبت کردم.",
                lang="fa",
                score=0.38,
            ),
        ]
    return [
        fake_suggestion(
            "refund-status",
            "Refund status",
            "Hi Sara, the refund for {{order_id}} is on its way. [[when]]",
            score=0.41,
            guidance=("Check the amount",),
        ),
        fake_suggestion(
            "delivery-address",
            "Change the address",
            "I've noted the new address for your order.",
            score=0.38,
        ),
    ]


def test_weak_and_none_answers_say_no_confident_suggestion(page, live, host):
    fake = FakeApi(page)
    sidebar = open_host(page, live, host)
    init(page)

    # "weak": the closest entries, collapsed under the notice, not counted as shown yet.
    fake.responses.append(fake_response(weak_suggestions(), match="weak", no_match=True))
    customer_says(page, "c-weak", "Can you do the thing with the stuff?", name="Sara")
    notice = sidebar.locator(".notice-empty", has_text="No confident suggestion")
    notice.wait_for()
    closest = sidebar.locator("details.weak")
    summary = closest.locator(":scope > summary")
    assert "Closest entries (low confidence)" in summary.inner_text()
    assert summary.locator(".count").inner_text() == "2"
    assert not closest.evaluate("el => el.open")
    assert sidebar.locator(".card:visible").count() == 0
    assert sidebar.locator(".card").count() == 2
    page.wait_for_timeout(300)
    assert fake.actions("shown") == []

    summary.click()
    cards = sidebar.locator(".card:visible")
    cards.first.wait_for()
    assert cards.count() == 2
    assert cards.first.locator(".chip.score").inner_text() == "Score 0.41"
    fake.wait(page, "shown", 2)
    assert sorted(fake.actions("shown")) == sorted(s["id"] for s in weak_suggestions())
    screenshot(page, "host-weak-english.png")

    # Each entry still works as a suggestion: slots, Insert, feedback.
    card = cards.first
    card.locator("input.slot-data").fill("A-7")
    card.locator("input.slot-human").fill("within five days")
    card.locator("button.insert").click()
    page.wait_for_function("window.inserted().length === 1")
    inserted = page.evaluate("window.inserted()[0].data")
    assert inserted["suggestion_id"] == "refund-status/reply/en/0"
    assert inserted["text"] == "Hi Sara, the refund for A-7 is on its way. within five days"
    cards.nth(1).locator("button.dismiss").click()
    assert fake.wait(page, "dismissed", 1) == ["delivery-address/reply/en/0"]
    assert summary.locator(".count").inner_text() == "1"
    # Every event names the answer its suggestion came in.
    assert {f.get("answer_id") for f in fake.feedback} == {"fake-answer-1"}

    # An older server sends no `match`: no_match with suggestions is "weak"; Alt+1 opens
    # the closed disclosure and goes to the first entry's first empty slot (the order id
    # typed above is already in).
    older = fake_response(weak_suggestions(), match=None, no_match=True)
    fake.responses.append(older)
    customer_says(page, "c-weak", "And the other thing?", name="Sara")
    sidebar.locator(".message-text", has_text="the other thing").wait_for()
    closest.wait_for()
    assert not closest.evaluate("el => el.open")
    assert sidebar.locator(".card").first.locator("input.slot-data").input_value() == "A-7"
    sidebar.locator("#title").click()
    page.keyboard.press("Alt+1")
    assert closest.evaluate("el => el.open")
    assert sidebar.evaluate("document.activeElement.dataset.kind") == "human"

    # "none": nothing to open. Also what an older server's no_match with nothing means.
    for match in ("none", None):
        fake.responses.append(fake_response([], match=match, no_match=True))
        customer_says(page, "c-weak", f"xylophone {match}", name="Sara")
        sidebar.locator(".message-text", has_text=f"xylophone {match}").wait_for()
        notice.wait_for()
        assert "Answer in your own words" in notice.inner_text()
        assert sidebar.locator("details.weak, .card").count() == 0

    # "confident" (or an older server's no_match false): the cards, as always.
    for match in ("confident", None):
        fake.responses.append(fake_response(weak_suggestions(), match=match, no_match=False))
        customer_says(page, "c-weak", f"refund {match}", name="Sara")
        sidebar.locator(".message-text", has_text=f"refund {match}").wait_for()
        sidebar.locator(".card").first.wait_for()
        assert sidebar.locator(".card:visible").count() == 2
        assert sidebar.locator("details.weak, .notice-empty, .chip.score").count() == 0


def chrome_text(sidebar: Any) -> str:
    """The sidebar's own visible words: everything on show except the content it carries
    (the suggestion text, the customer's message and questions, the customer's name)."""
    return sidebar.evaluate(
        """() => {
            const content = '.reply, .message-text, .question-head q, .who bdi';
            const out = [];
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let node = walk.nextNode(); node; node = walk.nextNode()) {
                const el = node.parentElement;
                if (!el || el.closest(content) || el.closest('script, noscript')) continue;
                if (!el.checkVisibility() && !el.closest('.sr-only')) continue;
                out.push(node.data);
            }
            for (const el of document.querySelectorAll('[aria-label], [title]')) {
                if (el.closest(content)) continue;
                out.push(el.getAttribute('aria-label') || '', el.getAttribute('title') || '');
            }
            return out.join(' ');
        }"""
    )


def test_persian_interface_numbers_cues_and_weak_state(page, live, host):
    fake = FakeApi(page)
    sidebar = open_host(page, live, host, w_ui="fa")
    init(page)
    cues = ("insult", "all caps", "repeated contact", "a cue from a newer server")
    questions = ("سفارش A-1042 کجاست؟", "نشانی را عوض کنم؟")
    confident = [
        fake_suggestion(
            "order-late",
            "سفارش دیر شده",
            "Sara عزیز، سفارش A-1042 را بررسی کردم: [[وضعیت رهگیری]]. تا 48 ساعت.",
            lang="fa",
            score=0.83,
            guidance=("رهگیری را بررسی کنید", "قول زمانی ندهید", "عذرخواهی کنید"),
            promise=48,
        ),
        fake_suggestion(
            "delivery-address",
            "تغییر نشانی",
            "نشانی تازه را برای {{order_id}} ثبت کردم.",
            lang="fa",
            score=0.71,
            question=1,
        ),
    ]
    fake.responses.append(
        fake_response(
            confident,
            match="confident",
            no_match=False,
            lang="fa",
            mood="angry",
            cues=cues,
            questions=questions,
            took_ms=1234.5,
        )
    )
    customer_says(page, "c-fa-digits", " ".join(questions) + " 3rd time!!", name="Sara")
    sidebar.locator(".card").first.wait_for()
    page.wait_for_timeout(200)  # the live region's announcement

    assert sidebar.locator(".mood").inner_text() == "عصبانی"
    shown_cues = sidebar.locator(".cues .cue").all_inner_texts()
    assert shown_cues == [FA_CUES[c] for c in cues[:3]] + ["a cue from a newer server"]
    words = chrome_text(sidebar)
    assert not any(d in words for d in ASCII_DIGIT), words
    for expected in ("Alt+۱", "Alt+۲", "پرسش ۱", "پرسش ۲", "۲ پرسش", "فهرست بررسی (۳)"):
        assert expected in words, expected
    assert "۴۸ ساعت" in words and "۱٬۲۳۵" not in words and "۱۲۳۵ میلی‌ثانیه" in words
    assert "۱ بخش را بنویسید" in words
    # The suggestion itself is the agent's: its digits are left as they are.
    assert "A-1042" in sidebar.locator(".reply").first.inner_text()
    screenshot(page, "host-persian-ui.png")

    # Every cue name the server knows has its Persian name; unknown ones pass through.
    names = sidebar.evaluate(
        """async (cues) => {
            const { strings } = await import('/widget/assets/strings.js');
            return cues.map((c) => strings('fa').cue(c));
        }""",
        [*FA_CUES, "mystery"],
    )
    assert names == [*FA_CUES.values(), "mystery"]

    # The weak state in Persian, opened.
    fake.responses.append(
        fake_response(weak_suggestions("fa"), match="weak", no_match=True, lang="fa")
    )
    customer_says(page, "c-fa-digits", "یه سوال دیگه", name="Sara")
    sidebar.locator(".message-text", has_text="یه سوال دیگه").wait_for()
    notice = sidebar.locator(".notice-empty")
    notice.wait_for()
    assert notice.locator(".notice-title").inner_text() == "پیشنهاد مطمئنی نیست"
    summary = sidebar.locator("details.weak > summary")
    assert "نزدیک‌ترین موارد (اطمینان پایین)" in summary.inner_text()
    summary.click()
    sidebar.locator(".card:visible").first.wait_for()
    page.wait_for_timeout(200)
    assert sidebar.locator(".chip.score").all_inner_texts() == ["امتیاز ۰٫۴۱", "امتیاز ۰٫۳۸"]
    words = chrome_text(sidebar)
    assert not any(d in words for d in ASCII_DIGIT), words
    assert "۷۲ ساعت" in words
    screenshot(page, "host-persian-weak.png")


def test_persian_reply_isolates_latin_values_and_stays_right_to_left(page, live, host):
    sidebar = open_host(page, live, host)
    init(page)
    customer_says(page, "c-bidi", FA_MESSAGE, name="Sara")
    card = sidebar.locator(".card[lang=fa]").first
    card.wait_for()
    assert card.locator(".reply").inner_text().startswith("Sara عزیز")
    card.locator("input.slot-data").fill("A-1042")
    card.locator("input.slot-human").fill("امروز صبح ارسال شد")
    card.locator("button.insert").click()
    page.wait_for_function("window.inserted().length === 1")
    text = page.evaluate("window.inserted()[0].data.text")
    # RLM first (the text starts with a Latin name), each Latin value isolated.
    assert text.startswith(RLM + FSI + "Sara" + PDI + " عزیز، ")
    assert FSI + "A-1042" + PDI in text  # the code the agent typed
    assert "امروز صبح ارسال شد" in text and FSI + "امروز" not in text  # Persian: as typed
    # Where it lands, a dir=auto composer (what help desks use) is right to left; the same
    # words without the marks would have turned it left to right.
    directions = page.evaluate(
        """([text, plain]) => [text, plain].map((value) => {
            const box = document.createElement('textarea');
            box.dir = 'auto';
            box.value = value;
            document.body.append(box);
            const direction = getComputedStyle(box).direction;
            box.remove();
            return direction;
        })""",
        [text, text.replace(RLM, "").replace(FSI, "").replace(PDI, "")],
    )
    assert directions == ["rtl", "ltr"]
    (row,) = wait_feedback(live, "c-bidi", "inserted")
    assert row.final_text == text
    # A host that drops the marks when the agent sends still gets it counted as sent.
    plain = text.replace(RLM, "").replace(FSI, "").replace(PDI, "")
    page.evaluate(
        "(m) => window.send(m)",
        {"type": "agent_message", "conversation_id": "c-bidi", "text": plain},
    )
    (sent,) = wait_feedback(live, "c-bidi", "sent")
    assert sent.suggestion_id == row.suggestion_id

    # An English reply is handed over exactly as composed: nothing added.
    customer_says(page, "c-bidi", EN_MESSAGE, name="Sara")
    card = sidebar.locator(".card[lang=en]").first
    card.wait_for()
    for slot in card.locator("input.slot-human").all():
        slot.fill("it left the hub")
    card.locator("button.insert").click()
    page.wait_for_function("window.inserted().length === 2")
    english = page.evaluate("window.inserted()[1].data.text")
    assert "it left the hub" in english
    assert not any(c in english for c in (RLM, FSI, PDI))


def test_demo_composer_keeps_a_persian_reply_with_a_latin_name_right_to_left(page, live):
    # Sara's details are Latin ("Sara", "A-1042"); her Persian message gets a Persian reply
    # that starts with her name. The demo's composer is a textarea with dir=auto.
    page.goto(f"{live.url}/widget/demo#key={AGENT_KEY}")
    page.click("#connect button")
    sidebar = page.frame_locator("#sidebar")
    page.fill("#customer-text", FA_MESSAGE)
    page.click("#customer-form button")
    card = sidebar.locator(".card[lang=fa]").first
    card.wait_for()
    assert card.locator(".reply").inner_text().startswith("Sara")
    card.locator("input.slot-human").fill("امروز صبح ارسال شد")
    card.locator("button.insert").click()
    page.wait_for_function("document.getElementById('reply').value.includes('امروز صبح')")
    reply = page.locator("#reply")
    value = reply.input_value()
    assert value.startswith(RLM + FSI + "Sara" + PDI + " عزیز")
    assert FSI + "A-1042" + PDI in value  # the demo customer's order id, filled by the server
    assert reply.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert reply.evaluate("el => el.matches(':dir(rtl)')")
    screenshot(page, "demo-persian-latin-name.png")
