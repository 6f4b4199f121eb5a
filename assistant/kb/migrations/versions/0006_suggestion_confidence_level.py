"""suggestion.confidence_level: the advisor's own verdict on each answer shown (high / low / none),
which the knowledge-gap report groups by

Suggestions recorded before this revision get the level the report gave them until now: 'none' when
the advisor abstained; otherwise 'low' when best cosine + 0.025 * ln(1 + best BM25) was below
0.925 + 0.02 (the policy's floor and low margin as they stood), else 'high'. The constants are
frozen here on purpose: a migration must mean the same thing whenever it runs.

Revision ID: 0006
Revises: 0005
"""

import math

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FLOOR, _LEXICAL_WEIGHT = 0.925 + 0.02, 0.025


def _level(abstained: bool, dense: float | None, lexical: float | None) -> str:
    if abstained:
        return "none"
    value = (dense or 0.0) + _LEXICAL_WEIGHT * math.log1p(max(lexical or 0.0, 0.0))
    return "low" if value < _FLOOR else "high"


def upgrade() -> None:
    with op.batch_alter_table("suggestion") as batch:
        batch.add_column(sa.Column("confidence_level", sa.String(10), nullable=False, server_default=""))
    suggestion = sa.table("suggestion", sa.column("id", sa.Integer), sa.column("abstained", sa.Boolean),
                          sa.column("top_dense", sa.Float), sa.column("top_lexical", sa.Float),
                          sa.column("confidence_level", sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(suggestion.c.id, suggestion.c.abstained, suggestion.c.top_dense,
                                  suggestion.c.top_lexical)).all()
    by_level: dict[str, list[int]] = {}
    for row in rows:
        by_level.setdefault(_level(bool(row.abstained), row.top_dense, row.top_lexical), []).append(row.id)
    for level, ids in by_level.items():
        for start in range(0, len(ids), 500):
            conn.execute(suggestion.update().where(suggestion.c.id.in_(ids[start:start + 500]))
                         .values(confidence_level=level))


def downgrade() -> None:
    with op.batch_alter_table("suggestion") as batch:
        batch.drop_column("confidence_level")
