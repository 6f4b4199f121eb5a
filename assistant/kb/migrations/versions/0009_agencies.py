"""Agencies: the ``agency`` table, and the agency an entry version, a token and a call belong to
("" = the common layer / no agency, so every row stored before agencies existed stays common)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    for table in ("entry_version", "api_token", "call"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("agency", sa.String(20), nullable=False, server_default=""))
    op.create_index("ix_entry_version_agency", "entry_version", ["agency"])


def downgrade() -> None:
    op.drop_index("ix_entry_version_agency", "entry_version")
    for table in ("call", "api_token", "entry_version"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("agency")
    op.drop_table("agency")
