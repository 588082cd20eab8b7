"""The follow-up outbox across processes: two sender processes (the lifespan's delivery
loop, `run_followups`, each in its own `python -c`) on one PostgreSQL schema, and a local
HTTP receiver. Each due follow-up is delivered once; one is retried after the receiver
fails twice; one is held by a sender that is killed (SIGKILL) while the receiver stalls,
and the other sender delivers it once the lease has run out."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from webhook_receiver import Receiver

LEASE, POLL, RETRY, TIMEOUT = 2.0, 0.1, 0.3, 1.5
SENDER = """
import asyncio, sys
from assist.api.followup_delivery import run_followups
from assist.settings import Settings
from assist.store.feedback import Store

settings = Settings(
    _env_file=None,
    database_url=sys.argv[1],
    followup_webhook_url=sys.argv[2],
    followup_poll_seconds=float(sys.argv[3]),
    followup_lease_seconds=float(sys.argv[4]),
    followup_retry_seconds=float(sys.argv[5]),
    followup_timeout_seconds=float(sys.argv[6]),
    followup_batch=3,
    followup_max_attempts=5,
)
store = Store.from_settings(settings)
assert store.start()
print("ready", flush=True)
asyncio.run(run_followups(store, settings))
"""
PLAIN = 24  # follow-ups that are simply due


def start_sender(url: str, webhook: str) -> subprocess.Popen[str]:
    args = [str(v) for v in (url, webhook, POLL, LEASE, RETRY, TIMEOUT)]
    return subprocess.Popen(
        [sys.executable, "-c", SENDER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_ready(process: subprocess.Popen[str], seconds: float = 30) -> None:
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], seconds)
    line = process.stdout.readline() if readable else ""
    if line.strip() != "ready":
        process.kill()
        raise AssertionError(f"sender did not start: {line!r} {process.communicate()[1][-2000:]}")


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_two_sender_processes_deliver_each_due_follow_up_once(pg_store):
    assert pg_store.start()
    url = pg_store.url.render_as_string(hide_password=False)
    followups = pg_store.followups
    receiver = Receiver(fail_first={"c-flaky": 2}, stall={"c-stall"}, delay=0.05)
    senders: list[subprocess.Popen[str]] = []
    with receiver:
        try:
            senders = [start_sender(url, receiver.url) for _ in range(2)]
            for process in senders:
                wait_ready(process)

            def new(conversation: str, due: datetime) -> int:
                return followups.create(
                    conversation_id=conversation,
                    customer_ref=None,
                    channel="chat",
                    due_at=due,
                    reason=f"Come back about {conversation}",
                    owner="sara",
                    team="support",
                    source="promise",
                ).id

            now = datetime.now(UTC)
            cancelled = new("c-cancelled", now + timedelta(seconds=1))
            followups.cancel(cancelled, "sara")
            plain = [new(f"c-{i}", now) for i in range(PLAIN)]
            flaky = new("c-flaky", now)
            stall = new("c-stall", now + timedelta(seconds=0.5))  # both senders busy by then
            later_due = now + timedelta(seconds=2.5)
            later = new("c-later", later_due)
            expected = {stall, flaky, later, *plain}

            # The receiver holds the stalled POST; kill -9 the sender that sent it. Its
            # batch waits on the stalled POST, so it claims nothing more meanwhile; the
            # pause lets the stalled one's batch-mates finish (they take ~50 ms), so what
            # the kill loses is exactly that one claim.
            assert receiver.stalled.wait(15), "the stalled follow-up never arrived"
            stalled_at = time.time()
            holder = followups.get(stall).delivery.claimed_by
            assert holder is not None
            victim = next(p for p in senders if holder.endswith(f":{p.pid}"))
            survivor = next(p for p in senders if p is not victim)
            time.sleep(0.5)
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(5)

            def all_delivered() -> bool:
                states = {f.id: f.delivery.state for f in followups.list(limit=1000)}
                return all(states[i] == "delivered" for i in expected)

            wait_for(all_delivered, 20, "every due follow-up to be delivered")
            time.sleep(3 * POLL)  # a few more polls: nothing else arrives
            assert survivor.poll() is None, survivor.communicate()[1][-2000:]
        finally:
            for process in senders:
                if process.poll() is None:
                    process.kill()
                process.communicate(timeout=10)

    key = {i: f"followup-{i}" for i in expected}
    # Each due follow-up accepted exactly once; the cancelled one never sent.
    assert receiver.accepted() == Counter({key[i]: 1 for i in expected})
    assert not [r for r in receiver.requests if r.outcome == "duplicate"]
    assert all(r.body["id"] != cancelled for r in receiver.requests)
    assert Counter(r.key for r in receiver.requests) == Counter(
        {**{key[i]: 1 for i in [*plain, later]}, key[flaky]: 3, key[stall]: 2}
    )

    # Retried after the receiver failed twice, with the same key and a growing wait.
    tries = receiver.of("c-flaky")
    assert [(r.outcome, r.attempt) for r in tries] == [
        ("failed", 1),
        ("failed", 2),
        ("accepted", 3),
    ]
    assert tries[1].at - tries[0].at >= RETRY - 0.05
    assert tries[2].at - tries[1].at >= 2 * RETRY - 0.05
    assert followups.get(flaky).delivery.attempts == 3

    # Killed mid-delivery: not lost, delivered by the other process after the lease.
    first, second = receiver.of("c-stall")
    assert (first.outcome, second.outcome) == ("stalled", "accepted")
    assert first.key == second.key and (first.attempt, second.attempt) == (1, 2)
    assert second.at - stalled_at >= LEASE - 0.5
    assert followups.get(stall).delivery.claimed_by.endswith(f":{survivor.pid}")

    # Not before its time.
    (late,) = receiver.of("c-later")
    assert late.at >= later_due.timestamp() - 0.05

    # Both processes took part (SKIP LOCKED lets them claim side by side).
    deliverers = {f.delivery.claimed_by for f in followups.list(limit=1000) if f.id in expected}
    assert {d.rsplit(":", 1)[1] for d in deliverers} == {str(victim.pid), str(survivor.pid)}
