"""Expert snippets: replies the best agents share, reviewed by a lead, served live.

States: proposed → approved | rejected; approved → retired. A private snippet is approved
when proposed (only its author is ever shown it). Every write takes the next `change`
number; on PostgreSQL writes are serialised by an advisory lock held to commit, so change
numbers commit in increasing order and a poller asking for `change > last` never skips one
(SQLite serialises writers itself). A state change is one conditional UPDATE, so two
reviewers racing can't both win. Framework-free: `InvalidSnippet` 422, `SnippetNotFound`
404, `SnippetConflict` 409, `StoreUnavailable` 503.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from . import credit
from . import snippet_rules as rules
from .credit import ENTRY_PREFIX
from .db import advisory_lock, integrity_error
from .errors import Conflict, Invalid, NotFound
from .tables import (
    MAX_KEY_NAME,
    MAX_TEAM,
    SNIPPET_STATUSES,
    VISIBILITIES,
    snippets_table,
)

if TYPE_CHECKING:
    from .db import Database

MAX_LIST = 100_000  # rows one call returns (an export reads every approved one)
MAX_ID = 2**63 - 1  # BIGINT (and SQLite INTEGER)
_T = snippets_table


class InvalidSnippet(Invalid):
    status_code = 422

    def __init__(self, problems: builtins.list[str]):
        self.problems = problems
        super().__init__("snippet refused: " + "; ".join(problems))


class SnippetNotFound(NotFound):
    status_code = 404


class SnippetConflict(Conflict):
    status_code = 409


@dataclass(frozen=True)
class Snippet:
    id: int
    change: int
    author: str
    team: str
    visibility: str  # team | private
    status: str  # proposed | approved | rejected | retired
    title: str | None
    entry_id: str | None  # the playbook entry it belongs to, if any
    replies: dict[str, tuple[str, ...]]  # {"en": (wording, ...), "fa": (...)}
    triggers: tuple[str, ...]  # the customer messages it answers
    reviewer: str | None
    review_note: str | None
    edited_by: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def entry_key(self) -> str:
        """Its entry id in the index and in suggestion ids: `snippet-<id>/shared/<lang>/<n>`."""
        return f"{ENTRY_PREFIX}{self.id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entry_key": self.entry_key,
            "change": self.change,
            "author": self.author,
            "team": self.team,
            "visibility": self.visibility,
            "status": self.status,
            "title": self.title,
            "entry_id": self.entry_id,
            "replies": {lang: list(ws) for lang, ws in self.replies.items()},
            "triggers": list(self.triggers),
            "reviewer": self.reviewer,
            "review_note": self.review_note,
            "edited_by": self.edited_by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


class Snippets:
    """The `snippets` table, on the Store's engine."""

    def __init__(self, database: Database):
        self.database = database

    # ---------------------------------------------------------------- writes

    def propose(
        self,
        author: str,
        team: str,
        visibility: str,
        replies: Mapping[Any, Sequence[str]],  # {"en": [...], "fa": [...]}; keys checked
        triggers: Sequence[str],
        entry_id: str | None = None,
        title: str | None = None,
    ) -> Snippet:
        """A new snippet: `proposed` for the team's review, or `approved` at once when
        private."""
        problems: list[str] = []
        author = rules.name(author, "author", MAX_KEY_NAME, problems)
        team = rules.name(team, "team", MAX_TEAM, problems)
        if visibility not in VISIBILITIES:
            problems.append(f"visibility {str(visibility)[:20]!r}: team or private")
        content = _content(problems, replies=replies, triggers=triggers, title=title)
        content["entry_id"] = rules.optional_entry_id(entry_id, problems)
        _refuse(problems, content)
        now = datetime.now(UTC)
        row = {
            **_stored(content),
            "author": author,
            "team": team,
            "visibility": visibility,
            "status": "approved" if visibility == "private" else "proposed",
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.database.transaction() as connection:
                advisory_lock(connection, "snippets")
                result = connection.execute(insert(_T).values(**row, change=_next_change()))
                key = result.inserted_primary_key
                assert key is not None
                return _read(connection, int(key[0]))
        except IntegrityError as exc:  # a change number taken twice: the lock failed
            raise integrity_error(exc, "snippet") from exc

    def edit(
        self,
        id: int,
        editor: str,
        replies: Mapping[Any, Sequence[str]] | None = None,
        triggers: Sequence[str] | None = None,
        title: str | None = None,
        entry_id: str | None = None,
        *,
        resubmit: bool = False,
    ) -> Snippet:
        """Change a proposed or approved snippet's content (None: unchanged; "" clears
        title or entry_id). The status stays, unless `resubmit` sends an approved team
        snippet back to review (the API decides who needs that)."""
        problems: list[str] = []
        editor = rules.name(editor, "editor", MAX_KEY_NAME, problems)
        given = {"replies": replies, "triggers": triggers, "title": title}
        content = _content(problems, **{k: v for k, v in given.items() if v is not None})
        if entry_id is not None:
            content["entry_id"] = rules.optional_entry_id(entry_id, problems)
        if not content and not problems:
            problems.append("edit: give replies, triggers, title or entry_id to change")
        _refuse(problems, content)
        values: dict[str, Any] = {**_stored(content), "edited_by": editor}
        if resubmit:
            back = _T.c.visibility == "team"
            values["status"] = case((back, "proposed"), else_=_T.c.status)
            values["reviewer"] = case((back, None), else_=_T.c.reviewer)
            values["review_note"] = case((back, None), else_=_T.c.review_note)
        return self._write(id, ("proposed", "approved"), values, "edited")

    def approve(self, id: int, reviewer: str, note: str | None = None) -> Snippet:
        values = _review(reviewer, note, required=False)
        return self._write(id, ("proposed",), {**values, "status": "approved"}, "approved")

    def reject(self, id: int, reviewer: str, note: str) -> Snippet:
        """The note is required: the author reads why."""
        values = _review(reviewer, note, required=True)
        return self._write(id, ("proposed",), {**values, "status": "rejected"}, "rejected")

    def retire(self, id: int, by: str, note: str | None = None) -> Snippet:
        values = _review(by, note, required=False)
        return self._write(id, ("approved",), {**values, "status": "retired"}, "retired")

    def _write(
        self, id: int, allowed: tuple[str, ...], values: dict[str, Any], done: str
    ) -> Snippet:
        """One conditional UPDATE: applied only while the status is one of `allowed`."""
        _known_range(id)
        query = (
            update(_T)
            .where(_T.c.id == id, _T.c.status.in_(allowed))
            .values(**values, change=_next_change(), updated_at=datetime.now(UTC))
        )
        try:
            with self.database.transaction() as connection:
                advisory_lock(connection, "snippets")
                changed = connection.execute(query).rowcount
                snippet = _read(connection, id)
        except IntegrityError as exc:
            raise integrity_error(exc, "snippet") from exc
        if not changed:
            raise SnippetConflict(
                f"snippet {id} is {snippet.status}: only a {' or '.join(allowed)} snippet "
                f"can be {done}"
            )
        return snippet

    # ---------------------------------------------------------------- reads

    def get(self, id: int) -> Snippet:
        _known_range(id)
        with self.database.connect() as connection:
            return _read(connection, id)

    def list(
        self,
        status: str | None = None,
        team: str | None = None,
        author: str | None = None,
        limit: int = 100,
        offset: int = 0,
        *,
        visible_to: str | None = None,
    ) -> builtins.list[Snippet]:
        """Oldest first. `visible_to` (a key name) leaves out other authors' private
        snippets."""
        if status is not None and status not in SNIPPET_STATUSES:
            raise InvalidSnippet([f"status {status[:20]!r}: one of {', '.join(SNIPPET_STATUSES)}"])
        _page(limit, offset)
        if offset > MAX_ID:  # past every row (and past what the driver can send)
            return []
        query = select(_T).order_by(_T.c.id).limit(limit).offset(offset)
        for column, value in (("status", status), ("team", team), ("author", author)):
            if value is not None:
                query = query.where(_T.c[column] == value)
        if visible_to is not None:
            query = query.where(or_(_T.c.visibility == "team", _T.c.author == visible_to))
        with self.database.connect() as connection:
            return [_snippet(row) for row in connection.execute(query).mappings()]

    def changes_since(self, after: int, limit: int = 1000) -> builtins.list[Snippet]:
        """Snippets written after change number `after`, in change order, every status
        and visibility: what a process polls to update its live snippets."""
        _page(limit, 0)
        if after >= MAX_ID:
            return []
        query = select(_T).where(_T.c.change > max(after, 0)).order_by(_T.c.change).limit(limit)
        with self.database.connect() as connection:
            return [_snippet(row) for row in connection.execute(query).mappings()]

    def authors(
        self, team: str | None = None, *, include_private: bool = False
    ) -> builtins.list[dict[str, Any]]:
        """Credit per author: their snippets by status, and how often theirs were shown,
        inserted, sent and dismissed (feedback rows on `snippet-<id>`). Private snippets
        are the author's own tools, not shared work: left out unless asked for."""
        with self.database.connect() as connection:
            return credit.per_author(connection, team, include_private=include_private)


def _next_change() -> Any:
    """max(change) + 1, read in the writing statement itself (under the lock)."""
    latest = _T.alias("latest")
    return select(func.coalesce(func.max(latest.c.change), 0) + 1).scalar_subquery()


def _content(problems: list[str], **given: Any) -> dict[str, Any]:
    """The checked value of each given part of a snippet's content."""
    checked: dict[str, Any] = {}
    if "replies" in given:
        checked["replies"] = rules.replies(given["replies"], problems)
    if "triggers" in given:
        checked["triggers"] = rules.triggers(given["triggers"], problems)
    if "title" in given:
        checked["title"] = rules.optional_title(given["title"], problems)
    return checked


def _refuse(problems: list[str], content: dict[str, Any]) -> None:
    """InvalidSnippet naming every problem, personal data included."""
    texts = rules.located_texts(
        content.get("replies", {}), content.get("triggers", ()), content.get("title")
    )
    found = rules.personal_data(texts)
    if found:
        problems.append(
            "personal data must not be shared, remove it or put a {{slot}} in its place: "
            + ", ".join(found)
        )
    if problems:
        raise InvalidSnippet(problems)


def _review(reviewer: str, note: str | None, *, required: bool) -> dict[str, Any]:
    problems: list[str] = []
    reviewer = rules.name(reviewer, "reviewer", MAX_KEY_NAME, problems)
    text = (note or "").strip()
    if required and not text:
        problems.append("note: say why, the author reads it")
    elif len(text) > rules.MAX_NOTE:
        problems.append(f"note: {len(text):,} characters; the limit is {rules.MAX_NOTE:,}")
    if problems:
        raise InvalidSnippet(problems)
    return {"reviewer": reviewer, "review_note": text or None}


def _page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIST or offset < 0:
        raise InvalidSnippet([f"limit: 1 to {MAX_LIST}, offset: 0 or more"])


def _stored(content: dict[str, Any]) -> dict[str, Any]:
    """Content as columns: replies and triggers as JSON text."""
    row = dict(content)
    if "replies" in row:
        row["replies"] = json.dumps(
            {k: list(v) for k, v in row["replies"].items()}, ensure_ascii=False
        )
    if "triggers" in row:
        row["triggers"] = json.dumps(list(row["triggers"]), ensure_ascii=False)
    return row


def _known_range(id: int) -> None:
    """An id no column can hold (from a URL) is simply not there, not a driver error."""
    if not 1 <= id <= MAX_ID:
        raise SnippetNotFound(f"no snippet {id}")


def _read(connection: Connection, id: int) -> Snippet:
    row = connection.execute(select(_T).where(_T.c.id == id)).mappings().first()
    if row is None:
        raise SnippetNotFound(f"no snippet {id}")
    return _snippet(row)


def _utc(value: datetime) -> datetime:
    # SQLite keeps no zone (we always write UTC); PostgreSQL answers in its own.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _snippet(row: Any) -> Snippet:
    replies = json.loads(row["replies"])
    return Snippet(
        id=int(row["id"]),
        change=int(row["change"]),
        author=row["author"],
        team=row["team"],
        visibility=row["visibility"],
        status=row["status"],
        title=row["title"],
        entry_id=row["entry_id"],
        replies={lang: tuple(ws) for lang, ws in replies.items()},
        triggers=tuple(json.loads(row["triggers"])),
        reviewer=row["reviewer"],
        review_note=row["review_note"],
        edited_by=row["edited_by"],
        created_at=_utc(row["created_at"]),
        updated_at=_utc(row["updated_at"]),
    )
