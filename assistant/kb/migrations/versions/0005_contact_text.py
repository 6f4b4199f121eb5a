"""entry_version.contact as text: nationwide programmes list dozens of phone numbers (over 300 characters)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entry_version") as batch:
        batch.alter_column("contact", type_=sa.Text, existing_type=sa.String(300), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("entry_version") as batch:
        batch.alter_column("contact", type_=sa.String(300), existing_type=sa.Text, existing_nullable=False)
