"""`assist stats`: the lead's statistics in the terminal (rich tables, JSON, PNG charts),
and `assist stats gaps`: the messages nothing matched, clustered, exported as playbook
entry skeletons.

Like `assist snippets`, it reads the store directly (whoever can run it can read the
database): no role check, and without --team it counts every team. The counting is the
API's (store/stats.py); clustering loads the configured embedder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import AssistError
from ..settings import Settings
from .snippets import _echo_json, open_store

_EMBEDDERS = click.Choice(["e5", "sentence-transformers", "hash"])
DEFAULT_GAP_MESSAGES = 300


def _period_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--from", "first", metavar="YYYY-MM-DD", help="First day (UTC) [30 days back]."
            ),
            click.option("--to", "last", metavar="YYYY-MM-DD", help="Last day, included [today]."),
            click.option("--team", help="One team [every team]."),
            click.option("--embedder", type=_EMBEDDERS, help="For clustering [ASSIST_EMBEDDER]."),
        ]
    ):
        command = option(command)
    return command


def _settings(embedder: str | None) -> Settings:
    return Settings(embedder=embedder) if embedder else Settings()


def _gaps(
    store: Any,
    settings: Settings,
    period: Any,
    team: str | None,
    limit: int = DEFAULT_GAP_MESSAGES,
    threshold: float | None = None,
) -> Any:
    from ..core.embed import load_embedder
    from ..core.gaps import Message, find_gaps
    from ..store.stats import Stats

    kept = Stats(store).kept(period, team, limit=limit)
    messages = [Message(k.text, k.lang, k.best_entry_id, k.best_score) for k in kept]
    return find_gaps(messages, load_embedder(settings), threshold)


@click.group("stats", invoke_without_command=True)
@_period_options
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of GET /v1/stats.")
@click.option(
    "--png",
    "png_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also draw charts into this directory (needs matplotlib: pip install 'assist[eval]').",
)
@click.pass_context
def stats_command(
    ctx: click.Context,
    first: str | None,
    last: str | None,
    team: str | None,
    embedder: str | None,
    as_json: bool,
    png_dir: Path | None,
) -> None:
    """What was served and used, recital and promises, contributors, follow-ups and
    gaps, counted in the database (ASSIST_DATABASE_URL).

    \b
    Examples:
      assist stats --from 2025-03-01 --to 2025-03-31 --team support
      assist stats --json > march.json
      assist stats --png charts/
      assist stats gaps --export drafts/ && assist validate drafts/
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..store.stats import Period, Stats

    settings = _settings(embedder)
    try:
        period = Period.parse(first, last)
        with open_store(settings) as store:
            report = Stats(store).summary(period, team)
            found = _gaps(store, settings, period, team) if report["gaps"]["kept"] else None
    except AssistError as exc:
        raise click.ClickException(str(exc)) from exc
    report["gaps"]["clusters"] = len(found.clusters) if found else 0
    if png_dir is not None:
        from .stats_charts import draw

        for path in draw(report, found.clusters if found else (), png_dir):
            click.echo(f"wrote {path}", err=True)
    if as_json:
        _echo_json(report)
    else:
        _print_report(report)


@stats_command.command("gaps")
@_period_options
@click.option(
    "--limit",
    type=click.IntRange(1, 2000),
    default=DEFAULT_GAP_MESSAGES,
    show_default=True,
    help="The newest kept messages clustered.",
)
@click.option("--threshold", type=click.FloatRange(0, 1), help="Cosine [per model].")
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one playbook entry skeleton per cluster (<id>.yaml) into this directory.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of GET /v1/stats/gaps.")
def gaps_command(
    first: str | None,
    last: str | None,
    team: str | None,
    embedder: str | None,
    limit: int,
    threshold: float | None,
    export_dir: Path | None,
    as_json: bool,
) -> None:
    """Messages that found no confident suggestion (kept with ASSIST_KEEP_UNMATCHED=true),
    clustered by meaning: where to write the next playbook entry."""
    from ..store.stats import Period

    settings = _settings(embedder)
    try:
        period = Period.parse(first, last)
        with open_store(settings) as store:
            found = _gaps(store, settings, period, team, limit, threshold)
    except AssistError as exc:
        raise click.ClickException(str(exc)) from exc
    if export_dir is not None:
        export_dir.mkdir(parents=True, exist_ok=True)
        for gap in found.clusters:
            path = export_dir / f"{gap.id}.yaml"
            path.write_text(gap.skeleton, "utf-8")
            click.echo(f"wrote {path}", err=True)
        if found.clusters:
            click.echo(f"edit them, then check: assist validate {export_dir}", err=True)
    if as_json:
        _echo_json(
            {"from": period.first.isoformat(), "to": period.last.isoformat(), "team": team}
            | found.to_dict()
        )
    elif export_dir is None:
        _print_gaps(found)


