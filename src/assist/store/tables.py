"""Every table, in SQLAlchemy Core: what the code reads and writes. The schema itself is
made by the migrations (./migrations/versions); tests/store checks that both agree."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
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
# What a client may post; `sent_rewritten` is the store's verdict on a `sent` whose text
# no longer resembles the inserted suggestion, never posted directly.
PostedAction = Literal["shown", "inserted", "sent", "dismissed"]
FeedbackAction = Literal[PostedAction, "sent_rewritten"]
POSTED_ACTIONS: tuple[PostedAction, ...] = ("shown", "inserted", "sent", "dismissed")
FEEDBACK_ACTIONS: tuple[FeedbackAction, ...] = (*POSTED_ACTIONS, "sent_rewritten")
MATCHES = ("confident", "weak", "none")
MAX_ANSWER_ID = 40
SNIPPET_STATUSES = ("proposed", "approved", "rejected", "retired")
VISIBILITIES = ("team", "private")
FOLLOWUP_CHANNELS = ("email", "phone", "sms", "chat")
FOLLOWUP_SOURCES = ("promise", "entry", "manual")
FOLLOWUP_STATUSES = ("open", "done", "cancelled")


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
    # Since 0006: the /v1/suggest answer the suggestion came in and its 0-based place
    # there (copied from the answer on every event of that suggestion), the key's team,
    # the edit distance between the suggestion and the text that left the sidebar
    # (inserted, sent), and milliseconds from `shown` to this action.
    Column("answer_id", String(MAX_ANSWER_ID), nullable=True),
    Column("position", Integer, nullable=True),
    Column("team", String(MAX_TEAM), nullable=True),
    Column("edit_distance", Integer, nullable=True),
    Column("elapsed_ms", Integer, nullable=True),
    _one_of("action", FEEDBACK_ACTIONS, "ck_feedback_action"),
    Index("ix_feedback_conversation", "conversation_id", "id"),
    Index("ix_feedback_reply", "entry_id", "reply_id", "action"),
    Index("ix_feedback_created_at", "created_at"),
    # NULLs never collide (SQLite and PostgreSQL alike): events without a key are all kept.
    Index("ux_feedback_idempotency", "key_name", "idempotency_key", unique=True),
    Index("ix_feedback_answer", "answer_id"),
)

# One row per /v1/suggest response, written off the hot path by a batching writer: what
# was served (the ranked suggestion ids), how confident, in which language and mood.
# Feedback is checked against it (a suggestion must have been served in that
# conversation) and statistics count from it. Never the message's text.
answers_table = Table(
    "answers",
    metadata,
    Column("id", String(MAX_ANSWER_ID), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("key_name", String(MAX_KEY_NAME), nullable=False),
    Column("team", String(MAX_TEAM), nullable=False),
    Column("conversation_id", String(MAX_CONVERSATION_ID), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("mood", String(16), nullable=False),
    Column("match", String(16), nullable=False),
    Column("best_score", Float, nullable=False),
    Column("top_entry_id", String(100), nullable=True),
    Column("suggestion_ids", Text, nullable=False),  # JSON list, in the order shown
    Column("index_version", String(64), nullable=False),
    _one_of("match", MATCHES, "ck_answers_match"),
    Index("ix_answers_created_at", "created_at"),
    Index("ix_answers_conversation", "conversation_id"),
    Index("ix_answers_team_created", "team", "created_at"),
)

# Messages that found nothing or only weak matches, kept only when
# ASSIST_KEEP_UNMATCHED=true, personal data masked, deleted after the retention period:
# the raw material for "which playbook to write next".
unmatched_table = Table(
    "unmatched",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("answer_id", String(MAX_ANSWER_ID), nullable=False),
    Column("team", String(MAX_TEAM), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("match", String(16), nullable=False),
    Column("best_entry_id", String(100), nullable=True),
    Column("best_score", Float, nullable=False),
    Column("text", Text, nullable=False),  # masked (core.pii)
    _one_of("match", MATCHES, "ck_unmatched_match"),
    Index("ix_unmatched_created_at", "created_at"),
    Index("ix_unmatched_team_created", "team", "created_at"),
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

followups_table = Table(
    "followups",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("conversation_id", String(MAX_CONVERSATION_ID), nullable=False),
    Column("customer_ref", String(200), nullable=True),
    Column("channel", String(8), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    Column("owner", String(MAX_KEY_NAME), nullable=False),
    Column("team", String(MAX_TEAM), nullable=False),
    Column("source", String(16), nullable=False),
    Column("entry_id", String(100), nullable=True),
    Column("status", String(16), nullable=False),
    Column("closed_by", String(MAX_KEY_NAME), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    _one_of("channel", FOLLOWUP_CHANNELS, "ck_followups_channel"),
    _one_of("source", FOLLOWUP_SOURCES, "ck_followups_source"),
    _one_of("status", FOLLOWUP_STATUSES, "ck_followups_status"),
    Index("ix_followups_status_due", "status", "due_at"),
    Index("ix_followups_team_status", "team", "status"),
    Index("ix_followups_owner_status", "owner", "status"),
)

# The transactional outbox: one row per follow-up, written in the follow-up's own
# transaction. `next_attempt_at` is when a sender may claim it next (its due time, a
# claim's lease end, or a retry's backoff); NULL once delivered, given up or closed.
followup_deliveries_table = Table(
    "followup_deliveries",
    metadata,
    Column(
        "followup_id",
        ID,
        ForeignKey("followups.id", ondelete="CASCADE", name="fk_followup_deliveries_followup"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("claimed_by", String(200), nullable=True),
    Column("claim_token", String(64), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("gave_up_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_followup_deliveries_next", "next_attempt_at"),
)

# What the coach found in a draft: codes only, never the draft's text.
check_log_table = Table(
    "check_log",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("key_name", String(MAX_KEY_NAME), nullable=False),
    Column("team", String(MAX_TEAM), nullable=False),
    Column("conversation_id", String(MAX_CONVERSATION_ID), nullable=False),
    Column("entry_id", String(100), nullable=True),
    Column("suggestion_id", String(300), nullable=True),
    Column("lang", String(8), nullable=True),
    Column("recital", Float, nullable=False),
    Column("sent", Boolean, nullable=False),
    Index("ix_check_log_created_at", "created_at"),
    Index("ix_check_log_entry", "entry_id"),
    Index("ix_check_log_key", "key_name"),
)

check_codes_table = Table(
    "check_codes",
    metadata,
    Column(
        "check_id",
        ID,
        ForeignKey("check_log.id", ondelete="CASCADE", name="fk_check_codes_check"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("code", String(40), primary_key=True),
    Index("ix_check_codes_code", "code"),
)
