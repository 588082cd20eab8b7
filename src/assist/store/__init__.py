"""The database: feedback log, expert snippets and API keys, on one engine per Store;
SQLite embedded, PostgreSQL for replicas; the schema made by Alembic migrations."""

from .errors import SchemaOutdated, StoreConfigError, StoreError, StoreUnavailable
from .feedback import Store
from .keys import InvalidKey, KeyExists, KeyNotFound, Keys, StoredKey
from .snippets import InvalidSnippet, Snippet, SnippetConflict, SnippetNotFound, Snippets

__all__ = [
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