# ------------------------------------------------------------------ rich tables


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _count(name: str) -> Any:
    return lambda row: str(row[name])


def _share(name: str) -> Any:
    return lambda row: _pct(row[name])


def _thousandths(name: str) -> Any:
    """Edit distance is stored in thousandths (store/feedback_rules.py)."""
    return lambda row: "–" if row[name] is None else _pct(row[name] / 1000)


_MATCH = [
    ("served", _count("served")),
    ("matched", _share("match_rate")),
    ("weak", _share("weak_rate")),
    ("no match", _share("no_match_rate")),
]
_TABLES: list[tuple[str, str, list[tuple[str, Any]]]] = [
    ("by_lang", "Per language", [("language", _count("lang")), *_MATCH]),
    (
        "mood",
        "Mood",
        [("mood", _count("mood")), ("served", _count("served")), ("share", _share("share"))],
    ),
    (
        "replies",
        "Replies (most shown first)",
        [
            ("reply", _count("key")),
            ("source", _count("source")),
            ("author", lambda r: r["author"] or ""),
            *((a, _count(a)) for a in ("shown", "inserted", "sent", "sent_rewritten", "dismissed")),
            ("acceptance", _share("acceptance")),
            ("changed", _thousandths("mean_edit_distance")),
        ],
    ),
    (
        "trend",
        "Checked drafts per day",
        [
            ("day", _count("day")),
            ("checked", _count("checked")),
            ("recital", _share("recital_rate")),
            ("over-promise", _share("over_promise_rate")),
        ],
    ),
    (
        "authors",
        "Contributors",
        [
            *((a, _count(a)) for a in ("author", "snippets", "shown", "inserted", "sent")),
            ("acceptance", _share("acceptance")),
        ],
    ),
]
MOST_ROWS = 30


def _print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    a, c = report["answers"], report["checks"]
    f, g = report["followups"], report["gaps"]
    console.print(
        f"[bold]{report['from']} … {report['to']}[/] · team {report['team'] or 'every team'}\n"
        f"{a['served']} answers served: {_pct(a['match_rate'])} matched, "
        f"{_pct(a['weak_rate'])} weak, {_pct(a['no_match_rate'])} no match",
        highlight=False,
    )
    for key, title, columns in _TABLES:
        rows = (c if key == "trend" else report)[key][:MOST_ROWS]
        if rows:
            table = Table(*(name for name, _ in columns), title=title)
            for row in rows:
                table.add_row(*(cell(row) for _, cell in columns))
            console.print(table)
    console.print(
        f"Drafts checked: {c['checked']} · recital {_pct(c['recital_rate'])} · "
        f"over-promise {_pct(c['over_promise_rate'])}\n"
        f"Follow-ups: {f['open']} open ({f['on_time']} on time, {f['overdue']} overdue); "
        f"done in the period: {f['done_on_time']} on time, {f['done_late']} late\n"
        f"Gaps: {g['kept']} unmatched messages kept, {g['clusters']} clusters "
        "(assist stats gaps)",
        highlight=False,
    )


def _print_gaps(found: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    from .console import is_rtl, visual_lines

    console = Console()
    bidi = console.is_terminal  # most terminals print Persian backwards (console.py)
    table = Table("id", "size", "lang", "nearest entry", "examples", title="Gaps", show_lines=True)
    for gap in found.clusters:
        nearest = f"{gap.best_entry_id} ({gap.best_score:.2f})" if gap.best_entry_id else "–"
        examples = "\n".join(
            line for text in gap.examples[:5] for line in visual_lines(text, 60, bidi, is_rtl(text))
        )
        table.add_row(gap.id, str(gap.size), gap.lang, nearest, examples)
    if found.clusters:
        console.print(table)
    console.print(
        f"{found.messages} messages read, {len(found.clusters)} clusters, "
        f"{found.unclustered} in none (threshold {found.threshold:g})",
        highlight=False,
    )
