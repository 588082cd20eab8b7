"""What makes a feedback event believable, and what the server measures on it.

- `shown` names the answer (/v1/suggest response) the suggestion came in; that answer
  must have been served in the same conversation to the same team and list the
  suggestion. Its position is the server's: the suggestion's index in the answer.
- `inserted`, `sent` and `dismissed` need an earlier `shown` of that suggestion in that
  conversation (by the team); they inherit its answer and position, and `elapsed_ms`
  counts from it.
- `inserted` and `sent` with a text get `edit_distance`: normalised Levenshtein, in
  thousandths (0 = unchanged, 1000 = nothing in common), against the latest inserted
  text of that suggestion, else the suggestion as shown. A `sent` less than
  `SIMILAR_ENOUGH` alike to the inserted text is stored as `sent_rewritten`: the agent
  replaced the suggestion with their own text.

Texts are compared masked (`core.pii`), the way they are stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import Levenshtein
from sqlalchemy import select

from ..core.pii import mask
from .errors import Invalid
from .tables import feedback_table

if TYPE_CHECKING:
    from .answers import Answer, Answers
    from .db import Database

SIMILAR_ENOUGH = 0.5
MAX_ELAPSED_MS = 2**31 - 1  # the column is a 32-bit integer: about 24 days
# The text a suggestion had when an answer showed it: (answer_id, suggestion_id) -> text.
ShownText = Callable[[str, str], "str | None"]
_F = feedback_table


class InvalidFeedback(Invalid):
    status_code = 422


class NeverShown(InvalidFeedback):
    """An event for a suggestion the server never showed there: refused, not counted."""


@dataclass(frozen=True)
class Shown:
    id: int
    created_at: datetime
    answer_id: str
    position: int | None


def edit_distance(text: str, reference: str) -> int:
    """Normalised Levenshtein distance in thousandths (max-length normalised)."""
    return round(1000 * Levenshtein.normalized_distance(text, reference))


def served_answer(answers: Answers, answer_id: str, grace: float) -> Answer | None:
    """The stored answer, waiting up to `grace` seconds for one that another replica
    has served but not yet written (its writer flushes every answers_flush_seconds)."""
    deadline = time.monotonic() + grace
    while True:
        found = answers.get(answer_id)
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))


def check_shown(row: dict[str, Any], answer: Answer | None, answer_id: str, team: str) -> None:
    """Fill the row's answer and position from the answer, or refuse it."""
    conversation, suggestion = row["conversation_id"], row["suggestion_id"]
    if answer is None or answer.conversation_id != conversation or answer.team != team:
        raise NeverShown(
            f"never shown: answer {answer_id[:40]!r} was not served in conversation "
            f"{conversation[:80]!r}; post `shown` with the answer_id that /v1/suggest "
            "returned for this conversation"
        )
    position = answer.position_of(suggestion)
    if position is None:
        raise NeverShown(
            f"never shown: answer {answer_id[:40]!r} did not offer {suggestion[:120]!r}"
        )
    row["answer_id"], row["position"] = answer.id, position


def prior_shown(
    database: Database, row: dict[str, Any], team: str, answer_id: str | None
) -> tuple[Shown, str | None]:
    """The latest `shown` of the row's suggestion in its conversation (of `answer_id`
    if given) and the latest text inserted from it; NeverShown if there is none."""
    where = [
        _F.c.conversation_id == row["conversation_id"],
        _F.c.suggestion_id == row["suggestion_id"],
        _F.c.team == team,
    ]
    shown_query = select(_F.c.id, _F.c.created_at, _F.c.answer_id, _F.c.position).where(
        *where, _F.c.action == "shown", _F.c.answer_id.is_not(None)
    )
    if answer_id is not None:
        shown_query = shown_query.where(_F.c.answer_id == answer_id)
    inserted_query = select(_F.c.final_text).where(
        *where, _F.c.action == "inserted", _F.c.final_text.is_not(None)
    )
    with database.connect() as connection:
        found = connection.execute(shown_query.order_by(_F.c.id.desc()).limit(1)).first()
        inserted = connection.execute(inserted_query.order_by(_F.c.id.desc()).limit(1)).first()
    if found is None:
        of_answer = f" from answer {answer_id[:40]!r}" if answer_id else ""
        raise NeverShown(
            f"never shown: {row['action']} for {row['suggestion_id'][:120]!r}, which was not "
            f"shown{of_answer} in conversation {row['conversation_id'][:80]!r}; post `shown` "
            "(with the answer_id /v1/suggest returned) first"
        )
    created = found.created_at
    if created.tzinfo is None:  # SQLite keeps no zone; we always write UTC
        created = created.replace(tzinfo=UTC)
    shown = Shown(int(found.id), created, found.answer_id, found.position)
    return shown, None if inserted is None else inserted.final_text


def measure(
    row: dict[str, Any], shown: Shown, inserted_text: str | None, shown_text: ShownText | None
) -> None:
    """Answer, position and elapsed time from the `shown`; for a text, the edit
    distance and, for `sent`, the verdict."""
    row["answer_id"], row["position"] = shown.answer_id, shown.position
    elapsed = (row["created_at"] - shown.created_at).total_seconds() * 1000
    row["elapsed_ms"] = min(MAX_ELAPSED_MS, max(0, round(elapsed)))
    final = row["final_text"]
    if final is None or row["action"] not in ("inserted", "sent"):
        return
    reference = inserted_text if row["action"] == "sent" else None
    if reference is None and shown_text is not None:
        as_shown = shown_text(shown.answer_id, row["suggestion_id"])
        reference = None if as_shown is None else mask(as_shown)
    if reference is None:
        return  # the text as shown is no longer known here: nothing to compare with
    row["edit_distance"] = edit_distance(final, reference)
    # Judged against what was inserted only: the text as shown still has its slots.
    rewritten = 1000 - row["edit_distance"] < 1000 * SIMILAR_ENOUGH
    if row["action"] == "sent" and inserted_text is not None and rewritten:
        row["action"] = "sent_rewritten"
