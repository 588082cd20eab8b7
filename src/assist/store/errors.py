"""The store's errors; `status_code` is how the HTTP edge reports each one."""

from __future__ import annotations

from ..errors import AssistError


class StoreError(AssistError):
    status_code = 500


class StoreConfigError(StoreError):
    """The database URL can't be used at all (unknown dialect, missing driver)."""


class StoreUnavailable(StoreError):
    """The database can't be reached right now; suggestions keep working without it."""

    status_code = 503


class SchemaOutdated(StoreUnavailable):
    """Migrations are pending and this process may not apply them (auto_migrate off)."""


class NotFound(StoreError):
    status_code = 404


class Conflict(StoreError):
    """The request contradicts the stored state (a state change not allowed from here,
    a name already taken)."""

    status_code = 409


class Invalid(StoreError):
    """The content itself is refused; the message says what and where."""

    status_code = 422
