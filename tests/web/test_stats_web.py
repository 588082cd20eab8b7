"""The lead's statistics page (/widget/stats) in real Chromium, against a live server
whose store is seeded with a fortnight of a team's work: answers served, what the agents
did with each suggestion, checked drafts, follow-ups, approved snippets and kept
unmatched messages. The page's figures are compared with GET /v1/stats, and a few with
the seed itself. Both languages, an agent's key, an empty range. The README's
screenshots: `ASSIST_UPDATE_SCREENSHOTS=1 pytest tests/web/test_stats_web.py`.

Keys carry a team: lena is the `support` lead, sara an agent; `other` is another team
whose rows must not show.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import web_harness
from sqlalchemy import insert
from web_harness import Live

from assist.api.auth import hash_key
from assist.settings import ApiKey
from assist.store.feedback import Store
from assist.store.tables import answers_table, feedback_table, unmatched_table
from conftest import REPO
from stats_seed import event_row

pytestmark = web_harness.BROWSER_MARKS
browser = web_harness.browser

KEYS = {"lena": ("lead", "support"), "sara": ("agent", "support"), "olga": ("lead", "other")}
SCREENSHOTS = REPO / "docs" / "screenshots"
TODAY = datetime.now(UTC).date()
FROM, TO = TODAY - timedelta(days=20), TODAY


def key(name: str) -> str:
    return f"ak_{name}-stats-key"


def at(days_ago: int, hour: int = 10) -> datetime:
    day = TODAY - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


# ------------------------------------------------------------------ the seed

# (entry/reply, lang, shown, inserted, also sent of those inserted, dismissed, rewritten)
USAGE = [
    ("order-late/check-tracking", "en", 20, 12, 10, 4, 0),
    ("order-late/offer-options", "en", 10, 2, 1, 6, 1),
    ("angry-customer/acknowledge", "fa", 8, 6, 5, 1, 0),
    ("password-reset/send-link", "en", 5, 0, 0, 5, 0),
]
GAP_MESSAGES = [
    ("en", "do you ship to Norway"),
    ("en", "do you ship to Norway at all"),
    ("en", "can you ship to Norway please"),
    ("fa", "آیا به نروژ ارسال دارید"),
    ("fa", "به نروژ هم ارسال دارید؟"),
    ("fa", "آیا به نروژ هم ارسال دارید"),
    ("fa", "ارسال به نروژ دارید؟"),
    ("en", "is there a student discount"),
]


class Seeder:
    def __init__(self, store: Store):
        self.store = store
        self.answers: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []
        self.n = 0

    def answer(
        self,
        days_ago: int,
        suggestion: str,
        lang: str,
        mood: str,
        match: str,
        team: str = "support",
    ) -> str:
        self.n += 1
        answer_id = f"ans-{self.n:04d}"
        self.answers.append(
            {
                "id": answer_id,
                "created_at": at(days_ago),
                "key_name": "sara",
                "team": team,
                "conversation_id": f"c-{answer_id}",  # as stats_seed.event_row has it
                "lang": lang,
                "mood": mood,
                "match": match,
                "best_score": 0.8 if match == "confident" else 0.3,
                "top_entry_id": suggestion.split("/")[0],
                "suggestion_ids": json.dumps([suggestion]),
                "index_version": "seed",
            }
        )
        return answer_id

    def event(self, answer_id: str, suggestion: str, action: str, days_ago: int, team: str) -> None:
        # edit distance in thousandths of the text changed (normalised Levenshtein)
        edit = {"inserted": 100, "sent": 200}.get(action)
        when = at(days_ago, 11)
        self.feedback.append(
            event_row(answer_id, suggestion, action, when, team=team, edit=edit, elapsed_ms=4000)
        )

    def usage(
        self,
        key_: str,
        lang: str,
        shown: int,
        inserted: int,
        sent: int,
        dismissed: int,
        rewritten: int,
        team: str = "support",
    ) -> None:
        suggestion = f"{key_}/{lang}/0"
        moods = ["calm", "frustrated", "calm", "angry"]
        for i in range(shown):
            days_ago = 1 + i % 12
            match = "confident" if i % 5 else "weak"
            answer_id = self.answer(days_ago, suggestion, lang, moods[i % 4], match, team)
            self.event(answer_id, suggestion, "shown", days_ago, team)
            if i < inserted:
                self.event(answer_id, suggestion, "inserted", days_ago, team)
                if i < sent:
                    self.event(answer_id, suggestion, "sent", days_ago, team)
            elif i < inserted + dismissed:
                self.event(answer_id, suggestion, "dismissed", days_ago, team)
            elif i < inserted + dismissed + rewritten:
                self.event(answer_id, suggestion, "sent_rewritten", days_ago, team)

    def write(self) -> None:
        with self.store.transaction() as connection:
            connection.execute(insert(answers_table), self.answers)
            connection.execute(insert(feedback_table), self.feedback)


def seed(store: Store) -> dict[str, Any]:
    """A fortnight of team `support` (and a little of `other`); returns what the page
    must show."""
    store.create_schema()
    seeder = Seeder(store)
    for row in USAGE:
        seeder.usage(*row)
    # Approved team snippets: sara's is used well, reza's less.
    snippets = store.snippets
    sara = snippets.propose(
        "sara", "support", "team", {"en": ["Yes, we ship to Denmark."]}, ["do you ship to Denmark"]
    )
    reza = snippets.propose(
        "reza", "support", "team", {"fa": ["بله، بسته‌بندی هدیه داریم."]}, ["بسته‌بندی هدیه دارید؟"]
    )
    snippets.approve(sara.id, "lena")
    snippets.approve(reza.id, "lena")
    seeder.usage(f"snippet-{sara.id}/shared", "en", 6, 4, 3, 1, 0)
    seeder.usage(f"snippet-{reza.id}/shared", "fa", 4, 1, 0, 2, 0)
    # No confident match at all for a few messages, and another team's traffic.
    for i in range(5):
        seeder.answer(2 + i, "order-late/check-tracking/en/0", "en", "frustrated", "none")
    seeder.usage("order-late/check-tracking", "en", 9, 9, 9, 0, 0, team="other")
    seeder.write()

    # Checked drafts over ten days: recital falls as the team writes its own words.
    for days_ago in range(1, 11):
        for i in range(4):
            codes = []
            if i < (2 if days_ago > 5 else 1):
                codes.append("verbatim")
            if i == 3 and days_ago % 3 == 0:
                codes.append("over_promise")
            store.checks.record(
                "sara",
                "support",
                f"d-{days_ago}-{i}",
                "order-late",
                None,
                "en",
                codes,
                0.9 if "verbatim" in codes else 0.2,
                at=at(days_ago),
            )
    # Follow-ups: two done on time, one late, one open and overdue, one open not yet due.
    made = at(9)
    follow = store.followups
    for due_days_ago, done_days_ago in ((6, 7), (5, 5), (8, 4)):
        made_one = follow.create(
            "c-f", None, "email", at(due_days_ago, 17), "call back", "sara", "support", now=made
        )
        follow.done(made_one.id, "sara", now=at(done_days_ago, 12))
    follow.create("c-f", None, "chat", at(2), "check the refund", "sara", "support", now=made)
    follow.create("c-f", None, "chat", at(-3), "ask again", "sara", "support", now=made)
    # Messages kept because nothing (or only something weak) matched: the gaps.
    kept = [
        {
            "created_at": at(1 + i),
            "answer_id": f"gap-{i}",
            "team": "support",
            "lang": lang,
            "match": "none" if i % 2 else "weak",
            "best_entry_id": None if i % 2 else "order-late",
            "best_score": 0.2,
            "text": text,
        }
        for i, (lang, text) in enumerate(GAP_MESSAGES)
    ]
    with store.transaction() as connection:
        connection.execute(insert(unmatched_table), kept)
    return {"sara_snippet": sara.id, "reza_snippet": reza.id}


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, dict[str, Any]]]:
    keys = [
        ApiKey(name=name, role=role, team=team, sha256=hash_key(key(name)))
        for name, (role, team) in KEYS.items()
    ]
    with web_harness.team_server(tmp_path_factory.mktemp("stats"), keys) as live:
        yield live, seed(live.store)


def stats_api(live: Live, path: str = "/v1/stats", who: str = "lena", **query: str) -> Any:
    response = httpx.get(
        live.url + path, params=query, headers={"Authorization": f"Bearer {key(who)}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def open_stats(page: Any, live: Live, who: str, ui: str = "en", **query: str) -> None:
    params = {"from": FROM.isoformat(), "to": TO.isoformat(), "ui": ui, **query}
    search = "&".join(f"{k}={v}" for k, v in params.items())
    page.goto(f"{live.url}/widget/stats?{search}#key={key(who)}")
    assert "#key" not in page.url  # dropped from the address at once
    page.click("#connect-button")


def shot(page: Any, name: str) -> None:
    """The test's artifact; with ASSIST_UPDATE_SCREENSHOTS=1 also the README's picture
    (docs/screenshots, the whole page), so an ordinary run leaves the tree clean."""
    web_harness.screenshot(page, name)
    if os.environ.get("ASSIST_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def pct(rate: float | None) -> str:
    if rate is None:
        return "—"
    value = rate * 100
    return f"{value:.1f}%" if 0 < value < 10 else f"{round(value)}%"


FA = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")


# ------------------------------------------------------------------ tests


def test_a_lead_sees_the_team_s_figures_drawn_from_the_store(page, team):
    live, seeded = team
    stats = stats_api(live, **{"from": FROM.isoformat(), "to": TO.isoformat()})
    # The seed, counted by the server: team `support` only.
    assert stats["team"] == "support"
    assert stats["answers"]["served"] == 20 + 10 + 8 + 5 + 6 + 4 + 5
    tracking = next(r for r in stats["replies"] if r["key"] == "order-late/check-tracking")
    assert (tracking["shown"], tracking["acceptance"]) == (20, 0.6)

    open_stats(page, live, "lena")
    page.locator("#connection[data-kind=ok]").wait_for()
    assert page.locator("#connection").inner_text() == "Connected: team support"
    assert page.input_value("#team") == "support"
    assert page.locator("#team").get_attribute("readonly") is not None  # a lead: own team
    page.locator("#gaps ol.gaps, #gaps .notice").first.wait_for()
    shot(page, "stats-english.png")  # before anything is unfolded

    # Tiles
    tiles = page.locator(".tiles")
    assert tiles.locator("[data-tile=served] .tile-main").inner_text() == str(
        stats["answers"]["served"]
    )
    assert tiles.locator("[data-tile=match] .tile-main").inner_text() == pct(
        stats["answers"]["match_rate"]
    )
    assert tiles.locator("[data-tile=checks] .tile-main").inner_text() == str(
        stats["checks"]["checked"]
    )
    f = stats["followups"]
    assert (f["on_time"], f["overdue"], f["done_on_time"], f["done_late"]) == (1, 1, 2, 1)
    assert tiles.locator("[data-tile=followups] .tile-main").inner_text() == (
        "open now: 1 on time · 1 overdue"
    )
    assert "2 on time, 1 late" in tiles.locator("[data-tile=followups] .tile-sub").inner_text()
    moods = {m["mood"]: m["share"] for m in stats["mood"]}
    assert f"Calm {pct(moods['calm'])}" in tiles.locator("[data-tile=mood]").inner_text()

    # Acceptance per reply: one bar per reply shown, longest for the best accepted.
    bars = page.locator("#replies svg.bar-chart .bar-row")
    drawn = [r for r in stats["replies"] if r["shown"] > 0]
    assert bars.count() == len(drawn)
    keys = bars.evaluate_all("rows => rows.map(r => r.dataset.key)")
    best = max(drawn, key=lambda r: (r["acceptance"], r["shown"]))
    assert keys[0] == best["key"]
    width = {
        k: float(
            page.locator(f"#replies .bar-row[data-key='{k}'] .bar-fill").get_attribute("width")
        )
        for k in keys
    }
    assert width["order-late/check-tracking"] > width["order-late/offer-options"] > 0
    assert width["password-reset/send-link"] == 0  # never accepted
    row = page.locator("#replies .bar-row[data-key='order-late/check-tracking']")
    assert row.locator(".bar-value").text_content() == "60% · 12 of 20"
    snippet = page.locator(f"#replies .bar-row[data-key='snippet-{seeded['sara_snippet']}/shared']")
    assert (
        snippet.locator(".bar-label").text_content() == f"snippet #{seeded['sara_snippet']} by sara"
    )
    label = page.locator("#replies svg.bar-chart").get_attribute("aria-label")
    assert label.startswith("Acceptance per reply. Highest:")
    # … and the table with every figure.
    page.locator("#replies details.as-table summary").click()
    cells = page.locator("#replies table tr[data-key='order-late/check-tracking'] td")
    by_column = {c.get_attribute("data-column"): c.inner_text() for c in cells.all()}
    assert by_column["shown"] == "20" and by_column["inserted"] == "12"
    assert by_column["dismissed"] == "4" and by_column["acceptance"] == "60%"
    # (12 inserted x 10 % + 10 sent x 20 %) / 22 of the text changed, on average
    assert by_column["mean_edit_distance"] == pct(tracking["mean_edit_distance"] / 1000) == "15%"

    # Recital and over-promise per day: a point per day with checks, both series.
    trend = [d for d in stats["checks"]["trend"] if d["checked"]]
    assert len(trend) == 10
    for series in ("recital", "over-promise"):
        points = page.locator(f"#trend svg.line-chart .series.{series} circle")
        assert points.count() == len(trend)
    assert page.locator("#trend .series.recital polyline").count() == 1
    titles = page.locator("#trend .series.recital circle title").all_text_contents()
    assert titles[-1].endswith(f"Recital: {pct(trend[-1]['recital_rate'])}")
    assert page.locator("#trend .legend li").all_inner_texts() == ["Recital", "Over-promise"]

    # Contributors: sara's snippets used more than reza's.
    authors = page.locator("#contributors .bar-row")
    assert authors.evaluate_all("rows => rows.map(r => r.dataset.key)") == ["sara", "reza"]
    assert authors.first.locator(".bar-value").text_content() == "4 of 6 · 67%"

    # Gaps: groups of kept messages with examples, and the skeleton to copy.
    gaps = stats_api(live, "/v1/stats/gaps", **{"from": FROM.isoformat(), "to": TO.isoformat()})
    assert gaps["clusters"], gaps
    items = page.locator("#gaps li.gap")
    assert items.count() == len(gaps["clusters"])
    first = gaps["clusters"][0]
    assert items.first.locator(".examples q").all_inner_texts() == first["examples"]
    items.first.locator("button.copy-skeleton").click()
    items.first.locator(".copy-status[data-kind=ok]").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == first["skeleton"]

    # No other team's rows: `other` served 9 more with 100 % acceptance.
    assert "other" not in page.locator("#content").inner_text()


def test_the_persian_page_reads_right_to_left_with_persian_digits(page, team):
    live, _ = team
    stats = stats_api(live, **{"from": FROM.isoformat(), "to": TO.isoformat()})
    open_stats(page, live, "lena", ui="fa")
    page.locator("#connection[data-kind=ok]").wait_for()
    page.locator("#gaps ol.gaps, #gaps .notice").first.wait_for()
    assert page.evaluate("[document.documentElement.dir, document.documentElement.lang]") == [
        "rtl",
        "fa",
    ]
    assert page.title() == "assist · آمار تیم"
    served = page.locator("[data-tile=served] .tile-main").inner_text()
    assert served == str(stats["answers"]["served"]).translate(FA)
    value = page.locator("#replies .bar-row[data-key='order-late/check-tracking'] .bar-value")
    assert value.text_content() == "۶۰٪، ۱۲ از ۲۰"
    # The bars grow from the right: the filled part ends at the track's right edge.
    fill = page.locator("#replies .bar-row[data-key='order-late/check-tracking'] .bar-fill")
    track = page.locator("#replies .bar-row[data-key='order-late/check-tracking'] .bar-track")
    right = lambda el: float(el.get_attribute("x")) + float(el.get_attribute("width"))  # noqa: E731
    assert abs(right(fill) - right(track)) < 0.5
    assert float(fill.get_attribute("x")) > float(track.get_attribute("x"))
    # The line chart runs right to left: the earliest day is the rightmost point.
    xs = page.locator("#trend .series.recital circle").evaluate_all(
        "cs => cs.map(c => Number(c.getAttribute('cx')))"
    )
    assert xs == sorted(xs, reverse=True)
    assert page.locator("#trend h2").inner_text() == "عین قالب و قول بیش از حد در هر روز"
    assert "۰٪" in page.locator("#trend svg .axis-label").first.text_content()
    gap = page.locator("#gaps li.gap").first
    assert gap.locator("button.copy-skeleton").inner_text() == "رونوشت اسکلت"
    assert gap.locator(".skeleton-text").evaluate("el => getComputedStyle(el).direction") == "ltr"
    shot(page, "stats-persian.png")

    # Switching language re-draws in place.
    page.select_option("#ui", "en")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert page.locator("[data-tile=served] .tile-main").inner_text() == str(
        stats["answers"]["served"]
    )
    assert "ui=en" in page.url


def test_an_agent_key_is_told_the_page_is_for_leads(page, team):
    live, _ = team
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_stats(page, live, "sara")
    notice = page.locator("#leads-only")
    notice.wait_for()
    assert notice.get_attribute("role") == "alert"
    assert notice.locator(".notice-title").inner_text() == "Statistics are for leads."
    assert "sara is an agent key" in notice.inner_text()
    assert page.locator("#show").is_disabled()
    assert not [u for u in requests if "/v1/stats" in u]  # never asked
    page_headers = httpx.get(live.url + "/widget/stats").headers
    assert page_headers["x-frame-options"] == "DENY"  # a team's figures: not framable
    assert "frame-ancestors 'none'" in page_headers["content-security-policy"]
    # The server agrees: 403 for the agent.
    refused = httpx.get(live.url + "/v1/stats", headers={"Authorization": f"Bearer {key('sara')}"})
    assert refused.status_code == 403


def test_an_empty_range_says_so_instead_of_drawing_empty_charts(page, team):
    live, _ = team
    empty = {"from": "2021-03-01", "to": "2021-03-31"}
    stats = stats_api(live, **empty)
    assert stats["answers"]["served"] == 0 and stats["checks"]["checked"] == 0
    open_stats(page, live, "lena", **empty)
    notice = page.locator("#empty")
    notice.wait_for()
    assert notice.locator(".notice-title").inner_text() == "Nothing recorded in this range."
    assert "1 Mar 2021" in notice.inner_text() and "support" in notice.inner_text()
    assert page.locator("svg.chart").count() == 0
    # Open follow-ups are today's, not the range's: said beside the empty state.
    assert page.locator(".open-now").inner_text() == "Follow-ups open now: 1 on time, 1 overdue."

    # Back to a range with data from the form; a reversed range is refused in place.
    page.fill("#from", TO.isoformat())
    page.fill("#to", FROM.isoformat())
    page.click("#show")
    assert page.locator("#range-error").inner_text() == (
        "The start date must be on or before the end date."
    )
    page.fill("#from", FROM.isoformat())
    page.fill("#to", TO.isoformat())
    page.click("#show")
    page.locator("#replies svg.bar-chart").wait_for()
    assert f"from={FROM.isoformat()}" in page.url and "key" not in page.url
