"""Urgent-issue alerts (긴급민원 이슈 알리미): raised alerts and the editable urgent-term dictionary

``alert``: one row per spike of one (topic, region); at most one that is not resolved per pair (a
partial unique index), so replicas that see the same spike at once store it once.
``urgent_term``: the dictionary's phrasings; a removed one is retired (``retired_at``), not deleted,
so the history of the dictionary is kept. Question counts live in Redis, not here.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_UNRESOLVED = "status <> 'resolved'"


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("window_seconds", sa.Integer, nullable=False),
        sa.Column("baseline", sa.Float, nullable=False),
        sa.Column("p_value", sa.Float, nullable=False),
        sa.Column("samples", sa.JSON, nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_alert_open_pair", "alert", ["topic", "region"], unique=True,
                    postgresql_where=sa.text(_UNRESOLVED), sqlite_where=sa.text(_UNRESOLVED))
    op.create_index("ix_alert_status", "alert", ["status"])
    op.create_table(
        "urgent_term",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(100), nullable=False, index=True),
        sa.Column("phrase", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(100), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("urgent_term")
    op.drop_index("ix_alert_status", table_name="alert")
    op.drop_index("ix_alert_open_pair", table_name="alert")
    op.drop_table("alert")
