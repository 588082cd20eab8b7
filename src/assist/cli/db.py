"""`assist db`: the database schema (Alembic migrations shipped in the package)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..settings import Settings

if TYPE_CHECKING:
    from ..store.feedback import Store

_URL_HELP = "SQLAlchemy URL [default: ASSIST_DATABASE_URL, else assist.sqlite beside the index]."


@click.group("db")
def db_command() -> None:
    """The database schema: see where it is, apply pending migrations.

    A server applies pending migrations itself when it starts (under a lock, so replicas
    starting together don't race), unless ASSIST_AUTO_MIGRATE=false: then it waits,
    not ready, until `assist db upgrade` has run.
    """


def _store(url: str | None) -> Store:
    from ..store.feedback import Store

    return Store(url or Settings().store_url, auto_migrate=False)


@db_command.command("upgrade")
@click.option("--url", help=_URL_HELP)
def upgrade(url: str | None) -> None:
    """Apply every pending migration (a database from before migrations is adopted,
    its rows kept).

    \b
    Example:
      ASSIST_DATABASE_URL=postgresql://assist@db/assist assist db upgrade
    """
    from sqlalchemy.exc import SQLAlchemyError

    from ..errors import AssistError
    from ..store import migrate

    try:
        store = _store(url)
        try:
            before, after = migrate.upgrade(store)
        finally:
            store.close()
    except SQLAlchemyError as exc:
        raise click.ClickException(store.unavailable(exc)) from exc
    except AssistError as exc:
        raise click.ClickException(str(exc)) from exc
    if before == after:
        click.echo(f"{store.display_url}: already at {after}")
    else:
        click.echo(f"{store.display_url}: upgraded {before or 'empty'} -> {after}")


@db_command.command("current")
@click.option("--url", help=_URL_HELP)
def current(url: str | None) -> None:
    """Show the schema's revision and what is pending; exits 1 when something is."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..errors import AssistError
    from ..store import migrate

    try:
        store = _store(url)
        try:
            found = migrate.state(store)
        finally:
            store.close()
    except SQLAlchemyError as exc:
        raise click.ClickException(store.unavailable(exc)) from exc
    except AssistError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{store.display_url}: {found.describe()}")
    if found.pending:
        click.echo("run `assist db upgrade` to apply them", err=True)
        raise SystemExit(1)
