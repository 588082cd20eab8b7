"""`assist check`: coaching on a draft reply from the terminal, as POST /v1/check gives it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..settings import Settings


@click.command("check")
@click.argument("draft")
@click.option("--message", help="The customer's message the draft answers (its mood, situation).")
@click.option("--suggestion-id", help="The suggestion the draft started from (entry/reply/lang/n).")
@click.option("--name", help="The customer's name (an upset customer should hear it).")
@click.option(
    "--customer",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="More customer context, e.g. --customer channel=sms (repeatable).",
)
@click.option("--lang", type=click.Choice(["fa", "en"]), help="The draft's language [detected].")
@click.option(
    "--mood",
    type=click.Choice(["calm", "frustrated", "angry"]),
    help="The customer's mood [read from --message].",
)
@click.option(
    "--history",
    type=click.File("r", encoding="utf-8"),
    help='JSON list of earlier turns: [{"role": "agent", "text": "..."}, ...].',
)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index root.")
@click.option("--embedder", type=click.Choice(["e5", "sentence-transformers", "hash"]))
def check_command(
    draft: str,
    message: str | None,
    suggestion_id: str | None,
    name: str | None,
    pairs: tuple[str, ...],
    lang: str | None,
    mood: str | None,
    history: Any,
    as_json: bool,
    index_dir: Path | None,
    embedder: str | None,
) -> None:
    """Check a DRAFT reply before it is sent (`-` reads it from stdin). It informs;
    it never blocks. Exit status 0 whatever it finds.

    \b
    Examples:
      assist check "Your refund arrives in 10 days, guaranteed." --message "where is my refund??"
      assist check "سارا جان، تا فردا خبرتون میکنم" --message "پولم کجاست؟" --name سارا
      assist check - --history turns.json --json < draft.txt
    """
    from ..coach import check
    from ..core.embed import load_embedder
    from ..core.index import load_index
    from ..core.suggest import Turn
    from ..errors import AssistError
    from .main import _customer

    text = sys.stdin.read() if draft == "-" else draft
    turns = _turns(history)
    customer = _customer(name, pairs)
    overrides = {"index_dir": index_dir, "embedder": embedder}
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
        model = load_embedder(settings)
        index = load_index(settings.index_dir, model)
        result = check(
            text,
            index=index,
            embedder=model,
            message=message,
            suggestion_id=suggestion_id,
            customer=customer,
            history=[Turn(t["role"], t["text"], t.get("suggestion_id")) for t in turns],
            lang=lang,
            mood=mood,
            max_query_tokens=settings.max_query_tokens,
        )
    except AssistError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    _print(text, result)


def _turns(history: Any) -> list[dict[str, Any]]:
    if history is None:
        return []
    try:
        turns = json.load(history)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"line {exc.lineno}: {exc.msg}", param_hint="--history") from exc
    ok = isinstance(turns, list) and all(
        isinstance(t, dict)
        and t.get("role") in ("customer", "agent")
        and isinstance(t.get("text"), str)
        for t in turns
    )
    if not ok:
        raise click.BadParameter(
            'must hold a JSON list of turns: [{"role": "agent"|"customer", "text": "..."}]',
            param_hint="--history",
        )
    return turns


def _print(text: str, result: Any) -> None:
    for finding in result.findings:
        mark = "!" if finding.severity == "warn" else "i"
        span = text[finding.start : finding.end]
        shown = finding.end > finding.start and finding.code != "verbatim"
        where = f" «{span}»" if shown and span not in finding.message else ""
        click.echo(f"[{mark}] {finding.code}: {finding.message}{where}")
        click.echo(f"    → {finding.hint}")
    if not result.findings:
        click.echo("no findings")
    situation = result.entry_id or "unknown situation"
    click.echo(
        f"recital {result.recital:.0%} · personal words {result.personal_words} · "
        f"mood {result.mood} · {situation} · {result.took_ms} ms"
    )
    if result.follow_up:
        f = result.follow_up
        click.echo(f"follow-up proposed: in {f.due_in_hours:g} h by {f.channel} ({f.channel_from})")


def make_checker(
    index: Any, embedder: Any, labelled_mood: bool = False, max_query_tokens: int | None = None
) -> Any:
    """`assist.coach.check` bound to an index, for the labelled drafts of eval/coach.py:
    the item's fields as a client would send them (its `entry_id` is a label, not input)."""
    from ..coach import check
    from ..core.suggest import Turn

    def run(item: Any) -> list[str]:
        result = check(
            item.draft,
            index=index,
            embedder=embedder,
            message=item.message,
            suggestion_id=item.suggestion_id,
            customer=item.customer,
            history=[Turn(t["role"], t["text"], t.get("suggestion_id")) for t in item.history],
            mood=item.mood if labelled_mood else None,
            max_query_tokens=max_query_tokens,
        )
        return result.codes

    return run


def coach_report(
    settings: Settings, path: Path, split: str, labelled_mood: bool, misses: bool, as_json: bool
) -> None:
    """`assist eval --coach`: per-code precision and recall on the labelled drafts."""
    from ..coach import CODES
    from ..core.embed import load_embedder
    from ..core.index import load_index
    from ..eval.coach import evaluate_coach, load_drafts

    model = load_embedder(settings)
    index = load_index(settings.index_dir, model)
    drafts = load_drafts(path, list(CODES))
    run = make_checker(index, model, labelled_mood, settings.max_query_tokens)
    report = evaluate_coach(drafts, run, list(CODES), split)
    report["mood"] = "labelled" if labelled_mood else "detected"
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"draft checks on {path} ({split}, n={report['n']}, mood {report['mood']}): "
        f"exact match {report['exact_match']}, p50 {report['latency_ms']['p50']} ms"
    )
    click.echo(
        f"{'code':<16}{'n':>5}{'P':>8}{'R':>8}   "
        + "   ".join(f"{lang}: n / P / R" for lang in sorted(report["by_lang"]))
    )
    for code in CODES:
        s = report["codes"].get(code)
        if s is None:
            continue
        cells = [f"{code:<16}{s['support']:>5}{_pct(s['precision']):>8}{_pct(s['recall']):>8}"]
        for lang in sorted(report["by_lang"]):
            t = report["by_lang"][lang].get(code, {})
            cells.append(
                f"{lang}: {t.get('support', 0)} / {_pct(t.get('precision'))} / "
                f"{_pct(t.get('recall'))}"
            )
        click.echo("   ".join(cells))
    if misses:
        for miss in report["misses"]:
            click.echo(
                f"  {miss['id']} ({miss['lang']}) missed {miss['missed']} extra {miss['extra']}: "
                f"{miss['draft'][:150]}"
            )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
