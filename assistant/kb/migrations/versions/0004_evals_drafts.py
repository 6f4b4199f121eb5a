"""evaluation runs queued on manual updates; editors' drafts

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eval_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("trigger", sa.String(300), nullable=False),
        sa.Column("changed", sa.JSON, nullable=False),
        sa.Column("kb_version", sa.Integer, nullable=False),
        sa.Column("dataset", sa.String(500), nullable=False),
        sa.Column("dataset_sha256", sa.String(64), nullable=False),
        sa.Column("affected", sa.JSON, nullable=False),
        sa.Column("affected_summary", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("gates", sa.JSON, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=True),
        sa.Column("results", sa.JSON, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
    )
    op.create_table(
        "draft",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("entry_id", sa.String(200), nullable=False, index=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("evaluation", sa.JSON, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=True),
        sa.Column("published_version", sa.Integer, nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(100), nullable=False),
        sa.Column("override_reason", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("draft")
    op.drop_table("eval_run")
