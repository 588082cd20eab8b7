"""Expert snippets: replies agents share, reviewed by leads, served live.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "snippets",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("change", sa.BigInteger, nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("entry_id", sa.String(100), nullable=True),
        sa.Column("replies", sa.Text, nullable=False),
        sa.Column("triggers", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=True),
        sa.Column("review_note", sa.Text, nullable=True),
        sa.Column("edited_by", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("visibility IN ('team', 'private')", name="ck_snippets_visibility"),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected', 'retired')",
            name="ck_snippets_status",
        ),
    )
    op.create_index("ux_snippets_change", "snippets", ["change"], unique=True)
    op.create_index("ix_snippets_team_status", "snippets", ["team", "status"])
    op.create_index("ix_snippets_author", "snippets", ["author"])


def downgrade() -> None:
    op.drop_table("snippets")
