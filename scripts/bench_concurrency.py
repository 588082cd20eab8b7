#!/usr/bin/env python
"""Thread pool or micro-batcher? Measures how the e5 embedder serves concurrent
requests, the question behind the API's executor. Prints JSON.

    python scripts/bench_concurrency.py [--seconds 6]

For OpenMP threads 1 and 2 (each in a fresh process, since OpenMP reads its settings
when the engine loads):
- single: one message at a time (latency floor);
- pool-P: P worker threads each embedding one message per call (what the API does);
- batch-N: one call embedding N messages (what a micro-batcher would do); its latency
  is what every request in the batch waits.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def measure(threads: int, seconds: float) -> dict[str, object]:
    sys.path.insert(0, str(REPO / "src"))
    from assist.core.embed import E5Embedder
    from assist.core.text import normalise
    from assist.eval.evaluate import load_golden

    embedder = E5Embedder(threads=threads)
    messages = [normalise(c.text) for c in load_golden(REPO / "tests/data/golden.yaml")]
    for message in messages[:20]:
        embedder.embed([message], "query")

    def timed(fn: object, count: int) -> tuple[float, list[float]]:
        latencies: list[float] = []
        started = time.perf_counter()
        n = 0
        while time.perf_counter() - started < seconds:
            t0 = time.perf_counter()
            fn(messages[n % len(messages) : n % len(messages) + count])  # type: ignore[operator]
            latencies.append((time.perf_counter() - t0) * 1000)
            n += count
        return n / (time.perf_counter() - started), latencies

    out: dict[str, object] = {"omp_threads": threads}
    rate, lat = timed(lambda batch: embedder.embed(batch, "query"), 1)
    out["single"] = {"per_s": round(rate, 1), "p50_ms": round(statistics.median(lat), 2)}
    for workers in (2, 4):
        done = 0
        lat = []
        started = time.perf_counter()

        def one(n: int) -> float:
            t0 = time.perf_counter()
            embedder.embed([messages[n % len(messages)]], "query")
            return (time.perf_counter() - t0) * 1000

        with ThreadPoolExecutor(workers) as pool:
            while time.perf_counter() - started < seconds:
                lat.extend(pool.map(one, range(done, done + workers * 4)))
                done += workers * 4
        rate = done / (time.perf_counter() - started)
        out[f"pool-{workers}"] = {
            "per_s": round(rate, 1),
            "p50_ms": round(statistics.median(lat), 2),
        }
    for size in (4, 16):
        rate, lat = timed(lambda batch: embedder.embed(batch, "query"), size)
        out[f"batch-{size}"] = {
            "per_s": round(rate, 1),
            "p50_ms_per_request": round(statistics.median(lat), 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    if args.threads:
        print(json.dumps(measure(args.threads, args.seconds)))
        return
    results = []
    for threads in (1, 2):
        child = subprocess.run(
            [sys.executable, __file__, "--threads", str(threads), "--seconds", str(args.seconds)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ},
        )
        results.append(json.loads(child.stdout))
    print(json.dumps({"cpu_count": os.cpu_count(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
