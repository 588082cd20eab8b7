"""Statistics counted in the database, on SQLite and PostgreSQL, against figures worked
out by hand from tests/stats_seed.py."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import make_url

from assist.store.feedback import Store
from assist.store.stats import InvalidStats, Period, Stats
from stats_seed import FIRST, LAST, NOW, seed


@pytest.fixture
def seeded(db):
    ids = seed(db)
    return db, ids


def summary(store, team: str | None = "support", first=FIRST, last=LAST):
    return Stats(store).summary(Period.parse(first, last), team, now=NOW)


def test_answers_by_match_language_and_mood(seeded):
    store, _ = seeded
    got = summary(store)
    assert (got["from"], got["to"], got["team"]) == (FIRST, LAST, "support")
    # a1..a5: 3 confident, 1 weak, 1 none; a6 (a minute before), a7 (the day after) and
    # a8 (sales) are out.
    assert got["answers"] == {
        "served": 5,
        "confident": 3,
        "weak": 1,
        "none": 1,
        "match_rate": 0.6,
        "weak_rate": 0.2,
        "no_match_rate": 0.2,
    }
    assert [
        (r["lang"], r["served"], r["match_rate"], r["weak_rate"], r["no_match_rate"])
        for r in got["by_lang"]
    ] == [
        ("en", 3, 0.6667, 0.3333, 0.0),
        ("fa", 2, 0.5, 0.0, 0.5),
    ]
    assert got["mood"] == [
        {"mood": "calm", "served": 3, "share": 0.6},
        {"mood": "angry", "served": 1, "share": 0.2},
        {"mood": "frustrated", "served": 1, "share": 0.2},
    ]


def test_replies_funnel_acceptance_and_edit_distance(seeded):
    store, ids = seeded
    replies = {r["key"]: r for r in summary(store)["replies"]}
    own = replies.pop("order-late/own-it")
    # shown in a1, a2, a5; a1 inserted then sent counts once, a5 sent; a2 rewritten.
    assert {k: own[k] for k in ("shown", "inserted", "sent", "sent_rewritten", "dismissed")} == {
        "shown": 3,
        "inserted": 1,
        "sent": 2,
        "sent_rewritten": 1,
        "dismissed": 0,
    }
    assert own["accepted"] == 2 and own["acceptance"] == 0.6667
    assert own["mean_edit_distance"] == 10.5  # (4 + 2 + 30 + 6) / 4
    assert (own["source"], own["author"], own["entry_id"], own["reply_id"]) == (
        "playbook",
        None,
        "order-late",
        "own-it",
    )
    ask = replies.pop("order-late/ask")
    assert (ask["shown"], ask["dismissed"], ask["acceptance"], ask["mean_edit_distance"]) == (
        1,
        1,
        0.0,
        None,
    )
    snippet = replies.pop(f"snippet-{ids['s1']}/shared")
    assert (snippet["source"], snippet["author"], snippet["acceptance"]) == ("snippet", "sara", 1.0)
    assert snippet["mean_edit_distance"] == 0.0
    assert replies == {}


def test_checks_recital_and_over_promise_overall_per_day_and_entry(seeded):
    store, _ = seeded
    checks = summary(store)["checks"]
    assert {k: checks[k] for k in checks if k not in ("trend", "by_entry")} == {
        "checked": 4,
        "recital": 2,
        "recital_rate": 0.5,
        "over_promise": 2,
        "over_promise_rate": 0.5,
        "recital_mean": 0.5,  # (0.9 + 0.2 + 0.8 + 0.1) / 4
    }
    assert [
        (d["day"], d["checked"], d["recital_rate"], d["over_promise_rate"]) for d in checks["trend"]
    ] == [
        ("2025-03-01", 2, 0.5, 0.5),
        ("2025-03-02", 1, 1.0, 1.0),
        ("2025-03-03", 1, 0.0, 0.0),
    ]
    assert [
        (e["entry_id"], e["checked"], e["recital_rate"], e["over_promise_rate"])
        for e in checks["by_entry"]
    ] == [
        ("order-late", 3, 0.6667, 0.6667),
        (None, 1, 0.0, 0.0),
    ]


def test_authors_count_their_library_snippets_and_usage(seeded):
    store, _ = seeded
    # sara: one approved and one retired team snippet; reza's are proposed or private.
    assert summary(store)["authors"] == [
        {
            "author": "sara",
            "snippets": 2,
            "shown": 1,
            "inserted": 1,
            "sent": 0,
            "accepted": 1,
            "acceptance": 1.0,
        }
    ]
    every = {a["author"]: a for a in summary(store, team=None)["authors"]}
    assert set(every) == {"sara", "mina"} and every["mina"]["shown"] == 0


def test_followups_open_now_and_done_in_the_period(seeded):
    store, _ = seeded
    assert summary(store)["followups"] == {
        "open": 2,
        "on_time": 1,
        "overdue": 1,
        "done_on_time": 1,
        "done_late": 1,
    }


def test_gaps_count_kept_messages_and_read_the_newest(seeded):
    store, _ = seeded
    assert summary(store)["gaps"] == {"kept": 3, "clusters": None}
    kept = Stats(store).kept(Period.parse(FIRST, LAST), "support", limit=2)
    assert [k.text for k in kept] == [
        "gift card from the old shop, does it work here",
        "can I pay with a gift card from the old shop",
    ]
    assert (kept[0].lang, kept[0].match, kept[0].best_entry_id) == ("en", "none", "order-late")


def test_every_team_and_an_empty_period(seeded):
    store, _ = seeded
    every = summary(store, team=None)
    assert every["answers"]["served"] == 6 and every["answers"]["none"] == 2
    assert every["checks"]["checked"] == 5 and every["gaps"]["kept"] == 4
    empty = summary(store, first="2024-01-01", last="2024-01-31")
    assert empty["answers"]["served"] == 0 and empty["answers"]["match_rate"] is None
    assert empty["replies"] == [] and empty["by_lang"] == [] and empty["mood"] == []
    assert empty["checks"]["recital_rate"] is None and empty["checks"]["trend"] == []
    assert empty["authors"][0]["acceptance"] is None  # sara's snippets, unused then


def test_days_are_utc_whatever_the_sessions_time_zone(pg_store):
    # Tehran is +03:30: a check at 22:00 UTC on the 3rd is the 4th there, and must stay
    # the 3rd in the trend.
    assert pg_store.start()
    seed(pg_store)
    url = pg_store.url
    options = url.query["options"]
    tehran = Store(
        url.update_query_dict({"options": f"{options} -cTimeZone=Asia/Tehran"}).render_as_string(
            hide_password=False
        )
    )
    try:
        days = [d["day"] for d in summary(tehran)["checks"]["trend"]]
    finally:
        tehran.close()
    assert days == ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert make_url(str(url)).get_backend_name() == "postgresql"


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2025-13-01", None, "from '2025-13-01': a date as YYYY-MM-DD"),
        ("yesterday", None, "from 'yesterday': a date"),
        ("2025-03-02", "2025-03-01", "from 2025-03-02 is after to 2025-03-01"),
        ("2024-01-01", "2025-03-01", "the range is 426 days; at most 366"),
        ("0001-01-01", "0001-01-02", "a year from 1970"),
        ("2025-01-01T00:00", None, "a date as YYYY-MM-DD"),
    ],
)
def test_bad_dates_are_refused_with_the_reason(first, last, message):
    with pytest.raises(InvalidStats) as caught:
        Period.parse(first, last, today=date(2025, 3, 3))
    assert message in str(caught.value) and caught.value.status_code == 422


def test_the_default_period_is_the_last_thirty_days():
    period = Period.parse(None, None, today=date(2025, 3, 30))
    assert (period.first, period.last, period.days) == (date(2025, 3, 1), date(2025, 3, 30), 30)
    assert period.since.isoformat() == "2025-03-01T00:00:00+00:00"
    assert period.until.isoformat() == "2025-03-31T00:00:00+00:00"
