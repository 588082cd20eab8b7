"""Retrieval quality: hit@k, MRR, abstention, confusions and latency, measured through
the production index and Suggester (same code, same ranking), never a separate path."""

from __future__ import annotations

import math
import shutil
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..core.cache import CachedEmbedder, EmbeddingCache
from ..core.confidence import scope_model
from ..core.embed import Embedder, truncate
from ..core.index import BuildReport, build_index, load_index
from ..core.playbooks import Playbooks
from ..core.suggest import Query, Result, Suggester
from ..core.text import normalise
from ..settings import Settings
from .benchmarks import Benchmark, load

KS = (1, 3, 5)


@dataclass(frozen=True)
class Case:
    text: str
    expect: str  # entry id
    lang: str = "en"
    style: str | None = None
    mood: str | None = None


@dataclass
class Score:
    """Running hit@k / MRR over cases whose gold is one entry id (or any of a set)."""

    n: int = 0
    hits: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    reciprocal: float = 0.0

    def add(self, ranked: Sequence[str], gold: str | Iterable[str]) -> int | None:
        golds = {gold} if isinstance(gold, str) else set(gold)
        self.n += 1
        rank = next((i for i, entry in enumerate(ranked, 1) if entry in golds), None)
        if rank is not None:
            self.reciprocal += 1 / rank
            for k in KS:
                self.hits[k] += rank <= k
        return rank

    def as_dict(self) -> dict[str, float]:
        if not self.n:
            return {"n": 0}
        out: dict[str, float] = {"n": self.n}
        out.update({f"hit@{k}": round(self.hits[k] / self.n, 4) for k in KS})
        out["mrr"] = round(self.reciprocal / self.n, 4)
        return out


def ranked_entries(result: Result) -> list[str]:
    """Distinct entry ids in score order, over every question of the message."""
    seen: dict[str, None] = {}
    for suggestion in sorted(result.suggestions, key=lambda s: -s.score):
        seen.setdefault(suggestion.entry_id)
    return list(seen)


def load_golden(path: Path) -> list[Case]:
    raw = yaml.safe_load(path.read_text("utf-8")) or []
    return [Case(**item) for item in raw]


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def evaluate_golden(suggester: Suggester, cases: Sequence[Case], k: int = 5) -> dict[str, Any]:
    """Per language (and per style) hit@k/MRR, top confusions, mood accuracy, latency."""
    by_group: dict[str, Score] = defaultdict(Score)
    confusions: Counter[tuple[str, str]] = Counter()
    misses: list[dict[str, str]] = []
    mood_total = mood_right = 0
    latencies: list[float] = []
    for number, case in enumerate(cases):
        result = suggester.suggest(Query(case.text, conversation_id=f"golden-{number}", k=k))
        latencies.append(result.took_ms)
        ranked = ranked_entries(result)
        groups = [case.lang, "all"] + ([f"{case.lang}/{case.style}"] if case.style else [])
        for group in groups:
            rank = by_group[group].add(ranked, case.expect)
        if rank != 1:
            got = ranked[0] if ranked else "(no match)"
            confusions[(case.expect, got)] += 1
            misses.append(
                {"text": case.text, "expect": case.expect, "got": got, "rank": str(rank or "-")}
            )
        if case.mood:
            mood_total += 1
            mood_right += result.signals.mood == case.mood
    return {
        "groups": {name: score.as_dict() for name, score in sorted(by_group.items())},
        "confusions": [
            {"expect": a, "got": b, "count": n} for (a, b), n in confusions.most_common()
        ],
        "misses": misses,
        "mood_accuracy": round(mood_right / mood_total, 4) if mood_total else None,
        "latency_ms": {
            "p50": round(statistics.median(latencies), 2) if latencies else 0.0,
            "p95": round(percentile(latencies, 95), 2),
        },
    }


# ----------------------------------------------------------- public-data benchmarks


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % confidence interval of a proportion (Wilson score), for small query sets."""
    if not n:
        return (0.0, 0.0)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


@dataclass(frozen=True)
class Ranked:
    """One query's outcome: entries in rank order and the best raw similarity."""

    gold: frozenset[str]
    ranked: tuple[str, ...]
    best: float
    took_ms: float
    outside: float = -1.0  # the out-of-scope exemplars' score (-1: the index has none)
    scope: float = -99.0  # the scope classifier's out-of-scope logit (-99: not asked)


