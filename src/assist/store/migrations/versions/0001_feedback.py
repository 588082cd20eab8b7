"""The feedback log, as the releases before migrations created it; such a table is
adopted (its missing idempotency column and indexes added), never recreated.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACTIONS = ("shown", "inserted", "sent", "dismissed")
INDEXES = (  # name, columns, unique
    ("ix_feedback_conversation", ["conversation_id", "id"], False),
    ("ix_feedback_reply", ["entry_id", "reply_id", "action"], False),
    ("ix_feedback_created_at", ["created_at"], False),
    # NULLs never collide (SQLite and PostgreSQL alike): events without a key are all kept.
    ("ux_feedback_idempotency", ["key_name", "idempotency_key"], True),
)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "feedback" not in inspector.get_table_names():
        op.create_table(
            "feedback",
            sa.Column("id", ID, primary_key=True, autoincrement=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("key_name", sa.String(100), nullable=False),
            sa.Column("conversation_id", sa.String(200), nullable=False),
            sa.Column("suggestion_id", sa.String(300), nullable=False),
            sa.Column("entry_id", sa.String(100), nullable=False),
            sa.Column("reply_id", sa.String(100), nullable=False),
            sa.Column("lang", sa.String(8), nullable=False),
            sa.Column("variant", sa.Integer, nullable=False),
            sa.Column("action", sa.String(16), nullable=False),
            sa.Column("final_text", sa.Text, nullable=True),
            sa.Column("idempotency_key", sa.String(200), nullable=True),
            sa.CheckConstraint(
                "action IN (" + ", ".join(f"'{a}'" for a in ACTIONS) + ")",
                name="ck_feedback_action",
            ),
        )
        existing: set[str] = set()
    else:  # created by a release before migrations: keep it and every row
        columns = {c["name"] for c in inspector.get_columns("feedback")}
        if "idempotency_key" not in columns:
            op.add_column("feedback", sa.Column("idempotency_key", sa.String(200), nullable=True))
        existing = {str(i["name"]) for i in inspector.get_indexes("feedback")}
    for name, columns_of, unique in INDEXES:
        if name not in existing:
            op.create_index(name, "feedback", columns_of, unique=unique)


def downgrade() -> None:
    op.drop_table("feedback")
