"""The coach's check log: one row per checked draft (who, which conversation, entry and
suggestion, language, recital share, whether it was sent) and its finding codes, so
statistics can count recital and promises per entry and per agent. Codes only: the
draft's text is never written here (the sent text is the feedback log's `final_text`).
Framework-free: `InvalidCheck` 422, `StoreUnavailable` 503.
"""

from __future__ import annotations

import builtins
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Integer, cast, func, insert, select
from sqlalchemy.exc import IntegrityError

from ..core.schemas import KEBAB, SUGGESTION_ID, clean_text
from .db import integrity_error
from .errors import Invalid
from .tables import (
    MAX_CONVERSATION_ID,
    MAX_KEY_NAME,
    MAX_TEAM,
    check_codes_table,
    check_log_table,
)

if TYPE_CHECKING:
    from .db import Database

MAX_CODES = 30
CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")  # `over_promise`, `no_name`, ...
_KEBAB = re.compile(KEBAB)
_SUGGESTION_ID = re.compile(SUGGESTION_ID)
GroupBy = Literal["entry_id", "key_name", "team", "lang"]
GROUPS: tuple[GroupBy, ...] = ("entry_id", "key_name", "team", "lang")
_L, _C = check_log_table, check_codes_table


class InvalidCheck(Invalid):
    status_code = 422

    def __init__(self, problems: builtins.list[str]):
        self.problems = problems
        super().__init__("check not logged: " + "; ".join(problems))


@dataclass(frozen=True)
class CheckCount:
    """Checks in one group (None: all of them, or rows without that field)."""

    group: str | None
    checks: int
    sent: int
    recital_mean: float
    codes: dict[str, int] = field(default_factory=dict)  # code -> checks that had it

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "checks": self.checks,
            "sent": self.sent,
            "recital_mean": self.recital_mean,
            "codes": dict(self.codes),
        }


class Checks:
    """The `check_log` and `check_codes` tables, on the Store's engine."""

    def __init__(self, database: Database):
        self.database = database

    def record(
        self,
        key_name: str,
        team: str,
        conversation_id: str,
        entry_id: str | None,
        suggestion_id: str | None,
        lang: str | None,
        codes: Sequence[str],
        recital: float,
        sent: bool = False,
        *,
        at: datetime | None = None,
    ) -> int:
        """Log one check; returns its id. Codes are kept once each (a draft with two
        over-promises counts once for `over_promise`)."""
        row, distinct = _validated(
            key_name, team, conversation_id, entry_id, suggestion_id, lang, codes, recital, sent
        )
        row["created_at"] = (at or datetime.now(UTC)).astimezone(UTC)
        try:
            with self.database.transaction() as connection:
                result = connection.execute(insert(_L).values(**row))
                key = result.inserted_primary_key
                assert key is not None
                number = int(key[0])
                if distinct:
                    connection.execute(
                        insert(_C), [{"check_id": number, "code": c} for c in distinct]
                    )
                return number
        except IntegrityError as exc:
            raise integrity_error(exc, "check") from exc

    def counts(
        self,
        by: GroupBy | None = None,
        *,
        team: str | None = None,
        key_name: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sent: bool | None = None,
    ) -> builtins.list[CheckCount]:
        """Checks, sent ones, mean recital and checks per code, per `by` (entry_id,
        key_name, team, lang) or overall; filtered by team, agent, sent and time
        (`since` ≤ created_at < `until`). Biggest groups first."""
        if by is not None and by not in GROUPS:
            raise InvalidCheck([f"by {str(by)[:20]!r}: one of {', '.join(GROUPS)}"])
        conditions = []
        for column, value in (("team", team), ("key_name", key_name), ("sent", sent)):
            if value is not None:
                conditions.append(_L.c[column] == value)
        if since is not None:
            conditions.append(_L.c.created_at >= since.astimezone(UTC))
        if until is not None:
            conditions.append(_L.c.created_at < until.astimezone(UTC))
        group = [_L.c[by]] if by else []
        totals = (
            select(
                *group,
                func.count(),
                func.coalesce(func.sum(cast(_L.c.sent, Integer)), 0),
                func.coalesce(func.avg(_L.c.recital), 0.0),
            )
            .where(*conditions)
            .group_by(*group)
        )
        per_code = (
            select(*group, _C.c.code, func.count())
            .select_from(_L.join(_C, _C.c.check_id == _L.c.id))
            .where(*conditions)
            .group_by(*group, _C.c.code)
        )
        with self.database.connect() as connection:
            found = [tuple(r) for r in connection.execute(totals)]
            coded = [tuple(r) for r in connection.execute(per_code)]
        codes: dict[Any, dict[str, int]] = {}
        for *key, code, n in coded:
            codes.setdefault(key[0] if by else None, {})[code] = int(n)
        result = []
        for *key, checks, sent_n, mean in found:
            name = key[0] if by else None
            if not checks:
                continue
            result.append(
                CheckCount(
                    group=name,
                    checks=int(checks),
                    sent=int(sent_n),
                    recital_mean=round(float(mean), 4),
                    codes=dict(sorted(codes.get(name, {}).items())),
                )
            )
        return sorted(result, key=lambda c: (-c.checks, c.group or ""))


