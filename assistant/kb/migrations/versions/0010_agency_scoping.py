"""Agency scoping: the agency a draft, an evaluation run and a suggestion (so its feedback and the
knowledge-gap report) belong to ("" = the center's / no agency, so every stored row stays visible to
the tokens of no agency and to admins, and to no agency's token)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("draft", "eval_run", "suggestion")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("agency", sa.String(20), nullable=False, server_default=""))
        op.create_index(f"ix_{table}_agency", table, ["agency"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(f"ix_{table}_agency", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("agency")
