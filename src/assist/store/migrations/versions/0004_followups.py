"""Follow-ups an agent promised, and their transactional outbox: one delivery row per
follow-up, written in the same transaction, claimed by one sender at a time.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("customer_ref", sa.String(200), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("entry_id", sa.String(100), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('email', 'phone', 'sms', 'chat')", name="ck_followups_channel"
        ),
        sa.CheckConstraint("source IN ('promise', 'entry', 'manual')", name="ck_followups_source"),
        sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name="ck_followups_status"),
    )
    op.create_index("ix_followups_status_due", "followups", ["status", "due_at"])
    op.create_index("ix_followups_team_status", "followups", ["team", "status"])
    op.create_index("ix_followups_owner_status", "followups", ["owner", "status"])
    op.create_table(
        "followup_deliveries",
        sa.Column(
            "followup_id",
            ID,
            sa.ForeignKey(
                "followups.id", ondelete="CASCADE", name="fk_followup_deliveries_followup"
            ),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claim_token", sa.String(64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gave_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_followup_deliveries_next", "followup_deliveries", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("followup_deliveries")
    op.drop_table("followups")
