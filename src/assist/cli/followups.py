"""`assist followups`: list follow-ups, mark them done or cancelled, from a terminal.

Like `assist snippets`, it talks to the store directly (whoever can run it can read the
database), so who closes one is given with `--by`; the HTTP API is where roles are
checked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from ..errors import AssistError
from .snippets import _echo_json, open_store


def _line(followup: Any, now: datetime) -> str:
    reason = followup.reason if len(followup.reason) <= 60 else followup.reason[:59] + "…"
    late = "OVERDUE" if followup.overdue(now) else followup.status
    return (
        f"{followup.id}\t{late}\t{followup.due_at:%Y-%m-%d %H:%M}Z\t{followup.channel}\t"
        f"{followup.owner}\t{followup.team}\t{followup.conversation_id}\t"
        f"{followup.delivery.state}\t{reason}"
    )


@click.group()
def followups() -> None:
    """Follow-ups agents promised: list them, mark them done or cancelled.

    \b
    Examples:
      assist followups list --status open
      assist followups list --owner sara --json
      assist followups done 12 --by sara
    """


@followups.command("list")
@click.option("--status", type=click.Choice(["open", "done", "cancelled"]))
@click.option("--owner", help="The key name that created them.")
@click.option("--team")
@click.option("--overdue", is_flag=True, help="Only open ones past their due time.")
@click.option("--json", "as_json", is_flag=True, help="Full records, with delivery state.")
def list_(
    status: str | None, owner: str | None, team: str | None, overdue: bool, as_json: bool
) -> None:
    """Soonest due first: id, status (OVERDUE when open and late), due time (UTC),
    channel, owner, team, conversation, delivery state, reason."""
    now = datetime.now(UTC)
    if overdue:
        status = "open"
    with open_store() as store:
        try:
            found = store.followups.list(
                status=status,
                owner=owner,
                team=team,
                due_before=now if overdue else None,
                limit=1000,
            )
        except AssistError as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        _echo_json([f.to_dict(now) for f in found])
        return
    for followup in found:
        click.echo(_line(followup, now))
    if not found:
        click.echo("no follow-ups", err=True)


def _close(action: str, number: int, by: str) -> None:
    with open_store() as store:
        try:
            if action == "done":
                followup = store.followups.done(number, by)
            else:
                followup = store.followups.cancel(number, by)
        except AssistError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"follow-up {followup.id} {followup.status} (by {followup.closed_by})")


@followups.command("done")
@click.argument("number", metavar="ID", type=int)
@click.option("--by", required=True, help="Who came back to the customer (a key name).")
def done(number: int, by: str) -> None:
    """Mark an open follow-up done: it is not delivered any more."""
    _close("done", number, by)


@followups.command("cancel")
@click.argument("number", metavar="ID", type=int)
@click.option("--by", required=True, help="Who cancels it (a key name).")
def cancel(number: int, by: str) -> None:
    """Cancel an open follow-up: it is not delivered."""
    _close("cancel", number, by)
