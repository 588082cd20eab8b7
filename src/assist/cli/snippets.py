"""`assist snippets`: propose, review, credit and export expert snippets from a terminal.

The terminal talks to the store directly (whoever can run it can read the database), so
the reviewer's name is given with `--reviewer`; the HTTP API is where roles are checked.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..errors import AssistError
from ..settings import Settings


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@contextmanager
def open_store(settings: Settings | None = None) -> Iterator[Any]:
    """The store at ASSIST_DATABASE_URL (or the SQLite file beside the index), with
    pending migrations applied."""
    from ..store.feedback import Store

    settings = settings or Settings()
    store = Store.from_settings(settings)
    try:
        if not store.start(report=False):
            raise click.ClickException(f"the store at {store.display_url} is unavailable")
        yield store
    finally:
        store.close()


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _line(snippet: Any) -> str:
    text = next((t for ts in snippet.replies.values() for t in ts), "")
    short = text if len(text) <= 70 else text[:69] + "…"
    return (
        f"{snippet.id}\t{snippet.status}\t{snippet.visibility}\t{snippet.team}\t"
        f"{snippet.author}\t{short}"
    )


@click.group()
def snippets() -> None:
    """Expert snippets: agents' own replies, shared, reviewed and credited."""


@snippets.command("propose")
@click.option("--author", required=True, help="The agent (their key's name).")
@click.option("--team", default="default", show_default=True)
@click.option("--private", is_flag=True, help="Only for the author; needs no review.")
@click.option("--text", "texts", multiple=True, required=True, help="A wording (repeatable).")
@click.option("--trigger", "triggers", multiple=True, required=True, help="A customer message.")
@click.option("--lang", type=click.Choice(["en", "fa"]), help="Detected if omitted.")
@click.option("--entry", "entry_id", help="The playbook entry it belongs to.")
@click.option("--title")
def propose(
    author: str,
    team: str,
    private: bool,
    texts: tuple[str, ...],
    triggers: tuple[str, ...],
    lang: str | None,
    entry_id: str | None,
    title: str | None,
) -> None:
    """Propose a snippet (slots written by hand: {{customer_name}}, [[your words]])."""
    from ..core.text import reply_language

    replies: dict[str, list[str]] = {}
    for text in texts:
        replies.setdefault(lang or reply_language(text), []).append(text)
    with open_store() as store:
        try:
            snippet = store.snippets.propose(
                author=author,
                team=team,
                visibility="private" if private else "team",
                replies=replies,
                triggers=list(triggers),
                entry_id=entry_id,
                title=title,
            )
        except AssistError as exc:
            raise _fail(exc) from exc
    click.echo(f"snippet {snippet.id} {snippet.status}")


@snippets.command("list")
@click.option("--status", type=click.Choice(["proposed", "approved", "rejected", "retired"]))
@click.option("--team")
@click.option("--author")
@click.option("--json", "as_json", is_flag=True)
def list_(status: str | None, team: str | None, author: str | None, as_json: bool) -> None:
    """List snippets (the review queue: --status proposed)."""
    with open_store() as store:
        found = store.snippets.list(status=status, team=team, author=author, limit=1000)
    if as_json:
        _echo_json([s.to_dict() for s in found])
        return
    for snippet in found:
        click.echo(_line(snippet))
    if not found:
        click.echo("no snippets", err=True)


@snippets.command("show")
@click.argument("number", type=int)
def show(number: int) -> None:
    """One snippet in full, as JSON."""
    with open_store() as store:
        try:
            _echo_json(store.snippets.get(number).to_dict())
        except AssistError as exc:
            raise _fail(exc) from exc


def _review(action: str, number: int, reviewer: str, note: str | None) -> None:
    with open_store() as store:
        try:
            if action == "approve":
                snippet = store.snippets.approve(number, reviewer, note)
            elif action == "reject":
                snippet = store.snippets.reject(number, reviewer, note)
            else:
                snippet = store.snippets.retire(number, reviewer)
        except AssistError as exc:
            raise _fail(exc) from exc
    if snippet.author == reviewer and action != "retire":
        click.echo(f"note: {reviewer} reviewed their own snippet", err=True)
    click.echo(f"snippet {snippet.id} {snippet.status}: every server serves it within seconds")


@snippets.command("approve")
@click.argument("number", type=int)
@click.option("--reviewer", required=True)
@click.option("--note")
def approve(number: int, reviewer: str, note: str | None) -> None:
    """Approve: suggested to the team at once, no reindex."""
    _review("approve", number, reviewer, note)


@snippets.command("reject")
@click.argument("number", type=int)
@click.option("--reviewer", required=True)
@click.option("--note", required=True, help="Why: the author sees it.")
def reject(number: int, reviewer: str, note: str) -> None:
    """Reject with a note for the author."""
    _review("reject", number, reviewer, note)


@snippets.command("retire")
@click.argument("number", type=int)
@click.option("--reviewer", required=True)
def retire(number: int, reviewer: str) -> None:
    """Stop suggesting an approved snippet."""
    _review("retire", number, reviewer, None)


@snippets.command("authors")
@click.option("--team")
@click.option("--json", "as_json", is_flag=True)
def authors(team: str | None, as_json: bool) -> None:
    """Credit per author: snippets approved, and how often theirs were shown, inserted
    and sent (from the feedback log)."""
    from rich.console import Console
    from rich.table import Table

    with open_store() as store:
        rows = store.snippets.authors(team=team)
    if as_json:
        _echo_json(rows)
        return
    table = Table("author", "approved", "proposed", "rejected", "shown", "inserted", "sent")
    for row in rows:
        table.add_row(
            row["author"],
            *(
                str(row[k])
                for k in ("approved", "proposed", "rejected", "shown", "inserted", "sent")
            ),
        )
    Console().print(table)


@snippets.command("export")
@click.option("--out", type=click.Path(path_type=Path), help="A playbook file [default: stdout].")
@click.option("--team")
def export(out: Path | None, team: str | None) -> None:
    """Write approved team snippets as playbook YAML (replies keep `author:`), so the
    library grows from the floor: review the file, then move it into playbooks/."""
    from ..core.importers.export import dump_entries, snippets_to_entries
    from ..core.importers.plan import missing_examples
    from ..core.playbooks import load_playbooks

    settings = Settings()
    with open_store(settings) as store:
        found = store.snippets.list(status="approved", team=team, limit=100_000)
    shared = [s.to_dict() for s in found if s.visibility == "team"]
    entries = snippets_to_entries(shared)
    library = {e.id for e in load_playbooks(settings.playbooks_dir).entries}
    for entry in entries:
        if entry["id"] in library:  # a snippet of an existing entry: its replies go there
            click.echo(
                f"note: {entry['id']}-shared holds snippets of entry {entry['id']}: move "
                "their replies into that entry (or keep it as its own situation)",
                err=True,
            )
            entry["id"] = f"{entry['id']}-shared"
        lacking = missing_examples(entry)
        if lacking:
            needs = ", ".join(f"{n} more {lang}" for lang, n in lacking.items())
            click.echo(f"note: {entry['id']} needs customer examples: {needs}", err=True)
    text = dump_entries(entries)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, "utf-8")
        click.echo(f"{len(shared)} snippets written to {out}", err=True)
