"""store/followups.py and its outbox: validation, masking, states, scoping, and the
delivery claim (lease, SKIP LOCKED, backoff, giving up); on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from assist.store.followup_outbox import backoff
from assist.store.followups import (
    FollowupConflict,
    FollowupNotFound,
    InvalidFollowup,
)

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def create(store, due: float = 0.0, **change):
    given = {
        "conversation_id": "c-1",
        "customer_ref": "cust-42",
        "channel": "email",
        "due_at": at(due),
        "reason": "Replacement card promised within 24 h",
        "owner": "sara",
        "team": "support",
        "source": "promise",
        "entry_id": "card-replacement",
        "now": T0,
    }
    return store.followups.create(**{**given, **change})


class TestFollowups:
    """Runs on both databases (the `db` fixture is parametrised)."""

    # ------------------------------------------------------------ records

    def test_a_follow_up_round_trips_with_its_outbox_row(self, db):
        made = create(
            db, due=3600, due_at=at(3600).astimezone(timezone(timedelta(hours=3, minutes=30)))
        )
        assert (made.status, made.channel, made.source, made.owner) == (
            "open",
            "email",
            "promise",
            "sara",
        )
        assert made.due_at == at(3600) and made.due_at.tzinfo == UTC
        assert made.delivery.state == "pending" and made.delivery.attempts == 0
        assert made.delivery.next_attempt_at == made.due_at
        assert db.followups.get(made.id) == made
        data = made.to_dict(now=T0)
        assert data["overdue"] is False and data["delivery"]["state"] == "pending"
        assert made.overdue(at(3600)) and not made.overdue(at(3599))

    def test_personal_data_is_masked_in_reason_and_customer_ref(self, db):
        made = create(
            db,
            reason="Call back on 0912 345 6789 or mail sara@example.com about card",
            customer_ref="sara@example.com",
        )
        assert "0912" not in made.reason and "sara@example.com" not in made.reason
        assert "[phone]" in made.reason and "[email]" in made.reason
        assert made.customer_ref == "[email]"
        stored = db.followups.get(made.id)
        assert stored.reason == made.reason

    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            ({"channel": "fax"}, "channel"),
            ({"source": "guess"}, "source"),
            ({"conversation_id": ""}, "conversation_id"),
            ({"conversation_id": "c" * 201}, "conversation_id"),
            ({"reason": "  "}, "reason"),
            ({"reason": "x" * 1001}, "reason"),
            ({"owner": ""}, "owner"),
            ({"team": "t" * 101}, "team"),
            ({"entry_id": "Not Kebab"}, "entry_id"),
            ({"due_at": datetime(2030, 1, 1, 9, 0)}, "time zone"),
            ({"due_at": at(-3600)}, "in the past"),
            ({"due_at": at(367 * 86400)}, "366 days"),
            ({"customer_ref": "r" * 201}, "customer_ref"),
        ],
    )
    def test_bad_input_is_refused_with_what_is_wrong(self, db, change, problem):
        with pytest.raises(InvalidFollowup, match=problem) as caught:
            create(db, **change)
        assert caught.value.status_code == 422
        assert db.followups.list() == []

    def test_every_problem_is_named_at_once(self, db):
        with pytest.raises(InvalidFollowup) as caught:
            create(db, channel="fax", reason="", owner="")
        assert len(caught.value.problems) == 3

    def test_done_and_cancel_only_from_open(self, db):
        first, second = create(db), create(db)
        done = db.followups.done(first.id, "sara", now=at(10))
        assert (done.status, done.closed_by, done.closed_at) == ("done", "sara", at(10))
        assert done.delivery.state == "closed"  # nothing left to deliver
        cancelled = db.followups.cancel(second.id, "lena")
        assert cancelled.status == "cancelled" and cancelled.closed_by == "lena"
        for action in (db.followups.done, db.followups.cancel):
            with pytest.raises(FollowupConflict, match="is done") as caught:
                action(first.id, "sara")
            assert caught.value.status_code == 409
        with pytest.raises(FollowupNotFound):
            db.followups.done(10**6, "sara")
        with pytest.raises(FollowupNotFound):
            db.followups.get(2**70)  # past any column: not there, not a driver error
        with pytest.raises(InvalidFollowup, match="by"):
            db.followups.cancel(first.id, " ")

    def test_two_closers_racing_one_wins(self, db):
        made = create(db)
        outcomes: list[str] = []

        def close(action):
            try:
                action(made.id, "someone")
                outcomes.append("won")
            except FollowupConflict:
                outcomes.append("conflict")

        threads = [
            threading.Thread(target=close, args=(a,))
            for a in (db.followups.done, db.followups.cancel) * 3
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["conflict"] * 5 + ["won"]

    def test_lists_filter_and_order_by_due_time(self, db):
        late = create(db, due=7200, owner="sara")
        soon = create(db, due=60, owner="reza")
        other = create(db, due=120, owner="mina", team="sales")
        db.followups.done(other.id, "mina")
        ids = lambda found: [f.id for f in found]  # noqa: E731
        assert ids(db.followups.list()) == [soon.id, other.id, late.id]
        assert ids(db.followups.list(status="open")) == [soon.id, late.id]
        assert ids(db.followups.list(owner="sara")) == [late.id]
        assert ids(db.followups.list(team="support")) == [soon.id, late.id]
        assert ids(db.followups.list(due_before=at(120))) == [soon.id]
        assert ids(db.followups.list(limit=1, offset=1)) == [other.id]
        assert db.followups.list(offset=2**70) == []  # past any row, not a driver error
        with pytest.raises(InvalidFollowup, match="status"):
            db.followups.list(status="closed")
        with pytest.raises(InvalidFollowup, match="time zone"):
            db.followups.list(due_before=datetime(2030, 1, 1))
        assert db.followups.counts(now=at(100)) == {"open": 2, "overdue": 1}
        assert db.followups.counts(now=at(100), team="sales") == {"open": 0, "overdue": 0}
        assert db.followups.counts(now=at(7200)) == {"open": 2, "overdue": 2}

    # ------------------------------------------------------------ the outbox

    def test_nothing_is_claimed_before_it_is_due(self, db):
        made = create(db, due=60)
        assert db.followups.claim_due(now=at(59), lease_seconds=30) == []
        (claim,) = db.followups.claim_due(now=at(60), lease_seconds=30, sender="one")
        assert claim.followup.id == made.id and claim.attempt == 1
        assert claim.idempotency_key == f"followup-{made.id}"
        assert claim.payload()["reason"] == made.reason and "attempt" not in claim.payload()
        assert claim.lease_until == at(90)
        assert db.followups.get(made.id).delivery.claimed_by == "one"

    def test_a_claim_holds_until_its_lease_ends_then_another_sender_retries(self, db):
        made = create(db)
        (first,) = db.followups.claim_due(now=at(0), lease_seconds=30, sender="killed")
        assert db.followups.claim_due(now=at(29), lease_seconds=30, sender="other") == []
        (second,) = db.followups.claim_due(now=at(30), lease_seconds=30, sender="other")
        assert second.followup.id == made.id and second.attempt == 2
        assert second.idempotency_key == first.idempotency_key  # attempt-independent
        assert second.payload() == first.payload()
        # The first sender's late failure must not push back the retry the other one owns.
        assert db.followups.mark_failed(first, "timed out", now=at(31)) is False
        assert db.followups.get(made.id).delivery.next_attempt_at == at(60)
        assert db.followups.mark_delivered(second, now=at(32)) is True
        assert db.followups.mark_delivered(first, now=at(33)) is False
        delivered = db.followups.get(made.id).delivery
        assert (delivered.state, delivered.delivered_at, delivered.attempts) == (
            "delivered",
            at(32),
            2,
        )
        assert db.followups.claim_due(now=at(10_000)) == []

    def test_failures_back_off_exponentially_then_give_up(self, db):
        made = create(db)
        now = 0.0
        for attempt in (1, 2, 3):
            (claim,) = db.followups.claim_due(now=at(now), lease_seconds=5)
            assert claim.attempt == attempt
            assert db.followups.mark_failed(
                claim, f"HTTP 500 #{attempt}", now=at(now), retry_seconds=10, max_attempts=4
            )
            wait = backoff(attempt, 10)
            assert wait == 10 * 2 ** (attempt - 1)
            assert db.followups.claim_due(now=at(now + wait - 0.5)) == []
            now += wait
        (last,) = db.followups.claim_due(now=at(now), lease_seconds=5)
        assert last.attempt == 4
        assert db.followups.mark_failed(last, "HTTP 503", now=at(now), max_attempts=4)
        gave_up = db.followups.get(made.id).delivery
        assert (gave_up.state, gave_up.last_error, gave_up.attempts) == ("failed", "HTTP 503", 4)
        assert db.followups.claim_due(now=at(10**6)) == []
        assert backoff(50, 10) == 3600.0  # capped

    def test_closed_follow_ups_are_not_delivered(self, db):
        done, cancelled, claimed = create(db), create(db), create(db)
        db.followups.done(done.id, "sara")
        db.followups.cancel(cancelled.id, "sara")
        (claim,) = db.followups.claim_due(now=at(0), lease_seconds=5)
        assert claim.followup.id == claimed.id
        db.followups.cancel(claimed.id, "sara")  # closed while its delivery failed
        assert db.followups.mark_failed(claim, "HTTP 500", now=at(1)) is False
        assert db.followups.claim_due(now=at(10**6)) == []

    def test_concurrent_claims_take_each_row_once(self, db):
        made = {create(db).id for _ in range(40)}
        claimed: list[int] = []
        lock = threading.Lock()

        def sender(name: str) -> None:
            for _ in range(len(made)):  # bounded: a broken lease would claim forever
                batch = db.followups.claim_due(now=at(1), limit=3, lease_seconds=60, sender=name)
                if not batch:
                    return
                with lock:
                    claimed.extend(c.followup.id for c in batch)

        threads = [threading.Thread(target=sender, args=(f"s{i}",)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(claimed) == sorted(made)  # every row, none twice

    def test_claims_are_limited_and_soonest_due_first(self, db):
        ids = [create(db, due=d).id for d in (30, 10, 20)]
        batch = db.followups.claim_due(now=at(60), limit=2)
        assert [c.followup.id for c in batch] == [ids[1], ids[2]]
        with pytest.raises(ValueError):
            db.followups.claim_due(limit=0)
        with pytest.raises(ValueError):
            db.followups.claim_due(lease_seconds=0)


def test_postgresql_skips_rows_another_sender_has_locked(pg_store):
    """SKIP LOCKED: a claim in progress elsewhere (rows locked, not yet committed) costs
    the next sender nothing: it takes the other rows at once instead of waiting."""
    assert pg_store.start()
    first, second = create(pg_store), create(pg_store)
    with pg_store.engine.connect() as other:
        other.execute(
            text("SELECT 1 FROM followup_deliveries WHERE followup_id = :id FOR UPDATE"),
            {"id": first.id},
        )
        started = datetime.now(UTC)
        claims = pg_store.followups.claim_due(now=at(0), lease_seconds=30)
        took = (datetime.now(UTC) - started).total_seconds()
        other.rollback()
    assert [c.followup.id for c in claims] == [second.id]
    assert took < 1.0
    (late,) = pg_store.followups.claim_due(now=at(0), lease_seconds=30)
    assert late.followup.id == first.id
