"""`assist eval`: retrieval quality on the golden set and on public datasets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ..settings import Settings

DEFAULT_DATA = "../shared/datasets"
GOLDEN = "tests/data/golden.yaml"


def _overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--set")
        values[key.strip().lower().removeprefix("assist_")] = value
    return values


@click.command("eval")
@click.option(
    "--golden",
    is_flag=False,
    flag_value="tests/data/golden.yaml",
    default=None,
    type=click.Path(path_type=Path),
    help="Score the golden set against the index [default file: tests/data/golden.yaml].",
)
@click.option(
    "--bench",
    "benches",
    multiple=True,
    metavar="NAME",
    help="A public-data benchmark (repeatable); see the list below.",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Out-of-scope refusal, conversations, mood and ParsiNLU mood (tests/data sets).",
)
@click.option("--all", "run_all", is_flag=True, help="Every benchmark.")
@click.option("--fast", is_flag=True, help="The quick subset CI runs.")
@click.option(
    "--split",
    type=click.Choice(["test", "dev"]),
    default="test",
    show_default=True,
    help="dev = tuning split (index-side data only); test = the reported numbers.",
)
@click.option("--embedder", type=click.Choice(["e5", "sentence-transformers", "hash"]))
@click.option("--retrieval", type=click.Choice(["dense", "bm25", "hybrid"]))
@click.option(
    "--set",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Any other setting, e.g. --set e5_document_prefix=passage.",
)
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    help=f"Datasets folder [default: $ASSIST_EVAL_DATA or {DEFAULT_DATA}].",
)
@click.option(
    "--reports",
    type=click.Path(path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Where JSON, Markdown and PNG reports go.",
)
@click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), help="Index root (--golden)."
)
@click.option("--misses", is_flag=True, help="--golden: list every wrong top match.")
@click.option(
    "--snippets",
    "snippet_set",
    is_flag=False,
    flag_value="tests/data/snippets.yaml",
    default=None,
    type=click.Path(path_type=Path),
    help="Leave-one-out over a snippet set served live, and golden hit@1 with and "
    "without it [default file: tests/data/snippets.yaml].",
)
@click.option(
    "--coach",
    "draft_set",
    is_flag=False,
    flag_value="tests/data/drafts.yaml",
    default=None,
    type=click.Path(path_type=Path),
    help="Draft checks: per-code precision and recall on a labelled draft set, --split "
    "dev (odd ids) or test (even) [default file: tests/data/drafts.yaml].",
)
@click.option(
    "--labelled-mood", is_flag=True, help="--coach: use the set's moods, not the detected ones."
)
@click.option(
    "--replay",
    is_flag=True,
    help="Simulated agents' feedback on half of the golden set (--golden FILE, else "
    "tests/data/golden.yaml) or of a public benchmark's queries (--bench NAME --split), "
    "priors learnt from it, hit@1 on the other half before and after, and under attack; "
    "the curve goes to --png.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="--replay: the split and agents."
)
@click.option(
    "--png",
    type=click.Path(path_type=Path),
    help="--replay: where the curve goes [default: REPORTS/replay.png].",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def eval_command(
    golden: Path | None,
    benches: tuple[str, ...],
    trust: bool,
    run_all: bool,
    fast: bool,
    split: str,
    embedder: str | None,
    retrieval: str | None,
    pairs: tuple[str, ...],
    data: Path | None,
    reports: Path,
    index_dir: Path | None,
    misses: bool,
    snippet_set: Path | None,
    draft_set: Path | None,
    labelled_mood: bool,
    replay: bool,
    seed: int,
    png: Path | None,
    as_json: bool,
) -> None:
    """Measure retrieval quality through the production index and Suggester.

    \b
    --golden: hit@1/3/5 and MRR per language on the golden set, and confusions.
    --coach: draft checks, per-code precision/recall on tests/data/drafts.yaml; --split.
    --replay: learning from feedback, simulated on the golden set; --seed, --png, --json.
    --trust: out-of-scope refused (and golden refused), conversation follow-ups (entry
      and reply hit@1), mood precision/recall, ParsiNLU reviews read as upset; --split.
    --bench/--all/--fast: public datasets, leakage-free (../shared/datasets/README.md):
      bitext-a bitext-b bitext-c banking77 clinc150 qqp-natural qqp-translated
      massive-fa massive-en2fa massive-fa2en twacs
    Embeddings are cached (reports/.cache), so a re-run takes seconds.

    \b
    Examples:
      assist eval --golden
      assist eval --replay --seed 1 --json
      assist eval --replay --bench banking77 --split dev
      assist eval --bench banking77 --split dev --set aggregation_temperature=0
      assist eval --all --embedder sentence-transformers
    """
    from ..errors import AssistError
    from ..eval.benchmarks import FAST, LOADERS

    names = list(LOADERS) if run_all else list(FAST) if fast else list(benches)
    nothing = golden is None and snippet_set is None and draft_set is None
    if nothing and not names and not trust and not replay:
        raise click.UsageError(
            "say what to measure: --golden, --trust, --snippets, --coach, --replay, "
            "--bench NAME, --fast or --all"
        )
    overrides: dict[str, Any] = _overrides(pairs)
    if embedder:
        overrides["embedder"] = embedder
    if retrieval:
        overrides["retrieval"] = retrieval
    if index_dir:
        overrides["index_dir"] = index_dir
    try:
        settings = Settings(**overrides)
        if draft_set is not None:
            from .check import coach_report

            coach_report(settings, draft_set, split, labelled_mood, misses, as_json)
        if replay and names:
            data = data or Path(os.environ.get("ASSIST_EVAL_DATA", DEFAULT_DATA))
            for name in names:
                _replay_bench(settings, name, split, data, seed, reports, png, as_json)
            names = []
        elif replay:
            _replay(settings, golden or Path(GOLDEN), seed, reports, png, as_json)
        elif snippet_set is not None:
            _snippets(settings, snippet_set, golden, split, misses, as_json)
        elif golden is not None:
            _golden(settings, golden, misses, as_json)
        if trust:
            from .trust import trust_report

            data = data or Path(os.environ.get("ASSIST_EVAL_DATA", DEFAULT_DATA))
            trust_report(settings, split, data, reports, misses, as_json)
        if names:
            for name in names:
                if name not in LOADERS:
                    raise click.BadParameter(f"unknown benchmark {name!r}", param_hint="--bench")
            data = data or Path(os.environ.get("ASSIST_EVAL_DATA", DEFAULT_DATA))
            _benches(settings, names, split, data, reports, as_json)
    except AssistError as exc:
        raise click.ClickException(str(exc)) from exc


def _benches(
    settings: Settings, names: list[str], split: str, data: Path, reports: Path, as_json: bool
) -> None:
    import json

    from rich.console import Console
    from rich.table import Table

    from ..core.cache import EmbeddingCache
    from ..core.embed import load_embedder
    from ..eval.evaluate import run_benchmark
    from ..eval.reports import write_run, write_summary

    console = Console(stderr=as_json)
    model = load_embedder(settings)
    results = []
    with EmbeddingCache(reports / ".cache" / "embeddings.sqlite") as cache:
        for name in names:
            console.print(f"[dim]{name} ({split}) …[/]")
            report = run_benchmark(name, settings, model, data, reports / ".work", cache, split)
            write_run(reports, report)
            results.append(report)
    table_path, chart_path = write_summary(reports)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"assist eval ({split}) · {results[0]['config']}")
    for column in (
        "benchmark",
        "n",
        "hit@1",
        "95% CI",
        "hit@3",
        "hit@5",
        "MRR",
        "abstention",
        "p50 ms",
        "build s",
    ):
        table.add_column(column, justify="left" if column == "benchmark" else "right")
    for r in results:
        ci = r.get("hit@1_ci95", [0, 0])
        abst = r.get("abstention")
        table.add_row(
            r["bench"],
            str(r.get("n", 0)),
            f"{r.get('hit@1', 0):.3f}",
            f"{ci[0]:.2f}–{ci[1]:.2f}",
            f"{r.get('hit@3', 0):.3f}",
            f"{r.get('hit@5', 0):.3f}",
            f"{r.get('mrr', 0):.3f}",
            f"oos {abst['oos_recall']:.2f} @ acc {abst['inscope_accuracy']:.2f}" if abst else "–",
            str(r["latency_ms"]["p50"]),
            str(r["build_seconds"]),
        )
    console.print(table)
    console.print(f"reports: {table_path}" + (f", {chart_path}" if chart_path else ""))


def _snippets(
    settings: Settings, path: Path, golden: Path | None, split: str, misses: bool, as_json: bool
) -> None:
    import json

    from ..core.embed import load_embedder
    from ..core.index import load_index
    from ..core.suggest import Suggester
    from ..eval.evaluate import load_golden
    from ..eval.snippets import golden_with_snippets, leave_one_out, load_snippets

    model = load_embedder(settings)
    suggester = Suggester(load_index(settings.index_dir, model), model, settings)
    snippets = load_snippets(path)
    report: dict[str, Any] = {"leave_one_out": leave_one_out(suggester, snippets, split=split)}
    if golden is not None:
        report["golden"] = golden_with_snippets(suggester, snippets, load_golden(golden))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    loo = report["leave_one_out"]
    click.echo(f"leave-one-out over {loo['snippets']} snippets ({path}):")
    for name, score in loo["groups"].items():
        click.echo(
            f"  {name:>4}  n {score['n']:>4}  hit@1 {score['hit@1']:.3f}  "
            f"hit@3 {score['hit@3']:.3f}  mrr {score['mrr']:.3f}"
        )
    if "golden" in report:
        g = report["golden"]
        click.echo(
            f"golden hit@1 without snippets {g['before']['hit@1']:.4f}, with "
            f"{g['after']['hit@1']:.4f} ({len(g['taken_by_snippets'])} answered by a snippet)"
        )
    if misses:
        for miss in loo["misses"]:
            click.echo(f"  [{miss['snippet']} → {miss['got']}, rank {miss['rank']}] {miss['text']}")


def _replay(
    settings: Settings, golden: Path, seed: int, reports: Path, png: Path | None, as_json: bool
) -> None:
    from ..core.cache import CachedEmbedder, EmbeddingCache
    from ..core.embed import load_embedder
    from ..core.index import load_index
    from ..core.suggest import Suggester
    from ..eval.evaluate import load_golden
    from ..eval.replay import replay

    with EmbeddingCache(reports / ".cache" / "embeddings.sqlite") as cache:
        model = CachedEmbedder(load_embedder(settings), cache)
        suggester = Suggester(load_index(settings.index_dir, model), model, settings)
        report = replay(suggester, load_golden(golden), seed=seed)
    _show_replay(report, str(golden), png or reports / "replay.png", as_json)


def _replay_bench(
    settings: Settings,
    name: str,
    split: str,
    data: Path,
    seed: int,
    reports: Path,
    png: Path | None,
    as_json: bool,
) -> None:
    """The replay on a public benchmark's queries, over an index of its own entries
    built by the production code, no abstention (every answer shows suggestions)."""
    from ..core.cache import CachedEmbedder, EmbeddingCache
    from ..core.embed import load_embedder
    from ..eval.benchmarks import load
    from ..eval.evaluate import benchmark_suggester, unabstaining
    from ..eval.replay import benchmark_cases, replay

    bench = load(name, data, split)
    with EmbeddingCache(reports / ".cache" / "embeddings.sqlite") as cache:
        model = CachedEmbedder(load_embedder(settings), cache)
        root = reports / ".work" / f"replay-{name}-{split}"
        suggester, _ = benchmark_suggester(bench, unabstaining(settings, settings.k), model, root)
        report = replay(suggester, benchmark_cases(bench), seed=seed)
    report["bench"], report["split"] = name, split
    _show_replay(report, f"{name} ({split})", png or reports / f"replay-{name}.png", as_json)


def _show_replay(report: dict[str, Any], source: str, png: Path, as_json: bool) -> None:
    import json

    from ..eval.replay import write_curve

    report["png"] = str(write_curve(report, png))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    attacks = report["adversarial"]
    click.echo(
        f"{source}: trained on {report['train']} messages ({report['events']} events), "
        f"held out {report['test']} · seed {report['seed']}\n"
        f"  hit@1 before {report['hit@1_before']:.4f}, after {report['hit@1_after']:.4f}\n"
        f"  one key dismissing {attacks['one_key_dismisses']['target']} "
        f"{attacks['one_key_dismisses']['events'] // 2} times: "
        f"{attacks['one_key_dismisses']['hit@1']:.4f}\n"
        f"  random clicks: {attacks['random_clicks']['hit@1']:.4f}\n"
        f"  curve: {report['png']}"
    )


def _golden(settings: Settings, golden: Path, misses: bool, as_json: bool) -> None:
    import json

    from rich.console import Console
    from rich.table import Table

    from ..core.embed import load_embedder
    from ..core.index import load_index
    from ..core.suggest import Suggester
    from ..eval.evaluate import evaluate_golden, load_golden

    model = load_embedder(settings)
    suggester = Suggester(load_index(settings.index_dir, model), model, settings)
    report = evaluate_golden(suggester, load_golden(golden))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    console = Console()
    table = Table(title=f"golden set {golden} · {model.fingerprint}")
    for column in ("group", "n", "hit@1", "hit@3", "hit@5", "MRR"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for name, score in report["groups"].items():
        table.add_row(
            name, str(score["n"]), *(f"{score[m]:.3f}" for m in ("hit@1", "hit@3", "hit@5", "mrr"))
        )
    console.print(table)
    console.print(
        f"mood accuracy {report['mood_accuracy']} · latency p50 "
        f"{report['latency_ms']['p50']} ms, p95 {report['latency_ms']['p95']} ms"
    )
    if report["confusions"]:
        console.print("[bold]confusions[/] (expected → retrieved first):")
        for row in report["confusions"][:15]:
            console.print(f"  {row['count']:>3} × {row['expect']} → {row['got']}")
    if misses:
        for miss in report["misses"]:
            console.print(
                f"  [{miss['expect']} → {miss['got']}, rank {miss['rank']}] {miss['text']}",
                highlight=False,
            )
