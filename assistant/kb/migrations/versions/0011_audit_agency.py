"""The agency of the token that acted, on each audit row ("" = no agency: every row stored before agencies
existed stays the center's), so an agency's QA reads its own agency's audit trail only

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("agency", sa.String(20), nullable=False, server_default=""))
    op.create_index("ix_audit_event_agency", "audit_event", ["agency"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_agency", "audit_event")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("agency")
