"""The database: feedback log, expert snippets, API keys, follow-ups and the check log,
on one engine per Store; SQLite embedded, PostgreSQL for replicas; the schema made by
Alembic migrations."""

from .checks import CheckCount, Checks, InvalidCheck
from .errors import SchemaOutdated, StoreConfigError, StoreError, StoreUnavailable
from .feedback import Store
from .followups import (
    Claim,
    Followup,
    FollowupConflict,
    FollowupNotFound,
    Followups,
    InvalidFollowup,
)
from .keys import InvalidKey, KeyExists, KeyNotFound, Keys, StoredKey
from .snippets import InvalidSnippet, Snippet, SnippetConflict, SnippetNotFound, Snippets

__all__ = [
    "CheckCount",
    "Checks",
    "Claim",
    "Followup",
    "FollowupConflict",
    "FollowupNotFound",
    "Followups",
    "InvalidCheck",
    "InvalidFollowup",
    "InvalidKey",
    "InvalidSnippet",
    "KeyExists",
    "KeyNotFound",
    "Keys",
    "SchemaOutdated",
    "Snippet",
    "SnippetConflict",
    "SnippetNotFound",
    "Snippets",
    "Store",
    "StoreConfigError",
    "StoreError",
    "StoreUnavailable",
    "StoredKey",
]
