"""Every table, in SQLAlchemy Core: what the code reads and writes. The schema itself is
made by the migrations (./migrations/versions); tests/store checks that both agree."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from ..settings import ROLES

metadata = MetaData()
ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only

MAX_KEY_NAME = 100
MAX_TEAM = 100
MAX_CONVERSATION_ID = 200
MAX_IDEMPOTENCY_KEY = 200
FeedbackAction = Literal["shown", "inserted", "sent", "dismissed"]
FEEDBACK_ACTIONS: tuple[FeedbackAction, ...] = ("shown", "inserted", "sent", "dismissed")
SNIPPET_STATUSES = ("proposed", "approved", "rejected", "retired")
VISIBILITIES = ("team", "private")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")", name=name)


feedback_table = Table(
    "feedback",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("key_name", String(MAX_KEY_NAME), nullable=False),
    Column("conversation_id", String(MAX_CONVERSATION_ID), nullable=False),
    Column("suggestion_id", String(300), nullable=False),
    Column("entry_id", String(100), nullable=False),
    Column("reply_id", String(100), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("variant", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("final_text", Text, nullable=True),
    # A client's retry key, unique per API key name: a retried event is stored once.
    Column("idempotency_key", String(MAX_IDEMPOTENCY_KEY), nullable=True),
    _one_of("action", FEEDBACK_ACTIONS, "ck_feedback_action"),
    Index("ix_feedback_conversation", "conversation_id", "id"),
    Index("ix_feedback_reply", "entry_id", "reply_id", "action"),
    Index("ix_feedback_created_at", "created_at"),
    # NULLs never collide (SQLite and PostgreSQL alike): events without a key are all kept.
    Index("ux_feedback_idempotency", "key_name", "idempotency_key", unique=True),
)

snippets_table = Table(
    "snippets",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    # Bumped by every write, committed in increasing order: a poller asking for
    # `change > last` sees every write once.
    Column("change", BigInteger, nullable=False),
    Column("author", String(MAX_KEY_NAME), nullable=False),
    Column("team", String(MAX_TEAM), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("title", String(200), nullable=True),
    Column("entry_id", String(100), nullable=True),
    Column("replies", Text, nullable=False),  # JSON {"en": [...], "fa": [...]}
    Column("triggers", Text, nullable=False),  # JSON [...]
    Column("reviewer", String(MAX_KEY_NAME), nullable=True),
    Column("review_note", Text, nullable=True),
    Column("edited_by", String(MAX_KEY_NAME), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    _one_of("visibility", VISIBILITIES, "ck_snippets_visibility"),
    _one_of("status", SNIPPET_STATUSES, "ck_snippets_status"),
    Index("ux_snippets_change", "change", unique=True),
    Index("ix_snippets_team_status", "team", "status"),
    Index("ix_snippets_author", "author"),
)

api_keys_table = Table(
    "api_keys",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(MAX_KEY_NAME), nullable=False),
    Column("role", String(16), nullable=False),
    Column("team", String(MAX_TEAM), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    _one_of("role", ROLES, "ck_api_keys_role"),
    Index("ux_api_keys_name", "name", unique=True),
    Index("ux_api_keys_sha256", "sha256", unique=True),
)
