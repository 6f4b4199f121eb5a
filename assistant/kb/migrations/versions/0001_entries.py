"""entries and append-only entry versions

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entry",
        sa.Column("entry_id", sa.String(200), primary_key=True),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "entry_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.String(200), sa.ForeignKey("entry.entry_id"), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("scope", sa.Enum("national", "sido", "sigungu", "agency", name="scope"), nullable=False),
        sa.Column("sido", sa.String(40), nullable=False),
        sa.Column("sigungu", sa.String(40), nullable=False),
        sa.Column("department", sa.String(300), nullable=False),
        sa.Column("contact", sa.String(300), nullable=False),
        sa.Column("source_url", sa.String(2000), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("status", sa.Enum("active", "retired", name="status"), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("updated", sa.String(20), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("change_note", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("entry_id", "version", name="uq_entry_version"),
    )


def downgrade() -> None:
    op.drop_table("entry_version")
    op.drop_table("entry")
    sa.Enum(name="scope").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="status").drop(op.get_bind(), checkfirst=True)
