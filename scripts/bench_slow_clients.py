#!/usr/bin/env python
"""Slow-client attacks on a real server on 127.0.0.1, while a normal client measures
latency. Prints JSON.

    python scripts/bench_slow_clients.py [--connections 600] [--seconds 15] [--fd-limit 512]
                                         [--server serve|plain]

1. Builds tests/data/playbooks into a temporary index (hash embedder) and makes a key.
2. Starts the server as its own process with RLIMIT_NOFILE = --fd-limit: `assist serve`
   (its connection limits) or, with --server plain, the bare `uvicorn --factory
   assist.api:app_from_env` (uvicorn's defaults: the baseline).
3. Three phases of --seconds each, the normal client running throughout (one new
   connection per request, alternating GET /healthz and POST /v1/suggest):
   - baseline: no attack;
   - slow_headers: N connections that send a request line, then a header line a second,
     never finishing; each one the server drops is reopened at once;
   - endless_bodies: N unauthenticated POST /v1/suggest with a chunked body that never
     ends (1 KiB every 0.1 s); each one answered or dropped is reopened.
   Attackers connect from 127.0.0.2 (the normal client from 127.0.0.1), so per-address
   limits see two callers; every connection goes to 127.0.0.1 only.
Per phase: the normal client's p50/max latency and failures, the server's RSS before
and at its highest, and what happened to the attack connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from assist.api.auth import add_key  # noqa: E402
from assist.core.embed import HashEmbedder  # noqa: E402
from assist.core.index import build_index  # noqa: E402
from assist.core.playbooks import load_playbooks  # noqa: E402

HOST, ATTACKER = "127.0.0.1", "127.0.0.2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class NormalClient(threading.Thread):
    """One new connection per request, as a sidebar opening fresh would."""

    def __init__(self, url: str, key: str):
        super().__init__(daemon=True)
        self.url, self.key = url, key
        self.samples: list[tuple[str, float, bool]] = []  # (route, ms, ok)
        self.stop = threading.Event()

    def run(self) -> None:
        body = {"conversation_id": "bench", "message": "my order is late, where is it?"}
        headers = {"Authorization": f"Bearer {self.key}"}
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(timeout=10, limits=limits) as client:
            turn = 0
            while not self.stop.is_set():
                turn += 1
                route = "/healthz" if turn % 2 else "/v1/suggest"
                started = time.perf_counter()
                try:
                    if route == "/healthz":
                        ok = client.get(self.url + route).status_code == 200
                    else:
                        answer = client.post(self.url + route, json=body, headers=headers)
                        ok = answer.status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.samples.append((route, (time.perf_counter() - started) * 1000, ok))
                time.sleep(0.05)

    def report(self, since: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for route in ("/healthz", "/v1/suggest"):
            taken = [(ms, ok) for r, ms, ok in self.samples[since:] if r == route]
            good = [ms for ms, ok in taken if ok]
            out[route] = {
                "requests": len(taken),
                "failed": len(taken) - len(good),
                "p50_ms": round(statistics.median(good), 1) if good else None,
                "max_ms": round(max(ms for ms, _ in taken), 1) if taken else None,
            }
        return out


async def slow_headers(port: int, stop: asyncio.Event, stats: dict[str, int]) -> None:
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(HOST, port, local_addr=(ATTACKER, 0))
        except OSError:
            stats["connect_failed"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["opened"] += 1
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            while not stop.is_set():
                try:
                    data = await asyncio.wait_for(reader.read(1024), 1.0)
                except TimeoutError:
                    writer.write(b"X-Slow: 1\r\n")
                    await writer.drain()
                    continue
                stats["dropped" if not data else "answered"] += 1
                break
        except OSError:
            stats["dropped"] += 1
        finally:
            writer.close()


async def endless_body(port: int, stop: asyncio.Event, stats: dict[str, int]) -> None:
    chunk = b"400\r\n" + b"{" * 1024 + b"\r\n"
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(HOST, port, local_addr=(ATTACKER, 0))
        except OSError:
            stats["connect_failed"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["opened"] += 1
        try:
            writer.write(
                b"POST /v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            while not stop.is_set():
                try:
                    data = await asyncio.wait_for(reader.read(1024), 0.1)
                except TimeoutError:
                    writer.write(chunk)
                    await writer.drain()
                    continue
                if not data:
                    stats["dropped"] += 1
                else:
                    status = data.split(b" ", 2)[1].decode(errors="replace") if b" " in data else ""
                    name = f"answered_{status or '?'}"
                    stats[name] = stats.get(name, 0) + 1
                break
        except OSError:
            stats["dropped"] += 1
        finally:
            writer.close()


def attack(kind: str, port: int, connections: int, seconds: float) -> dict[str, int]:
    stats = {"opened": 0, "dropped": 0, "connect_failed": 0}
    if kind == "slow_headers":
        stats["answered"] = 0

    async def main() -> None:
        stop = asyncio.Event()
        attacker = slow_headers if kind == "slow_headers" else endless_body
        tasks = [asyncio.create_task(attacker(port, stop, stats)) for _ in range(connections)]
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.wait(tasks, timeout=5)
        for task in tasks:
            task.cancel()

    asyncio.run(main())
    return stats


def phase(
    name: str, client: NormalClient, pid: int, seconds: float, run_attack: Any
) -> dict[str, Any]:
    since = len(client.samples)
    rss_before, highest, fds = rss_mb(pid), 0.0, 0
    done = threading.Event()

    def sample() -> None:
        nonlocal highest, fds
        while not done.is_set():
            highest, fds = max(highest, rss_mb(pid)), max(fds, open_fds(pid))
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    attack_stats = None
    if run_attack:
        attack_stats = run_attack()
    else:
        time.sleep(seconds)
    done.set()
    sampler.join()
    time.sleep(1)  # let dropped connections settle before the next phase
    return {
        "phase": name,
        "normal_client": client.report(since),
        "server_rss_mb": {"before": rss_before, "max": highest, "after": rss_mb(pid)},
        "server_open_fds_max": fds,
        "attack": attack_stats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=600)
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--fd-limit", type=int, default=512, help="the server's RLIMIT_NOFILE")
    parser.add_argument("--server", choices=["serve", "plain"], default="serve")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * args.connections + 256
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))

    tmp = Path(tempfile.mkdtemp(prefix="assist-slow-"))
    build_index(load_playbooks(REPO / "tests/data/playbooks"), HashEmbedder(), tmp / "index")
    key = add_key(tmp / "keys.yaml", "bench", "agent")
    port = free_port()
    env = {
        **os.environ,
        "ASSIST_EMBEDDER": "hash",
        "ASSIST_INDEX_DIR": str(tmp / "index"),
        "ASSIST_API_KEYS_FILE": str(tmp / "keys.yaml"),
        "ASSIST_RELOAD_POLL_SECONDS": "0",
    }
    if args.server == "serve":
        command = ["-m", "assist.cli", "serve", "--port", str(port), "--no-access-log"]
    else:
        command = ["-m", "uvicorn", "--factory", "assist.api:app_from_env", "--port", str(port)]
        command += ["--host", HOST, "--no-access-log"]

    def limit_fds() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (args.fd_limit, args.fd_limit))

    server = subprocess.Popen(
        [sys.executable, *command],
        env=env,
        cwd=tmp,
        preexec_fn=limit_fds,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        client = NormalClient(url, key)
        client.start()
        n, seconds = args.connections, args.seconds
        phases = [
            phase("baseline", client, server.pid, seconds, None),
            phase(
                "slow_headers",
                client,
                server.pid,
                seconds,
                lambda: attack("slow_headers", port, n, seconds),
            ),
            phase(
                "endless_bodies",
                client,
                server.pid,
                seconds,
                lambda: attack("endless_bodies", port, n, seconds),
            ),
        ]
        client.stop.set()
        client.join(15)
        report = {
            "server": args.server,
            "fd_limit": args.fd_limit,
            "connections": n,
            "seconds_per_phase": seconds,
            "cpu_count": os.cpu_count(),
            "phases": phases,
            "server_alive": server.poll() is None,
        }
        print(json.dumps(report, indent=2))
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
