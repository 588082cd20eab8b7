#!/usr/bin/env python
"""How long until a snippet approved through one replica is suggested by another?
Prints JSON.

    python scripts/bench_snippet_propagation.py [--trials 10] [--poll 2] [--embedder e5]
        [--index DIR]

Two `assist serve` processes share one PostgreSQL database (127.0.0.1:5432, a schema
of their own, dropped afterwards) and one published index. Each trial: an agent shares
a reply through replica A, a lead approves it through A (the clock starts when the
approval returns), and replica B is asked every 20 ms with the snippet's own trigger
until it suggests it. Replica A serves it at once (checked too). The delay is the poll
interval plus the time to read the change and embed its triggers.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from assist.api.auth import add_key  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SITUATIONS = [
    ("can you gift wrap the order for my mum's birthday", "We can gift-wrap it: [[paper]]"),
    ("do you ship to the canary islands", "We do ship there: [[timeline]]"),
    ("is the blue sofa available in velvet", "It comes in velvet: [[colours]]"),
    ("میشه کادوپیچ کنید سفارشمو برای تولد مادرم", "بله کادوپیچ می‌کنیم: [[نوع کاغذ]]"),
    ("to jazire kish ham ersal darid", "بله به کیش هم می‌فرستیم: [[زمان]]"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} never became ready")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--poll", type=float, default=2.0, help="ASSIST_STORE_POLL_SECONDS")
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--index", type=Path, help="a published index (else one is built)")
    args = parser.parse_args()

    schema = f"assist_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    work = Path(tempfile.mkdtemp(prefix="assist-propagation-"))
    servers: list[subprocess.Popen[bytes]] = []
    try:
        index = args.index
        if index is None:
            index = work / "index"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "assist",
                    "reindex",
                    "-q",
                    "--no-snippets",
                    "--index",
                    str(index),
                    "--embedder",
                    args.embedder,
                ],
                check=True,
                env={**os.environ, "HF_HUB_OFFLINE": "1"},
            )
        keys = work / "keys.yaml"
        agent = add_key(keys, "sara", "agent", "support")
        lead = add_key(keys, "lena", "lead", "support")
        other = add_key(keys, "reza", "agent", "support")
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "ASSIST_DATABASE_URL": f"{PG}?options=-csearch_path%3D{schema}",
            "ASSIST_API_KEYS_FILE": str(keys),
            "ASSIST_INDEX_DIR": str(index),
            "ASSIST_EMBEDDER": args.embedder,
            "ASSIST_STORE_POLL_SECONDS": str(args.poll),
            "ASSIST_RATE_LIMIT_PER_SECOND": "0",
        }
        urls = []
        for _ in range(2):
            port = free_port()
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "assist",
                        "serve",
                        "--port",
                        str(port),
                        "--no-access-log",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_ready(url, time.monotonic() + 120)
        one, two = (httpx.Client(base_url=u, timeout=10) for u in urls)
        delays, on_a = [], []
        for trial in range(args.trials):
            message, reply = SITUATIONS[trial % len(SITUATIONS)]
            message = f"{message} ({trial})"
            shared = one.post(
                "/v1/snippets",
                json={"text": reply, "message": message},
                headers={"Authorization": f"Bearer {agent}"},
            )
            shared.raise_for_status()
            number = shared.json()["id"]
            one.post(
                f"/v1/snippets/{number}/approve",
                json={},
                headers={"Authorization": f"Bearer {lead}"},
            ).raise_for_status()
            approved = time.monotonic()

            def served(client: httpx.Client, number: int = number, message: str = message) -> bool:
                answer = client.post(
                    "/v1/suggest",
                    json={"conversation_id": f"bench-{number}", "message": message, "k": 5},
                    headers={"Authorization": f"Bearer {other}"},
                ).json()
                return any(s["entry_id"] == f"snippet-{number}" for s in answer["suggestions"])

            on_a.append(served(one))
            while not served(two):
                if time.monotonic() - approved > 10 * args.poll + 30:
                    raise SystemExit(f"snippet {number} never reached replica B")
                time.sleep(0.02)
            delays.append(time.monotonic() - approved)
        print(
            json.dumps(
                {
                    "date": time.strftime("%Y-%m-%d"),
                    "embedder": args.embedder,
                    "poll_seconds": args.poll,
                    "trials": args.trials,
                    "served_by_approving_replica_at_once": sum(on_a),
                    "delay_to_other_replica_s": {
                        "p50": round(statistics.median(delays), 3),
                        "max": round(max(delays), 3),
                        "min": round(min(delays), 3),
                    },
                },
                indent=2,
            )
        )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
