"""Notices (공지): ``notice`` rows are never edited; ending one early appends a ``notice_end`` row, and
expiry is the window passing, so the history of every notice stays in the tables

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("source_alert", sa.String(100), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("author_role", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notice_end",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("notice_id", sa.Integer, sa.ForeignKey("notice.id"), nullable=False, index=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notice_end")
    op.drop_table("notice")