def _validated(
    key_name: Any,
    team: Any,
    conversation_id: Any,
    entry_id: Any,
    suggestion_id: Any,
    lang: Any,
    codes: Any,
    recital: Any,
    sent: Any,
) -> tuple[dict[str, Any], builtins.list[str]]:
    problems: list[str] = []

    def text(value: Any, where: str, limit: int) -> str:
        cleaned = clean_text(value).strip() if isinstance(value, str) else ""
        if not 1 <= len(cleaned) <= limit:
            problems.append(f"{where}: 1 to {limit} characters")
        return cleaned

    row: dict[str, Any] = {
        "key_name": text(key_name, "key_name", MAX_KEY_NAME),
        "team": text(team, "team", MAX_TEAM),
        "conversation_id": text(conversation_id, "conversation_id", MAX_CONVERSATION_ID),
        "entry_id": entry_id or None,
        "suggestion_id": suggestion_id or None,
        "lang": lang or None,
        "sent": sent,
        "recital": recital,
    }
    if row["entry_id"] is not None and not (
        isinstance(entry_id, str) and len(entry_id) <= 100 and _KEBAB.match(entry_id)
    ):
        problems.append(f"entry_id {str(entry_id)[:40]!r}: kebab-case, at most 100 characters")
    if row["suggestion_id"] is not None and not (
        isinstance(suggestion_id, str)
        and len(suggestion_id) <= 300
        and _SUGGESTION_ID.match(suggestion_id)
    ):
        problems.append(f"suggestion_id {str(suggestion_id)[:80]!r}: entry/reply/lang/variant")
    if row["lang"] is not None and not (
        isinstance(lang, str) and re.fullmatch(r"[a-z]{2,8}", lang)
    ):
        problems.append(f"lang {str(lang)[:10]!r}: a language code such as en or fa")
    if not isinstance(sent, bool):
        problems.append("sent: true or false")
    if (
        isinstance(recital, bool)
        or not isinstance(recital, int | float)
        or not math.isfinite(recital)
        or not 0.0 <= recital <= 1.0
    ):
        problems.append(f"recital {str(recital)[:20]!r}: a number from 0 to 1")
    else:
        row["recital"] = float(recital)
    distinct: list[str] = []
    if isinstance(codes, str) or not isinstance(codes, Sequence):
        problems.append("codes: a list of finding codes")
    elif len(codes) > MAX_CODES:
        problems.append(f"codes: {len(codes)}; the limit is {MAX_CODES}")
    else:
        for i, code in enumerate(codes):
            if not isinstance(code, str) or not CODE.fullmatch(code):
                problems.append(f"codes[{i}] {str(code)[:40]!r}: snake_case, at most 40 characters")
            elif code not in distinct:
                distinct.append(code)
    if problems:
        raise InvalidCheck(problems)
    return row, sorted(distinct)
