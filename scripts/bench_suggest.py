#!/usr/bin/env python
"""Benchmark the live pipeline against its floor, the bare embedder call, and reindex
cold vs warm cache. Prints JSON.

    python scripts/bench_suggest.py [--messages 200] [--rounds 3] [--embedder e5]

Each message is timed both ways back to back (A B A B ...), so machine noise hits both
sides alike; the ratio of medians is the number that matters (goal <= 1.15).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from assist.core.cache import EmbeddingCache  # noqa: E402
from assist.core.embed import load_embedder, truncate  # noqa: E402
from assist.core.index import build_index, load_index  # noqa: E402
from assist.core.playbooks import load_playbooks  # noqa: E402
from assist.core.suggest import Query, Suggester, Turn  # noqa: E402
from assist.core.text import normalise, split_questions  # noqa: E402
from assist.eval.evaluate import load_golden, percentile  # noqa: E402
from assist.settings import Settings  # noqa: E402

FOLLOW_UPS = ("any news?", "still nothing??", "هنوز خبری نشد؟", "خب الان چی؟")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--playbooks", type=Path, default=REPO / "playbooks")
    parser.add_argument(
        "--cache", type=Path, help="reuse this embedding cache (the reindex timing is skipped)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            embedder=args.embedder,  # type: ignore[call-arg]
            index_dir=Path(tmp) / "index",
        )
        embedder = load_embedder(settings)
        playbooks = load_playbooks(args.playbooks)
        with EmbeddingCache(args.cache or Path(tmp) / "cache.sqlite") as cache:
            cold = build_index(playbooks, embedder, settings.index_dir, cache=cache)
            warm = min(
                (
                    build_index(playbooks, embedder, settings.index_dir, cache=cache)
                    for _ in range(1 if args.cache else 3)
                ),
                key=lambda r: r.seconds,
            )
        suggester = Suggester(load_index(settings.index_dir, embedder), embedder, settings)

        cases = load_golden(REPO / "tests/data/golden.yaml")
        # alternate languages so both are in the sample
        en = [c.text for c in cases if c.lang == "en"]
        fa = [c.text for c in cases if c.lang == "fa"]
        messages = [m for pair in zip(en, fa, strict=False) for m in pair][: args.messages]

        def bare(message: str) -> None:
            embedder.embed([truncate(embedder, normalise(message))[0]], "query")

        for message in messages[:20]:  # warm caches, pages and branch predictors
            bare(message)
            suggester.suggest(Query(message))
        embed_ms: list[float] = []
        suggest_ms: list[float] = []
        # A short follow-up with the message as history: read in context (a second search
        # and the conversation prior); the earlier turn's vector comes from memory.
        follow_embed_ms: list[float] = []
        follow_ms: list[float] = []
        for _ in range(args.rounds):
            for n, message in enumerate(messages):
                query = Query(message, conversation_id=f"bench-{n}")
                t0 = time.perf_counter()
                bare(message)
                t1 = time.perf_counter()
                suggester.suggest(query)
                t2 = time.perf_counter()
                embed_ms.append((t1 - t0) * 1000)
                suggest_ms.append((t2 - t1) * 1000)
                follow = FOLLOW_UPS[n % len(FOLLOW_UPS)]
                history = (Turn("customer", message),)
                t0 = time.perf_counter()
                bare(follow)
                t1 = time.perf_counter()
                suggester.suggest(Query(follow, conversation_id=f"bench-{n}", history=history))
                t2 = time.perf_counter()
                follow_embed_ms.append((t1 - t0) * 1000)
                follow_ms.append((t2 - t1) * 1000)

    multi = sum(len(split_questions(m)) > 1 for m in messages)
    report = {
        "embedder": embedder.fingerprint,
        "cpu_count": os.cpu_count(),
        "messages": len(messages),
        "multi_question_messages": multi,
        "rounds": args.rounds,
        "embed_ms": {
            "p50": round(statistics.median(embed_ms), 3),
            "p95": round(percentile(embed_ms, 95), 3),
        },
        "suggest_ms": {
            "p50": round(statistics.median(suggest_ms), 3),
            "p95": round(percentile(suggest_ms, 95), 3),
        },
        "ratio_p50": round(statistics.median(suggest_ms) / statistics.median(embed_ms), 3),
        "follow_up_ms": {
            "embed_p50": round(statistics.median(follow_embed_ms), 3),
            "suggest_p50": round(statistics.median(follow_ms), 3),
            "ratio_p50": round(
                statistics.median(follow_ms) / statistics.median(follow_embed_ms), 3
            ),
        },
        "ratio_p95": round(percentile(suggest_ms, 95) / percentile(embed_ms, 95), 3),
        "goal_ratio_p50": 1.15,
        "reindex": {
            "entries": cold.entries,
            "units": cold.units,
            "cold_s": round(cold.seconds, 3),
            "cold_embedded": cold.embedded,
            "warm_s": round(warm.seconds, 4),
            "warm_embedded": warm.embedded,
            "speedup": round(cold.seconds / warm.seconds, 1),
            "goal_speedup": 20,
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
