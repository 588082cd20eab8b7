#!/usr/bin/env python
"""Benchmark the draft check (coach.check) over the labelled drafts. Prints JSON.

    python scripts/bench_check.py [--drafts tests/data/drafts.yaml] [--rounds 5] [--embedder e5]

The message vectors are computed first (the API embeds a message once and remembers it,
and the Suggester already embedded it for the suggestion): the timed part is the check
itself, which the budget is for (p50 <= 15 ms on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from assist.coach import check  # noqa: E402
from assist.core.cache import EmbeddingCache  # noqa: E402
from assist.core.embed import load_embedder, truncate  # noqa: E402
from assist.core.index import build_index, load_index  # noqa: E402
from assist.core.playbooks import load_playbooks  # noqa: E402
from assist.core.suggest import Turn  # noqa: E402
from assist.core.text import normalise  # noqa: E402
from assist.eval.coach import load_drafts  # noqa: E402
from assist.eval.evaluate import percentile  # noqa: E402
from assist.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=Path, default=REPO / "tests" / "data" / "drafts.yaml")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--playbooks", type=Path, default=REPO / "playbooks")
    parser.add_argument("--cache", type=Path, help="an embedding cache to reuse")
    args = parser.parse_args()

    drafts = load_drafts(args.drafts)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            embedder=args.embedder,  # type: ignore[call-arg]
            index_dir=Path(tmp) / "index",
        )
        embedder = load_embedder(settings)
        with EmbeddingCache(args.cache or Path(tmp) / "cache.sqlite") as cache:
            build_index(load_playbooks(args.playbooks), embedder, settings.index_dir, cache=cache)
        index = load_index(settings.index_dir, embedder)
        vectors = {}
        for item in drafts:
            if item.message and item.message not in vectors:
                text, _ = truncate(embedder, normalise(item.message), settings.max_query_tokens)
                vectors[item.message] = embedder.embed([text], "query")[0]
        calls = [
            {
                "draft": item.draft,
                "message": item.message,
                "message_vector": vectors.get(item.message or ""),
                "suggestion_id": item.suggestion_id,
                "customer": item.customer,
                "history": [Turn(t["role"], t["text"]) for t in item.history],
            }
            for item in drafts
        ]
        # A first pass builds what is built once per index (word tables, mood model).
        first = time.perf_counter()
        for call in calls:
            check(index=index, **call)
        first_pass_ms = (time.perf_counter() - first) * 1000
        times = []
        for _ in range(args.rounds):
            for call in calls:
                started = time.perf_counter()
                check(index=index, **call)
                times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(
        json.dumps(
            {
                "drafts": len(drafts),
                "rounds": args.rounds,
                "embedder": embedder.fingerprint,
                "cpus": os.cpu_count(),
                "check_ms": {
                    "p50": round(percentile(times, 50), 2),
                    "p95": round(percentile(times, 95), 2),
                    "max": round(times[-1], 2),
                },
                "first_pass_ms": round(first_pass_ms, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
