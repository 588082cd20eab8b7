"""Domain errors. No web or CLI imports: each edge translates them once."""

from __future__ import annotations

from dataclasses import dataclass


class AssistError(Exception):
    """Base class; `str(err)` is a message fit for a user."""

    status_code = 400  # how the HTTP edge reports it


@dataclass(frozen=True)
class Problem:
    """One problem in a playbook file, reported as `path:line: message`."""

    path: str
    line: int
    message: str
    severity: str = "error"  # or "warning" (lint)

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        return f"{self.path}:{self.line}: {prefix}{self.message}"


class PlaybookError(AssistError):
    """Playbooks failed validation; carries every problem found, not only the first."""

    status_code = 422

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class IndexNotReady(AssistError):
    status_code = 503

    def __init__(self, where: str | None = None):  # None: don't tell (an HTTP answer)
        place = f"at {where}" if where else "loaded yet"
        super().__init__(f"no index {place}: run `assist reindex` to build one")


class IndexMismatch(AssistError):
    """The index on disk can't be served: another embedder, a failed checksum, a bad manifest."""

    status_code = 409


class InvalidMessage(AssistError):
    status_code = 422


class EmbedderUnavailable(AssistError):
    status_code = 500
