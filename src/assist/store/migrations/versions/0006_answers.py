"""Richer feedback: the answers served, each event's answer, position, team, edit
distance and time to act, the `sent_rewritten` verdict; and the kept unmatched messages.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OLD_ACTIONS = "action IN ('shown', 'inserted', 'sent', 'dismissed')"
NEW_ACTIONS = "action IN ('shown', 'inserted', 'sent', 'dismissed', 'sent_rewritten')"
MATCHES = "match IN ('confident', 'weak', 'none')"


def upgrade() -> None:
    # batch mode: SQLite cannot alter a CHECK constraint in place, so Alembic copies the
    # table (rows kept); on PostgreSQL these are plain ALTERs.
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("answer_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("position", sa.Integer, nullable=True))
        batch.add_column(sa.Column("team", sa.String(100), nullable=True))
        batch.add_column(sa.Column("edit_distance", sa.Integer, nullable=True))
        batch.add_column(sa.Column("elapsed_ms", sa.Integer, nullable=True))
        batch.drop_constraint("ck_feedback_action", type_="check")
        batch.create_check_constraint("ck_feedback_action", NEW_ACTIONS)
        batch.create_index("ix_feedback_answer", ["answer_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_name", sa.String(100), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("mood", sa.String(16), nullable=False),
        sa.Column("match", sa.String(16), nullable=False),
        sa.Column("best_score", sa.Float, nullable=False),
        sa.Column("top_entry_id", sa.String(100), nullable=True),
        sa.Column("suggestion_ids", sa.Text, nullable=False),
        sa.Column("index_version", sa.String(64), nullable=False),
        sa.CheckConstraint(MATCHES, name="ck_answers_match"),
    )
    op.create_index("ix_answers_created_at", "answers", ["created_at"])
    op.create_index("ix_answers_conversation", "answers", ["conversation_id"])
    op.create_index("ix_answers_team_created", "answers", ["team", "created_at"])
    op.create_table(
        "unmatched",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_id", sa.String(40), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("match", sa.String(16), nullable=False),
        sa.Column("best_entry_id", sa.String(100), nullable=True),
        sa.Column("best_score", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.CheckConstraint(MATCHES, name="ck_unmatched_match"),
    )
    op.create_index("ix_unmatched_created_at", "unmatched", ["created_at"])
    op.create_index("ix_unmatched_team_created", "unmatched", ["team", "created_at"])


def downgrade() -> None:
    op.drop_table("unmatched")
    op.drop_table("answers")
    op.execute("DELETE FROM feedback WHERE action = 'sent_rewritten'")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_answer")
        batch.drop_constraint("ck_feedback_action", type_="check")
        batch.create_check_constraint("ck_feedback_action", OLD_ACTIONS)
        for column in ("elapsed_ms", "edit_distance", "team", "position", "answer_id"):
            batch.drop_column(column)
