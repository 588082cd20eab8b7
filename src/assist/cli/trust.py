"""`assist eval --trust`: the trust sets of tests/data through the served index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..settings import Settings

SETS = Path("tests/data")


def trust_report(
    settings: Settings, split: str, data: Path, reports: Path, misses: bool, as_json: bool
) -> None:
    from rich.console import Console

    from ..core.embed import load_embedder
    from ..core.index import load_index
    from ..core.suggest import Suggester
    from ..eval import trust
    from ..eval.evaluate import load_golden

    model = load_embedder(settings)
    suggester = Suggester(load_index(settings.index_dir, model), model, settings)
    golden = [(c.text, c.lang) for c in load_golden(SETS / "golden.yaml")]
    oos = trust.evaluate_out_of_scope(
        suggester, trust.load_items(SETS / "out_of_scope.yaml", split), golden
    )
    conversations = trust.evaluate_conversations(
        suggester, trust.load_items(SETS / "conversations.yaml", split)
    )
    mood = trust.evaluate_mood(suggester, trust.load_items(SETS / "mood.yaml", split))
    report: dict[str, Any] = {
        "split": split,
        "index_version": suggester.index.version,
        "out_of_scope": oos,
        "conversations": conversations,
        "mood": mood,
    }
    if (data / "parsinlu-sentiment-food").is_dir():
        reviews = trust.parsinlu_reviews(data, split)
        report["parsinlu_mood"] = trust.evaluate_sentiment(suggester, reviews)
    tweets = trust.real_tweets(data)
    if tweets:
        report["real_traffic"] = trust.catch_all(suggester, tweets)
    reports.mkdir(parents=True, exist_ok=True)
    (reports / f"trust-{split}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), "utf-8"
    )
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    console = Console()
    groups = conversations["groups"]
    console.print(f"[bold]trust ({split})[/] · index {report['index_version']}")
    console.print(
        f"out of scope refused {oos['oos_refused']:.3f} (n={oos['oos_n']}) · "
        f"golden in-scope refused {oos['inscope_refused']:.3f} (n={oos['inscope_n']})"
    )
    for stage in ("first", "follow_up"):
        g = groups.get(stage, {"n": 0, "entry_hit@1": 0.0, "reply_hit@1": 0.0})
        console.print(
            f"conversations {stage}: entry hit@1 {g['entry_hit@1']:.3f}, "
            f"reply hit@1 {g['reply_hit@1']:.3f} (n={g['n']})"
        )
    console.print(
        f"mood: angry P {mood['angry']['precision']:.3f} R {mood['angry']['recall']:.3f} · "
        f"accuracy {mood['accuracy']:.3f} (n={mood['n']})"
    )
    if "parsinlu_mood" in report:
        rows = ", ".join(f"{k}: {v['non_calm']:.2f}" for k, v in report["parsinlu_mood"].items())
        console.print(f"ParsiNLU reviews read as not calm, by sentiment: {rows}")
    if "real_traffic" in report:
        real = report["real_traffic"]
        console.print(
            f"real tweets (n={real['n']}): {real['matches']}; catch-all entries "
            f"(over {real['catch_all_bar']:.0%} of answers): {real['catch_all'] or 'none'}"
        )
    if misses:
        for miss in conversations["misses"]:
            console.print(f"  [{miss['expect']} → {miss['got']}] {miss['text']}", highlight=False)
