"""The coach's check log: who checked a draft, for which entry, the finding codes and
the recital share; never the draft's text.

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "check_log",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_name", sa.String(100), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("entry_id", sa.String(100), nullable=True),
        sa.Column("suggestion_id", sa.String(300), nullable=True),
        sa.Column("lang", sa.String(8), nullable=True),
        sa.Column("recital", sa.Float, nullable=False),
        sa.Column("sent", sa.Boolean, nullable=False),
    )
    op.create_index("ix_check_log_created_at", "check_log", ["created_at"])
    op.create_index("ix_check_log_entry", "check_log", ["entry_id"])
    op.create_index("ix_check_log_key", "check_log", ["key_name"])
    op.create_table(
        "check_codes",
        sa.Column(
            "check_id",
            ID,
            sa.ForeignKey("check_log.id", ondelete="CASCADE", name="fk_check_codes_check"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("code", sa.String(40), primary_key=True),
    )
    op.create_index("ix_check_codes_code", "check_codes", ["code"])


def downgrade() -> None:
    op.drop_table("check_codes")
    op.drop_table("check_log")