def run_queries(suggester: Suggester, bench: Benchmark, k: int = 10) -> list[Ranked]:
    out = []
    index = suggester.index
    scope = scope_model(index) if index.sides is not None and len(index.sides.outside) else None
    for number, query in enumerate(bench.queries):
        result = suggester.suggest(Query(query.text, conversation_id=f"eval-{number}", k=k))
        logit = -99.0
        if scope is not None:  # as core/confidence.py asks it (the cache makes this free)
            text, _ = truncate(suggester.embedder, normalise(query.text), 128)
            logits = scope.logits(suggester.embedder.embed([text], "query")[0])
            logit = float(logits[1] - logits[0])
        ranked = ranked_entries(result)
        own = bench.exclude_self.get(query.text)
        if own:
            ranked = [e for e in ranked if e != own]
        out.append(
            Ranked(
                query.gold,
                tuple(ranked),
                result.best_score,
                result.took_ms,
                result.outside_score,
                logit,
            )
        )
    return out


def score_ranked(rows: Sequence[Ranked]) -> dict[str, Any]:
    score = Score()
    for row in rows:
        if row.gold:
            score.add(row.ranked, row.gold)
    report: dict[str, Any] = score.as_dict()
    if score.n:
        report["hit@1_ci95"] = wilson(score.hits[1], score.n)
    return report


def refused(row: Ranked, threshold: float, margin: float, scope: float = 99.0) -> bool:
    """The Suggester's rule (core/confidence.py): below the threshold, not beating the
    out-of-scope exemplars by the margin, or the scope classifier says out."""
    return row.best < threshold or row.best - row.outside < margin or row.scope > scope


def abstention(
    rows: Sequence[Ranked], threshold: float, margin: float = -9.0, scope: float = 99.0
) -> dict[str, float]:
    """In-scope accuracy (right entry first and not abstained) and out-of-scope
    recall/precision when refused answers become no_match."""
    inscope = [r for r in rows if r.gold]
    oos = [r for r in rows if not r.gold]
    abstained_oos = sum(refused(r, threshold, margin, scope) for r in oos)
    abstained = abstained_oos + sum(refused(r, threshold, margin, scope) for r in inscope)
    right = sum(
        not refused(r, threshold, margin, scope) and bool(r.ranked) and r.ranked[0] in r.gold
        for r in inscope
    )
    return {
        "threshold": round(threshold, 4),
        "margin": round(margin, 4),
        "scope": round(scope, 4),
        "inscope_accuracy": round(right / len(inscope), 4) if inscope else 0.0,
        "oos_recall": round(abstained_oos / len(oos), 4) if oos else 0.0,
        "abstain_precision": round(abstained_oos / abstained, 4) if abstained else 0.0,
    }


def tune_threshold(
    rows: Sequence[Ranked], min_accuracy: float = 0.90
) -> tuple[float, float, float]:
    """(threshold, margin) with the best out-of-scope recall that keeps in-scope accuracy
    at `min_accuracy` or more (or, if none can, the best balance of the two). The margin
    is searched only when the index has out-of-scope exemplars, the scope classifier's bar
    only when it was asked."""
    if not rows:
        return 0.0, -9.0, 99.0
    best = np.array([r.best for r in rows])
    gap = np.array([r.best - r.outside for r in rows])
    logit = np.array([r.scope for r in rows])
    scopes = [99.0]
    if any(r.scope > -99.0 for r in rows):
        scopes += np.quantile(logit, np.linspace(0.5, 1, 26)).round(3).tolist()
    oos = np.array([not r.gold for r in rows])
    right = np.array([bool(r.gold) and bool(r.ranked) and r.ranked[0] in r.gold for r in rows])
    thresholds = np.unique(np.round(best, 3))
    margins = [-9.0]
    if any(r.outside > -1.0 for r in rows):
        margins += np.quantile(gap, np.linspace(0, 1, 201)).round(4).tolist()
    n_in, n_oos = max(1, int((~oos).sum())), max(1, int(oos.sum()))
    best_key, choice = (-1.0, -1.0), (float(thresholds[0]), -9.0, 99.0)
    for margin, bar in ((m, b) for m in margins for b in scopes):
        refuse = (best[None, :] < thresholds[:, None]) | ((gap < margin) | (logit > bar))[None, :]
        recall = (refuse & oos).sum(axis=1) / n_oos
        accuracy = (~refuse & right).sum(axis=1) / n_in
        feasible = accuracy >= min_accuracy
        keys = np.stack([np.where(feasible, 1.0 + recall, 0.0), recall + accuracy], axis=1)
        # the best key; on a tie the lowest threshold (refuse as little as possible)
        i = int(np.lexsort((-np.arange(len(keys)), keys[:, 1], keys[:, 0]))[-1])
        key = (float(keys[i, 0]), float(keys[i, 1]))
        if key > best_key:
            best_key, choice = key, (float(thresholds[i]), float(margin), float(bar))
    return choice


