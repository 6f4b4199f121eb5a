"""Alembic environment: the engine comes from ``assistant.kb.db.migrate``."""

from alembic import context
from sqlmodel import SQLModel

import assistant.agencies.models  # noqa: F401  (registers the tables)
import assistant.auth.models  # noqa: F401
import assistant.calls.models  # noqa: F401
import assistant.editor.models  # noqa: F401
import assistant.evals.models  # noqa: F401
import assistant.feedback.models  # noqa: F401
import assistant.kb.models  # noqa: F401
import assistant.ops.alerts.models  # noqa: F401
import assistant.ops.notices.models  # noqa: F401

config = context.config
engine = config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
