"""store/checks.py: the coach's check log (codes only) and its counts per entry and per
agent; on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from assist.store.checks import InvalidCheck
from assist.store.tables import check_codes_table, check_log_table

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def record(store, **change) -> int:
    given = {
        "key_name": "sara",
        "team": "support",
        "conversation_id": "c-1",
        "entry_id": "transfer-delayed",
        "suggestion_id": "transfer-delayed/explain-hold/en/0",
        "lang": "en",
        "codes": ["verbatim", "over_promise"],
        "recital": 0.9,
        "sent": False,
        "at": T0,
    }
    return store.checks.record(**{**given, **change})


class TestChecks:
    def test_a_check_is_logged_with_its_codes_and_never_a_text(self, db):
        number = record(db, codes=["over_promise", "verbatim", "over_promise"])
        with db.engine.connect() as connection:
            row = connection.execute(select(check_log_table)).mappings().one()
            codes = connection.execute(select(check_codes_table.c.code)).scalars().all()
        assert row["id"] == number and row["recital"] == pytest.approx(0.9)
        assert row["sent"] is False and row["key_name"] == "sara"
        assert sorted(codes) == ["over_promise", "verbatim"]  # once each
        columns = {c["name"] for c in inspect(db.engine).get_columns("check_log")}
        assert not columns & {"draft", "text", "final_text", "message"}

    def test_counts_per_entry_and_per_agent(self, db):
        record(db)
        record(db, codes=["verbatim"], recital=0.7, sent=True)
        record(db, key_name="reza", codes=[], recital=0.1, sent=True)
        record(db, entry_id="order-late", suggestion_id=None, codes=["no_name"], recital=0.3)
        record(db, entry_id=None, suggestion_id=None, lang=None, codes=["blames_customer"])
        record(db, team="sales", key_name="mina", codes=["verbatim"])

        (overall,) = db.checks.counts(team="support")
        assert (overall.group, overall.checks, overall.sent) == (None, 5, 2)
        assert overall.codes == {
            "blames_customer": 1,
            "no_name": 1,
            "over_promise": 1,
            "verbatim": 2,
        }
        assert overall.recital_mean == pytest.approx((0.9 + 0.7 + 0.1 + 0.3 + 0.9) / 5)

        per_entry = {c.group: c for c in db.checks.counts(by="entry_id", team="support")}
        assert set(per_entry) == {"transfer-delayed", "order-late", None}
        assert per_entry["transfer-delayed"].checks == 3
        assert per_entry["transfer-delayed"].codes == {"over_promise": 1, "verbatim": 2}
        assert per_entry["order-late"].to_dict()["codes"] == {"no_name": 1}

        per_agent = {c.group: c for c in db.checks.counts(by="key_name")}
        assert {k: v.checks for k, v in per_agent.items()} == {"sara": 4, "reza": 1, "mina": 1}
        assert per_agent["reza"].codes == {} and per_agent["reza"].sent == 1

        sent = db.checks.counts(sent=True)
        assert [(c.checks, c.codes) for c in sent] == [(2, {"verbatim": 1})]
        assert db.checks.counts(key_name="nobody") == []

    def test_counts_by_time(self, db):
        record(db, at=T0)
        record(db, at=T0 + timedelta(days=1))
        (later,) = db.checks.counts(since=T0 + timedelta(hours=1))
        (earlier,) = db.checks.counts(until=T0 + timedelta(hours=1))
        assert later.checks == earlier.checks == 1
        with pytest.raises(InvalidCheck, match="by"):
            db.checks.counts(by="draft")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            ({"codes": ["Over Promise"]}, "codes"),
            ({"codes": "verbatim"}, "codes"),
            ({"codes": ["x"] * 31}, "limit is 30"),
            ({"recital": 1.5}, "recital"),
            ({"recital": float("nan")}, "recital"),
            ({"recital": True}, "recital"),
            ({"sent": "yes"}, "sent"),
            ({"key_name": ""}, "key_name"),
            ({"team": "t" * 101}, "team"),
            ({"conversation_id": ""}, "conversation_id"),
            ({"entry_id": "Not Kebab"}, "entry_id"),
            ({"suggestion_id": "nope"}, "suggestion_id"),
            ({"lang": "English!"}, "lang"),
        ],
    )
    def test_bad_input_is_refused(self, db, change, problem):
        with pytest.raises(InvalidCheck, match=problem) as caught:
            record(db, **change)
        assert caught.value.status_code == 422
        assert db.checks.counts() == []
