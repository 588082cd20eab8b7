"""`assist import`: a team's existing canned responses into playbook entries or snippet
proposals. The parsing is `core/importers`; this module writes files and prints."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from ..settings import Settings

LISTED = 30  # drafts named one by one in the summary

_DRAFTS_HEADER = """\
Draft entries from `assist import {source}` ({format}).
Each needs at least {min} customer messages per language under `examples:` (how customers
ask for this, in their words) before it can go into the playbooks: a canned response has
none, and none were invented. `assist validate {folder}` lists what each one still needs;
move an entry into your playbooks folder when it passes."""
_OUT_HEADER = """\
Imported by `assist import {source}` ({format}). Each entry has one reply as it was in the
helpdesk: add a second wording, guidance and more examples (`assist validate --strict`)."""


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["chatwoot", "zendesk", "freshdesk", "csv"]),
    required=True,
    help="chatwoot: canned responses (JSON or CSV with short_code,content); zendesk: macros "
    "JSON export; freshdesk: canned responses JSON; csv: title,text[,lang][,examples].",
)
@click.option(
    "--as",
    "target",
    type=click.Choice(["playbook", "snippets"]),
    default="playbook",
    show_default=True,
    help="Playbook entries (YAML), or snippet proposals for the review queue.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="playbook: YAML for the entries that are complete [default: <playbooks>/imported.yaml]; "
    "snippets: a JSON file of the proposals instead of the store's review queue (- : stdout).",
)
@click.option(
    "--drafts",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML for entries that still need customer examples, kept out of the playbooks "
    "folder [default: <playbooks>-drafts/<name of --out>].",
)
@click.option("--force", is_flag=True, help="Overwrite --out and --drafts if they exist.")
@click.option("--author", help="snippets: who the proposals are credited to (required).")
@click.option("--team", help="snippets: the team they belong to (required).")
@click.option(
    "--visibility",
    type=click.Choice(["team", "private"]),
    default="team",
    show_default=True,
    help="snippets: who they are suggested to once approved.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print skipped rows and the summary only.")
def import_command(
    file: Path,
    fmt: str,
    target: str,
    out: Path | None,
    drafts: Path | None,
    force: bool,
    author: str | None,
    team: str | None,
    visibility: str,
    quiet: bool,
) -> None:
    """Import canned responses from a helpdesk export FILE.

    Placeholders become slots ({{contact.name}} → {{customer_name}}, an agent's name →
    [[your name]]); a row that can't be converted is printed as `file:line: why` and
    skipped. Canned responses have no customer examples, so entries without enough go to
    a drafts file for the lead to complete (the plain CSV can carry them).

    \b
    Examples:
      assist import macros.json --format zendesk
      assist import canned.csv --format chatwoot --out playbooks/chatwoot.yaml
      assist import replies.csv --format csv --as snippets --author sara --team support
    """
    from ..core.importers import UnreadableExport, plan_entries, read_export

    if target == "snippets" and not (author and team):
        raise click.UsageError("--as snippets needs --author and --team")
    if target == "playbook":
        out = out or Settings().playbooks_dir / "imported.yaml"
    try:
        parsed = read_export(file, fmt)  # type: ignore[arg-type]
    except UnreadableExport as exc:
        raise click.ClickException(str(exc)) from exc
    library = _library_ids(out.parent, skip=out) if out and target == "playbook" else set()
    planned, plan_problems = plan_entries(parsed, library)
    problems = sorted([*parsed.problems, *plan_problems], key=lambda p: p.line)
    for problem in problems:
        if problem.severity == "error" or not quiet:
            click.echo(str(problem), err=True)
    skipped = parsed.skipped + sum(1 for p in plan_problems if p.severity == "error")
    imported = len(parsed.items) - sum(1 for p in plan_problems if p.severity == "error")
    click.echo(f"read {file} ({fmt}): imported {imported}, skipped {skipped}", err=True)
    if target == "snippets":
        refused = _write_snippets(
            planned, parsed.source, out, force, author or "", team or "", visibility
        )
        imported -= refused
    else:
        assert out is not None
        _write_playbook(planned, parsed.source, fmt, out, drafts, force)
    if not imported:
        raise SystemExit(1)


def _write_playbook(
    planned: list[Any], source: str, fmt: str, out: Path, drafts: Path | None, force: bool
) -> None:
    from ..core.importers import dump_files
    from ..core.playbooks import MIN_EXAMPLES

    ready = [p for p in planned if p.ready]
    waiting = [p for p in planned if not p.ready]
    drafts = drafts or _default_drafts(out)
    if drafts.resolve().is_relative_to(out.resolve().parent):
        raise click.UsageError(f"--drafts must be outside {out.parent}/, the playbooks folder")
    names = {"source": Path(source).name, "format": fmt}
    drafts_header = _DRAFTS_HEADER.format(**names, min=MIN_EXAMPLES, folder=drafts.parent)
    ready_files = _numbered(out, dump_files([p.entry for p in ready], _OUT_HEADER.format(**names)))
    draft_files = _numbered(drafts, dump_files([p.entry for p in waiting], drafts_header))
    for path in [*ready_files, *draft_files]:
        if path.exists() and not force:
            raise click.ClickException(f"{path} exists: pass --force to overwrite it")
    for path, text in [*ready_files.items(), *draft_files.items()]:
        _write(path, text)
    if ready:
        where = ", ".join(str(path) for path in ready_files)
        click.echo(f"  {_count(len(ready), 'entry', 'entries')} ready → {where}", err=True)
    if waiting:
        count = _count(len(waiting), "entry", "entries")
        click.echo(
            f"  {count} to complete with customer examples → "
            f"{', '.join(str(path) for path in draft_files)} "
            f"(not loaded until moved into {out.parent}/):",
            err=True,
        )
        for plan in waiting[:LISTED]:
            needs = ", ".join(f"{n} more {lang}" for lang, n in plan.missing_examples.items())
            lines = ", ".join(str(line) for line in plan.lines)
            click.echo(f"    {plan.entry['id']} (line {lines}): {needs}", err=True)
        if len(waiting) > LISTED:
            click.echo(f"    ... and {len(waiting) - LISTED} more in the drafts", err=True)


def _numbered(path: Path, texts: list[str]) -> dict[Path, str]:
    """`imported.yaml`, then `imported-2.yaml`, ... when the entries need several files."""
    return {
        path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}"): text
        for n, text in enumerate(texts, 1)
    }


def _write_snippets(
    planned: list[Any],
    source: str,
    out: Path | None,
    force: bool,
    author: str,
    team: str,
    visibility: str,
) -> int:
    """Proposals into the store's review queue, or as JSON to `out` (`-`: stdout).
    Returns how many the store refused."""
    from ..core.importers import snippet_proposals

    proposals = snippet_proposals(planned, author=author, team=team, visibility=visibility)
    refused = 0
    if out is None:
        refused = _propose(planned, proposals, source)
        where = "the review queue"
    elif str(out) == "-":
        click.echo(json.dumps(proposals, ensure_ascii=False, indent=2))
        where = "stdout"
    else:
        if out.exists() and not force:
            raise click.ClickException(f"{out} exists: pass --force to overwrite it")
        _write(out, json.dumps(proposals, ensure_ascii=False, indent=2) + "\n")
        where = str(out)
    click.echo(f"  {_count(len(proposals) - refused, 'snippet proposal')} → {where}", err=True)
    stand_ins = sum(1 for plan in planned if not any(plan.entry["examples"].values()))
    if stand_ins:
        click.echo(
            f"  {_count(stand_ins, 'proposal')} use the title as the only trigger (the export "
            "has no customer messages): replace it with real ones when reviewing",
            err=True,
        )
    return refused


def _propose(planned: list[Any], proposals: list[dict[str, Any]], source: str) -> int:
    from ..errors import AssistError
    from .snippets import open_store

    refused = 0
    with open_store() as store:
        for plan, proposal in zip(planned, proposals, strict=True):
            try:
                store.snippets.propose(**proposal)
            except AssistError as exc:  # personal data, a bad slot: the store says which
                refused += 1
                click.echo(f"{source}:{plan.lines[0]}: {plan.entry['id']}: {exc}", err=True)
    return refused


def _count(n: int, noun: str, plural: str = "") -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _default_drafts(out: Path) -> Path:
    folder = out.parent if out.parent.name not in ("", "..") else out.resolve().parent
    return folder.parent / f"{folder.name}-drafts" / out.name


def _library_ids(directory: Path, skip: Path) -> set[str]:
    """Entry ids already in the playbooks folder (other than the file being rewritten)."""
    from ..core.playbook_yaml import compose
    from ..core.playbooks import playbook_files

    if not directory.is_dir():
        return set()
    ids: set[str] = set()
    for path in playbook_files(directory):
        if path.resolve() == skip.resolve():
            continue
        try:
            data = compose(path.read_text("utf-8"), str(path), {}, [])
        except Exception:  # a broken file is `assist validate`'s to report, not ours
            continue
        items = data if isinstance(data, list) else [data]
        ids.update(i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str))
    return ids


def _write(path: Path, text: str) -> None:
    """Write by rename, so a reader (a reindex, a server reload) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # not *.yaml: never loaded
    try:
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
