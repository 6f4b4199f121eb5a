"""Knowledge-base writes as other replicas see them: one writer at a time, and a notice on commit.

``begin_kb_write`` is the first thing every repository write function does inside its
transaction. On PostgreSQL it takes a transaction-level advisory lock, so ``entry_version`` ids
(the KB version) are handed out in commit order and a replica that has seen version N has seen
every version below it; then it queues ``NOTIFY assistant_kb``, which PostgreSQL delivers to
listeners only if and when the transaction commits. On SQLite (one writer by construction, one
process serving) both are no-ops; replicas there learn of changes by polling.

>>> from assistant.kb.db import make_engine, migrate, session_scope
>>> engine = make_engine("sqlite://"); migrate(engine)
>>> with session_scope(engine) as s:
...     announce_change(s)            # on PostgreSQL: SELECT pg_notify('assistant_kb', '')
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

CHANNEL = "assistant_kb"
# pg_advisory_xact_lock key serialising KB writers (an arbitrary constant: 'ASSTKB01' as int64)
KB_WRITE_LOCK = 0x415353544B423031
_MARK = "assistant_kb_write"


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def announce_change(session: Session, kb_version: int | None = None) -> None:
    """Tell every replica, when this transaction commits, that the knowledge base changed.

    Call it inside the write transaction (the repository's write functions already do). The
    payload is only a hint: listeners re-read the KB version themselves. A no-op on SQLite."""
    if _is_postgres(session):
        payload = "" if kb_version is None else str(int(kb_version))
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})


def begin_kb_write(session: Session) -> None:
    """Serialise KB writers and announce the change on commit; once per transaction, cheap after.

    Takes the lock before any row lock of the transaction, so writers always lock in one order."""
    if not _is_postgres(session):
        return
    tx = session.get_transaction()
    if tx is not None and session.info.get(_MARK) is tx:
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": KB_WRITE_LOCK})
    announce_change(session)
    session.info[_MARK] = session.get_transaction()


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Only one process at a time inside a block of this name, across every replica.

    On PostgreSQL a session-level advisory lock (waited for; released when the block ends or the
    process dies); on SQLite nothing (one host; the database serialises writers itself). Replicas
    starting together run migrations and "import the shipped KB if empty" under it, one after
    the other, so the second finds the work done."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = int.from_bytes(hashlib.blake2b(f"assistant:{name}".encode(), digest_size=8).digest(), "big", signed=True)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
