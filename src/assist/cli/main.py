"""The `assist` command line: validate | reindex | suggest | serve | eval.

Heavy modules (the embedders, faiss, the web stack) are imported inside the commands,
so `assist --help` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..settings import Settings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _settings(**overrides: object) -> Settings:
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given)  # type: ignore[arg-type]


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="assist")
def main() -> None:
    """Reply suggestions for support agents, in Persian and English.

    \b
    Typical flow:
      assist validate playbooks/        # check the playbooks
      assist reindex                    # build the index
      assist suggest "where is my order?" --name Sara
      assist serve                      # the HTTP API and the sidebar widget
    """


@main.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat lint warnings as errors.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only, not warnings.")
def validate(directory: Path | None, strict: bool, quiet: bool) -> None:
    """Check playbooks; print every problem as `file:line: message`.

    Exits 1 when there are errors (or warnings with --strict), 0 when clean.

    \b
    Example:
      assist validate playbooks/ --strict
    """
    from ..core.playbooks import check_playbooks

    directory = directory or _settings().playbooks_dir
    playbooks, problems = check_playbooks(directory)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for problem in errors + ([] if quiet else warnings):
        click.echo(str(problem), err=True)
    files = len(playbooks.sources)
    summary = (
        f"{len(playbooks.entries)} entries in {files} file(s): "
        f"{len(errors)} error(s), {len(warnings)} warning(s)"
    )
    click.echo(summary, err=True)
    if errors or (strict and warnings):
        raise SystemExit(1)


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


def approved_snippets(settings: Settings, console: Any) -> tuple[list[Any], int]:
    """Every snippet the store serves now, and the change number they were read at; a
    store that can't be reached folds none (the servers still load them live)."""
    from ..core.snippets import SharedReply
    from ..store.feedback import Store

    store = Store.from_settings(settings)
    try:
        if not store.start(report=False):
            console.print(
                f"[yellow]store {store.display_url} unavailable: no snippets folded in[/]",
                highlight=False,
            )
            return [], 0
        every: dict[int, Any] = {}
        change = 0
        while batch := store.snippets.changes_since(change):
            for snippet in batch:
                every[snippet.id] = snippet
            change = batch[-1].change
        served = [SharedReply.from_mapping(s.to_dict()) for s in every.values()]
        return [s for s in served if s.served], change
    finally:
        store.close()


