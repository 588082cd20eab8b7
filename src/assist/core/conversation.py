"""What the conversation so far tells the Suggester: the situation it is in, the replies
the agent already sent, and the customer's earlier turns.

A short follow-up ("still nothing??", «هنوز نیومده») means little alone; read with the
turns before it, it means "the same problem, next step". The conversation's entry is a
prior, not a lock: a message that clearly names another situation (thanks, a new
problem, anger) still wins on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class TurnLike(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def suggestion_id(self) -> str | None: ...


@dataclass(frozen=True)
class Context:
    entry: str | None  # the situation of the last reply the agent sent, if any
    replies_sent: frozenset[tuple[str, str]]  # (entry, reply) the agent already used
    previous: tuple[str, ...]  # earlier customer turns, oldest first


def read_history(history: Sequence[TurnLike]) -> Context:
    """The conversation's state from the turns the client sent (oldest first)."""
    entry: str | None = None
    sent: set[tuple[str, str]] = set()
    previous: list[str] = []
    for turn in history:
        if turn.role == "customer":
            if turn.text.strip():
                previous.append(turn.text)
            continue
        parts = (turn.suggestion_id or "").split("/")
        if len(parts) == 4:
            entry = parts[0]
            sent.add((parts[0], parts[1]))
    return Context(entry, frozenset(sent), tuple(previous))
