#!/usr/bin/env python
"""Does refreshing feedback priors slow /v1/suggest? Two `assist serve` processes on one
index and one feedback store, one refreshing priors every 5 s, one with the refresh
off; one client alternates between them (A B A B ...), so machine noise hits both alike.
Prints JSON; the goal is p50(on) / p50(off) <= 1.05.

    python scripts/bench_priors.py [--rows 200000] [--duration 60] [--embedder e5]
        [--database-url postgresql+psycopg://...] [--index /tmp/h5idx]

1. Seeds the store with `rows` feedback events (shows of real replies at places 0-2 by
   10 agents over 120 days, some inserted and sent, some dismissed), then times one
   recount (GROUP BY + learn) directly.
2. Starts both servers; while the client runs, a writer appends an event every second,
   so every refresh of server A is a full recount (its worst case).
3. Counts the answers of A whose suggestions carry a prior (the refresh really ran).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from assist.api.auth import add_key  # noqa: E402
from assist.core.cache import EmbeddingCache  # noqa: E402
from assist.core.embed import load_embedder  # noqa: E402
from assist.core.index import build_index  # noqa: E402
from assist.core.playbooks import load_playbooks  # noqa: E402
from assist.eval.evaluate import load_golden, percentile  # noqa: E402
from assist.learn.priors import learn_priors  # noqa: E402
from assist.settings import Settings  # noqa: E402
from assist.store.feedback import Store  # noqa: E402
from assist.store.priors_counts import prior_counts  # noqa: E402
from assist.store.tables import feedback_table  # noqa: E402
from bench_http import wait_ready  # noqa: E402  (scripts/ is on the path)

AGENTS = [f"agent-{n}" for n in range(10)]
ACCEPT = (0.5, 0.2, 0.1)  # per place: inserted and sent


def event(now: datetime, age: float, key: str, reply: tuple[str, str], answer: str, place: int):
    entry_id, reply_id = reply
    return {
        "created_at": now - timedelta(days=age),
        "key_name": key,
        "conversation_id": f"bench-{answer}",
        "suggestion_id": f"{entry_id}/{reply_id}/en/0",
        "entry_id": entry_id,
        "reply_id": reply_id,
        "lang": "en",
        "variant": 0,
        "final_text": None,
        "answer_id": answer,
        "position": place,
        "team": "default",
    }


def seed(store: Store, replies: list[tuple[str, str]], rows: int, rng: random.Random) -> int:
    now, batch, written = datetime.now(UTC), [], 0
    while written + len(batch) < rows:
        answer = secrets.token_urlsafe(12)
        age, key = rng.uniform(0, 120), rng.choice(AGENTS)
        for place, reply in enumerate(rng.sample(replies, 3)):
            base = event(now, age, key, reply, answer, place)
            batch.append({**base, "action": "shown"})
            if rng.random() < ACCEPT[place]:
                batch += [{**base, "action": "inserted"}, {**base, "action": "sent"}]
            elif rng.random() < 0.3:
                batch.append({**base, "action": "dismissed"})
        if len(batch) >= 5000:
            with store.transaction() as connection:
                connection.execute(insert(feedback_table), batch)
            written, batch = written + len(batch), []
    if batch:
        with store.transaction() as connection:
            connection.execute(insert(feedback_table), batch)
        written += len(batch)
    return written


def recount_ms(store: Store, settings: Settings, times: int = 5) -> dict[str, float]:
    took, learnt = [], 0
    for _ in range(times):
        started = time.perf_counter()
        counts = prior_counts(store, horizon_days=8 * settings.prior_half_life_days)
        learnt = len(learn_priors(counts, settings).deltas)
        took.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(took), 1), "replies_with_priors": learnt}


def serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "assist.cli", "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values), 2),
        "p95": round(percentile(values, 95), 2),
        "n": len(values),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--index", type=Path, help="an index built already (else one is built)")
    parser.add_argument("--port", type=int, default=8771)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="assist-bench-priors-"))
    index_dir = args.index or tmp / "index"
    url = args.database_url or f"sqlite:///{tmp / 'assist.sqlite'}"
    settings = Settings(
        _env_file=None,
        embedder=args.embedder,  # type: ignore[call-arg]
        index_dir=index_dir,
        database_url=url,
    )
    playbooks = load_playbooks(REPO / "playbooks")
    if args.index is None:
        with EmbeddingCache(REPO / "index" / ".cache" / "embeddings.sqlite") as cache:
            build_index(playbooks, load_embedder(settings), index_dir, cache=cache)
    replies = [(e.id, r.id) for e in playbooks.entries for r in e.replies]
    store = Store(url)
    assert store.start(), "the store did not open"
    rng = random.Random(0)
    started = time.perf_counter()
    seeded = seed(store, replies, args.rows, rng)
    report: dict[str, object] = {
        "embedder": args.embedder,
        "database": store.url.get_backend_name(),
        "feedback_rows": seeded,
        "seed_seconds": round(time.perf_counter() - started, 1),
        "recount": recount_ms(store, settings),
        "cpu_count": os.cpu_count(),
    }

    key = add_key(tmp / "keys.yaml", "bench", "admin")
    env = {
        **os.environ,
        "ASSIST_INDEX_DIR": str(index_dir),
        "ASSIST_EMBEDDER": args.embedder,
        "ASSIST_DATABASE_URL": url,
        "ASSIST_API_KEYS_FILE": str(tmp / "keys.yaml"),
        "ASSIST_RATE_LIMIT_PER_SECOND": "0",
        "ASSIST_RELOAD_POLL_SECONDS": "0",
    }
    on_url, off_url = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.port + 1}"
    servers = [
        serve(args.port, {**env, "ASSIST_PRIORS_REFRESH_SECONDS": "5"}),
        serve(args.port + 1, {**env, "ASSIST_PRIORS_REFRESH_SECONDS": "0"}),
    ]
    stop = threading.Event()

    def write_events() -> None:  # the log keeps growing: every refresh recounts
        writer = random.Random(1)
        while not stop.wait(1.0):
            reply = writer.choice(replies)
            row = event(datetime.now(UTC), 0, "agent-0", reply, secrets.token_urlsafe(12), 0)
            with store.transaction() as connection:
                connection.execute(insert(feedback_table), [{**row, "action": "shown"}])

    cases = load_golden(REPO / "tests/data/golden.yaml")
    messages = [c.text for c in cases]
    try:
        for server, where in zip(servers, (on_url, off_url), strict=True):
            wait_ready(where, server, timeout=300)
        time.sleep(6)  # server A's first refresh is done
        writer = threading.Thread(target=write_events, daemon=True)
        writer.start()
        latency: dict[str, list[float]] = {"on": [], "off": []}
        with_prior = 0
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(headers=headers, timeout=60) as http:
            for warm in range(10):
                for where in (on_url, off_url):
                    http.post(
                        f"{where}/v1/suggest",
                        json={"message": messages[warm], "conversation_id": "w"},
                    )
            deadline, n = time.monotonic() + args.duration, 0
            while time.monotonic() < deadline:
                message = messages[n % len(messages)]
                order = (("on", on_url), ("off", off_url))
                for name, where in order if n % 2 == 0 else order[::-1]:
                    body = {"message": message, "conversation_id": f"bench-{n}"}
                    started = time.perf_counter()
                    response = http.post(f"{where}/v1/suggest", json=body)
                    latency[name].append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                    if name == "on":
                        suggestions = response.json()["suggestions"]
                        with_prior += any(s["why"]["prior"] for s in suggestions)
                n += 1
        stop.set()
        on, off = summary(latency["on"]), summary(latency["off"])
        report.update(
            {
                "refresh_on": on,
                "refresh_off": off,
                "p50_on_vs_off": round(on["p50"] / off["p50"], 3),
                "goal": 1.05,
                "answers_with_a_prior": with_prior,
            }
        )
    finally:
        stop.set()
        for server in servers:
            server.terminate()
            server.wait(10)
        store.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