@main.command()
@click.option(
    "--playbooks",
    "playbooks_dir",
    type=click.Path(path_type=Path),
    help="Playbook directory [default: playbooks/ or ASSIST_PLAYBOOKS_DIR].",
)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    help="Index root [default: index/ or ASSIST_INDEX_DIR].",
)
@click.option(
    "--embedder",
    type=click.Choice(["e5", "sentence-transformers", "hash"]),
    help="Embedding backend [default: e5 or ASSIST_EMBEDDER].",
)
@click.option("--strict", is_flag=True, help="Refuse to publish when lint finds warnings.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--snippets/--no-snippets",
    "with_snippets",
    default=True,
    show_default=True,
    help="Fold the approved snippets of the store (ASSIST_DATABASE_URL) into the version.",
)
def reindex(
    playbooks_dir: Path | None,
    index_dir: Path | None,
    embedder: str | None,
    strict: bool,
    quiet: bool,
    with_snippets: bool,
) -> None:
    """Validate the playbooks, embed them and publish a new index version.

    Only changed texts are re-embedded (a content-hash cache). A failed build leaves
    the serving index (index/current) untouched. Approved snippets in the store are
    folded in, so a replica that starts from this version starts complete.

    \b
    Example:
      assist reindex --playbooks playbooks/ --index index/
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from ..core.cache import EmbeddingCache
    from ..core.embed import load_embedder
    from ..core.index import build_index
    from ..core.playbooks import load_playbooks
    from ..errors import AssistError

    settings = _settings(playbooks_dir=playbooks_dir, index_dir=index_dir, embedder=embedder)
    console = Console(stderr=True)
    try:
        playbooks = load_playbooks(settings.playbooks_dir, strict=strict)
        folded, change = approved_snippets(settings, console) if with_snippets else ([], 0)
        model = load_embedder(settings)
        progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=quiet,
        )
        with progress, EmbeddingCache(settings.embedding_cache_dir / "embeddings.sqlite") as cache:
            task = progress.add_task("embedding", total=None)
            report = build_index(
                playbooks,
                model,
                settings.index_dir,
                cache=cache,
                keep=settings.keep_versions,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                titles=settings.title_units,
                guidance=settings.guidance_units,
                snippets=folded,
                snippet_change=change,
            )
    except AssistError as exc:
        raise _fail(exc) from exc
    for warning in playbooks.warnings:
        console.print(f"[yellow]{warning}[/]", highlight=False)
    console.print(
        f"published [bold]{report.version}[/] → {report.path}\n"
        f"  entries {report.entries} (snippets {len(folded)}) · units {report.units} · "
        f"re-embedded {report.embedded} "
        f"· took {report.seconds:.2f} s · embedder {model.fingerprint}",
        highlight=False,
    )


def _read_message(message: str) -> str:
    return sys.stdin.read() if message == "-" else message


def _customer(name: str | None, pairs: tuple[str, ...]) -> dict[str, str]:
    customer: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--customer")
        customer[key.strip()] = value
    if name:
        customer["name"] = name
    return customer


@main.command()
@click.argument("message")
@click.option("--name", help="Customer's name, fills {{customer_name}}.")
@click.option(
    "--customer",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="More customer context, e.g. --customer order_id=A-1042 (repeatable).",
)
@click.option(
    "--lang", type=click.Choice(["fa", "en"]), help="Answer language [default: detected]."
)
@click.option("-k", type=click.IntRange(1, 10), help="Suggestions per question [default: 3].")
@click.option(
    "--conversation",
    "conversation_id",
    default="cli",
    show_default=True,
    help="Conversation id (variant rotation and history are per conversation).",
)
@click.option(
    "--history",
    type=click.File("r", encoding="utf-8"),
    help='JSON list of earlier turns: [{"role": "agent", "text": "..."}, ...].',
)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of panels.")
@click.option(
    "--bidi/--no-bidi",
    default=None,
    help="Reorder Persian for terminals without bidi support [default: on for a tty].",
)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index root.")
@click.option("--embedder", type=click.Choice(["e5", "sentence-transformers", "hash"]))
@click.option("--url", help="Ask a running server instead, e.g. http://127.0.0.1:8000.")
@click.option("--key", envvar="ASSIST_API_KEY", help="API key for --url [env: ASSIST_API_KEY].")
def suggest(
    message: str,
    name: str | None,
    pairs: tuple[str, ...],
    lang: str | None,
    k: int | None,
    conversation_id: str,
    history: Any,
    as_json: bool,
    bidi: bool | None,
    index_dir: Path | None,
    embedder: str | None,
    url: str | None,
    key: str | None,
) -> None:
    """Suggest replies for a customer MESSAGE (`-` reads it from stdin).

    \b
    Examples:
      assist suggest "یک ساعته تتر خریدم هنوز به ولتم نرسیده" --name سارا
      assist suggest "my order is late, where is it?" --customer order_id=A-1042
      echo "I want a manager" | assist suggest - --json
      assist suggest "where is my order?" --url http://127.0.0.1:8000 --key ak_...
    """
    import json

    from rich.console import Console

    from ..errors import AssistError
    from .console import print_result

    text = _read_message(message)
    turns = json.load(history) if history else []
    if not isinstance(turns, list):
        raise click.BadParameter("must hold a JSON list of turns", param_hint="--history")
    customer = _customer(name, pairs)
    try:
        if url:
            from ..client import AssistClient

            with AssistClient(url, key) as client:
                result = client.suggest(
                    text,
                    conversation_id=conversation_id,
                    history=turns,
                    customer=customer,
                    lang=lang,
                    k=k,
                )
        else:
            result = _suggest_local(
                index_dir, embedder, text, conversation_id, turns, customer, lang, k
            )
    except AssistError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print_result(Console(), result, sys.stdout.isatty() if bidi is None else bidi)


def _suggest_local(
    index_dir: Path | None,
    embedder: str | None,
    text: str,
    conversation_id: str,
    turns: list[Any],
    customer: dict[str, str],
    lang: str | None,
    k: int | None,
) -> dict[str, Any]:
    from ..core.embed import load_embedder
    from ..core.index import load_index
    from ..core.suggest import Query, Suggester, Turn

    settings = _settings(index_dir=index_dir, embedder=embedder)
    model = load_embedder(settings)
    suggester = Suggester(load_index(settings.index_dir, model), model, settings)
    try:
        history = [Turn(t["role"], t["text"], t.get("suggestion_id")) for t in turns]
    except (KeyError, TypeError) as exc:
        raise click.BadParameter("each turn needs role and text", param_hint="--history") from exc
    query = Query(text, conversation_id, history, customer, lang, k)  # type: ignore[arg-type]
    return suggester.suggest(query).to_dict()


@main.command()
@click.option("--host", help="Interface [default: 127.0.0.1 or ASSIST_HOST].")
@click.option("--port", type=int, help="Port [default: 8000 or ASSIST_PORT].")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes; each loads the model and the index once.",
)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index root.")
@click.option("--access-log/--no-access-log", default=True, show_default=True)
def serve(
    host: str | None, port: int | None, workers: int, index_dir: Path | None, access_log: bool
) -> None:
    """Serve the HTTP API (docs at /docs) and the sidebar widget.

    \b
    Example:
      assist keys new --name sara --role agent   # once; prints the key
      assist serve --port 8000
    """
    import os

    from pydantic import ValidationError

    from ..api import serving
    from ..api.app import create_app
    from ..errors import AssistError

    overrides = {"ASSIST_HOST": host, "ASSIST_PORT": port, "ASSIST_INDEX_DIR": index_dir}
    os.environ.update({k: str(v) for k, v in overrides.items() if v is not None})
    try:
        settings = Settings()  # workers re-read the same environment
    except ValidationError as exc:
        click.echo(f"Error: {_settings_problem(exc)}", err=True)
        raise SystemExit(2) from None
    try:
        create_app(settings)  # fail here, clearly, on bad keys or settings
    except AssistError as exc:
        raise _fail(exc) from exc
    config = serving.serve_config(
        settings,
        "assist.api:app_from_env",
        factory=True,
        workers=workers,
        access_log=access_log,
        log_level="info",
    )
    serving.run(config)


def _settings_problem(exc: Exception) -> str:
    """A settings ValidationError on one line: `field: why`, without pydantic's links."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return str(exc)
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()))
        why = str(error.get("msg", "")).removeprefix("Value error, ")
        problems.append(f"{where}: {why}" if where else why)
    return "; ".join(problems)


