#!/usr/bin/env python
"""What recording answers costs /v1/suggest: p50 in-process with the batching writer on
and off. Prints JSON.

    python scripts/bench_answers.py [--messages 200] [--rounds 3] [--embedder e5]
                                    [--database-url postgresql://...]

The app runs in-process (TestClient: the whole ASGI stack, no sockets) over the bundled
playbooks. Each message is sent twice back to back, once with the real writer (queue,
background batch inserts into the database) and once with a recorder that only makes an
id, in alternating order (AB BA ...), so machine noise hits both sides alike; the ratio of
medians is the number that matters (goal: within 5 %).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from fastapi.testclient import TestClient  # noqa: E402

from assist.api import create_app  # noqa: E402
from assist.api.auth import hash_key  # noqa: E402
from assist.core.cache import EmbeddingCache  # noqa: E402
from assist.core.embed import load_embedder  # noqa: E402
from assist.core.index import build_index  # noqa: E402
from assist.core.playbooks import load_playbooks  # noqa: E402
from assist.eval.evaluate import load_golden, percentile  # noqa: E402
from assist.settings import ApiKey, Settings  # noqa: E402
from assist.store.answers import new_answer_id  # noqa: E402

KEY = "ak_bench-answers"


class IdsOnly:
    """The baseline: an answer id and nothing recorded."""

    def record(self, result: Any, **who: Any) -> str:
        return new_answer_id()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary dir")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            embedder=args.embedder,  # type: ignore[call-arg]
            index_dir=Path(tmp) / "index",
            api_keys=[ApiKey(name="bench", role="agent", sha256=hash_key(KEY))],
            api_keys_file=Path(tmp) / "no-keys.yaml",
            reload_poll_seconds=0,
            store_poll_seconds=0,
            followup_poll_seconds=0,
            rate_limit_per_second=0,
            database_url=args.database_url or f"sqlite:///{Path(tmp) / 'assist.sqlite'}",
        )
        embedder = load_embedder(settings)
        with EmbeddingCache(REPO / "index" / ".cache" / "embeddings.sqlite") as cache:
            build_index(
                load_playbooks(REPO / "playbooks"), embedder, settings.index_dir, cache=cache
            )
        cases = load_golden(REPO / "tests/data/golden.yaml")
        en = [c.text for c in cases if c.lang == "en"]
        fa = [c.text for c in cases if c.lang == "fa"]
        messages = [m for pair in zip(en, fa, strict=False) for m in pair][: args.messages]

        app = create_app(settings, embedder=embedder)
        headers = {"Authorization": f"Bearer {KEY}"}
        timings: dict[str, list[float]] = {"writer": [], "ids_only": []}
        with TestClient(app) as client:
            writer, baseline = app.state.answers, IdsOnly()
            deadline = time.monotonic() + 30
            while not app.state.store.ready and time.monotonic() < deadline:
                time.sleep(0.05)

            def ask(side: str, n: int, message: str) -> None:
                app.state.answers = writer if side == "writer" else baseline
                body = {"conversation_id": f"bench-{n}", "message": message}
                started = time.perf_counter()
                response = client.post("/v1/suggest", json=body, headers=headers)
                timings[side].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text

            for message in messages[:20]:  # warm-up, not timed
                client.post(
                    "/v1/suggest",
                    json={"conversation_id": "w", "message": message},
                    headers=headers,
                )
            n = 0
            for round_ in range(args.rounds):
                for i, message in enumerate(messages):
                    order = (
                        ("writer", "ids_only") if (i + round_) % 2 == 0 else ("ids_only", "writer")
                    )
                    for side in order:
                        ask(side, n, message)
                        n += 1
            app.state.answers = writer
            writer.flush()
            metrics = client.get("/metrics").text
        written = next(
            (
                float(line.split()[-1])
                for line in metrics.splitlines()
                if line.startswith("assist_answers_written_total ")
            ),
            0.0,
        )

    p50 = {side: statistics.median(values) for side, values in timings.items()}
    print(
        json.dumps(
            {
                "embedder": args.embedder,
                "database": "postgresql" if args.database_url else "sqlite",
                "requests_per_side": len(timings["writer"]),
                "p50_ms_writer": round(p50["writer"], 2),
                "p50_ms_ids_only": round(p50["ids_only"], 2),
                "p95_ms_writer": round(percentile(timings["writer"], 95), 2),
                "p95_ms_ids_only": round(percentile(timings["ids_only"], 95), 2),
                "p50_ratio": round(p50["writer"] / p50["ids_only"], 4),
                "answers_written": int(written),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