def latency(rows: Sequence[Ranked]) -> dict[str, float]:
    values = [r.took_ms for r in rows]
    return {
        "p50": round(statistics.median(values), 2) if values else 0.0,
        "p95": round(percentile(values, 95), 2),
    }


def config_label(settings: Settings) -> str:
    """A short, stable name for what was measured: embedder and the ranking knobs."""
    if settings.embedder == "sentence-transformers":
        model = Path(settings.model).name if settings.model else "all-MiniLM-L6-v2"
        parts = [f"st:{model}"]
    else:
        parts = [settings.embedder]
        if settings.embedder == "e5":
            parts.append(f"doc={settings.e5_document_prefix}")
    parts.append(f"t={settings.aggregation_temperature:g}")
    if settings.retrieval == "hybrid":
        parts.append(f"hybrid w={settings.bm25_weight:g}/fa={settings.bm25_weight_fa:g}")
    elif settings.retrieval == "bm25":
        parts.append("bm25")
    if not settings.title_units:
        parts.append("no-titles")
    if settings.guidance_units:
        parts.append("guidance")
    return " ".join(parts)


def unabstaining(settings: Settings, k: int = 10) -> Settings:
    """Every answer kept (no abstention), so ranks and best scores are all measured;
    abstention is then scored offline with the same `best < threshold` rule."""
    return settings.model_copy(
        update={"no_match_threshold": -1.0, "no_match_margin": -9.0, "no_match_scope": 99.0, "k": k}
    )


def benchmark_suggester(
    bench: Benchmark, settings: Settings, embedder: CachedEmbedder, root: Path
) -> tuple[Suggester, BuildReport]:
    """The benchmark's entries built into an index at `root` by the production code (its
    vectors cached by `embedder`), and a Suggester over it."""
    shutil.rmtree(root, ignore_errors=True)
    playbooks = Playbooks(tuple(bench.entries), {f"benchmark:{bench.name}:{root.name}": "-"}, {})
    built = build_index(
        playbooks,
        embedder.inner,
        root,
        cache=embedder.cache,
        keep=1,
        titles=settings.title_units,
        guidance=settings.guidance_units,
        out_of_scope=bench.out_of_scope,
    )
    return Suggester(load_index(root, embedder), embedder, settings), built


def run_benchmark(
    name: str,
    settings: Settings,
    embedder: Embedder,
    data: Path,
    work: Path,
    cache: EmbeddingCache,
    split: str = "test",
) -> dict[str, Any]:
    """Build the benchmark's index with the production code, run its queries through the
    production Suggester, and score them. Abstention benchmarks tune their no-match
    threshold on the dev split first and report the test split at that threshold."""
    bench = load(name, data, split)
    cached = CachedEmbedder(embedder, cache)
    run_settings = unabstaining(settings)

    def measure(b: Benchmark, tag: str) -> tuple[list[Ranked], BuildReport]:
        suggester, built = benchmark_suggester(b, run_settings, cached, work / f"{b.name}-{tag}")
        return run_queries(suggester, b), built

    computed_before = cached.computed
    rows, built = measure(bench, split)
    report: dict[str, Any] = {
        "bench": name,
        "split": split,
        "config": config_label(settings),
        "embedder": embedder.fingerprint,
        "lang": bench.lang,
        "entries": len(bench.entries),
        "units": built.units,
        "queries": len(bench.queries),
        "build_seconds": round(built.seconds, 2),
        "embedded_at_build": built.embedded,
        "embedded_queries": cached.computed - computed_before,
        "latency_ms": latency(rows),
        "notes": bench.notes,
    }
    report.update(score_ranked(rows))
    if bench.abstention:
        dev_rows, _ = measure(load(name, data, "dev"), "dev")
        threshold, margin, bar = tune_threshold(dev_rows)
        report["abstention"] = abstention(rows, threshold, margin, bar)
        report["abstention"]["tuned_on"] = "dev (val + oos_val)"
    return report