@main.group()
def keys() -> None:
    """Manage API keys (only their sha256 is stored)."""


@keys.command("new")
@click.option("--name", required=True, help="Who or what uses the key.")
@click.option(
    "--role",
    type=click.Choice(["agent", "lead", "admin"]),
    default="agent",
    show_default=True,
    help="lead: also reviews snippets and reads statistics; admin: also reloads.",
)
@click.option("--team", default="default", show_default=True, help="Scopes snippets and stats.")
@click.option(
    "--file",
    "path",
    type=click.Path(path_type=Path),
    help="Keys file [default: keys.yaml or ASSIST_API_KEYS_FILE].",
)
@click.option(
    "--db",
    "in_db",
    is_flag=True,
    help="Store the key in the database (ASSIST_DATABASE_URL), shared by every replica.",
)
def keys_new(name: str, role: str, team: str, path: Path | None, in_db: bool) -> None:
    """Create a key, store its hash and print the key (shown only this once). Running
    servers accept it without a restart: at once from the file, within the store poll
    (ASSIST_STORE_POLL_SECONDS) from the database."""
    from ..api.auth import add_key
    from ..errors import AssistError
    from .snippets import open_store

    settings = Settings()
    try:
        if in_db:
            with open_store(settings) as store:
                key = store.keys.add(name, role, team)
                where = store.display_url
        else:
            where = str(path or settings.api_keys_file)
            key = add_key(Path(where), name, role, team)  # type: ignore[arg-type]
    except AssistError as exc:
        raise _fail(exc) from exc
    click.echo(key)
    click.echo(
        f"{role} key {name!r} (team {team}) added to {where}; store it now, it is not shown again",
        err=True,
    )


@keys.command("list")
@click.option("--file", "path", type=click.Path(path_type=Path))
@click.option("--db", "in_db", is_flag=True, help="Also the database's keys.")
def keys_list(path: Path | None, in_db: bool) -> None:
    """List configured keys (names, roles and teams; never the keys)."""
    from ..api.auth import read_keys_file
    from .snippets import open_store

    settings = Settings()
    for key in read_keys_file(path or settings.api_keys_file) + list(settings.api_keys):
        click.echo(f"{key.name}\t{key.role}\t{key.team}\t{key.sha256[:12]}…\tfile")
    if in_db:
        with open_store(settings) as store:
            for stored in store.keys.list():
                state = "revoked" if stored.revoked_at else "database"
                click.echo(f"{stored.name}\t{stored.role}\t{stored.team}\t…\t{state}")


def _register_more() -> None:
    from .check import check_command
    from .db import db_command
    from .eval import eval_command
    from .followups import followups
    from .library import import_command
    from .snippets import snippets
    from .stats import stats_command

    main.add_command(check_command, "check")
    main.add_command(db_command, "db")
    main.add_command(eval_command, "eval")
    main.add_command(followups, "followups")
    main.add_command(import_command, "import")
    main.add_command(snippets, "snippets")
    main.add_command(stats_command, "stats")


_register_more()

if __name__ == "__main__":
    main()
