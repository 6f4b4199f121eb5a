"""One writer at a time per index folder, across processes and replicas.

A file lock (``flock`` on ``<index_dir>/.write.lock``) serialises processes on one machine; on
PostgreSQL a session-level advisory lock keyed by the folder's own id (``.lock-id`` inside it, so
the key does not depend on where a replica mounts it) serialises replicas that share a volume. A replica that does not get the lock keeps serving from memory and tries again later.
If the holder dies, the kernel drops its file lock and PostgreSQL its advisory lock.

>>> with index_write_lock(engine, Path("var/index")) as got:     # doctest: +SKIP
...     if got: save_snapshot(snap, Path("var/index"))
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from assistant.errors import AssistantError

log = logging.getLogger(__name__)
LOCK_FILE = ".write.lock"
ID_FILE = ".lock-id"


class IndexBusy(AssistantError):
    """Another process holds the index folder's write lock."""

    def __init__(self, index_dir: Path, waited: float) -> None:
        super().__init__(f"another process is writing the index in {index_dir} (waited {waited:.0f} s); "
                         "try again when it has finished")


def folder_id(index_dir: Path) -> str:
    """The folder's own id, kept in ``<index_dir>/.lock-id`` and made once by whoever comes first: a
    shared volume has the same id on every replica, whatever path each mounts it at."""
    path = index_dir / ID_FILE
    try:
        return _read_id(path)
    except FileNotFoundError:
        pass
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f"{ID_FILE}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(uuid.uuid4().hex + "\n", encoding="ascii")
    try:
        os.link(tmp, path)  # atomic and never replaces: of replicas starting together one id wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read_id(path)


def _read_id(path: Path) -> str:
    value = path.read_text(encoding="ascii").strip()
    if not value:
        raise AssistantError(f"{path} is empty; delete it (every replica sharing the folder then agrees on a new one)")
    return value


def lock_key(index_dir: Path) -> int:
    """A signed 64-bit advisory-lock key for a folder, from its id (not its path)."""
    digest = hashlib.blake2b(f"assistant-index:{folder_id(index_dir)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _try_pg_lock(engine: Engine, key: int) -> Connection | None:
    conn = engine.connect()
    try:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()  # the lock is the session's, not the transaction's
    except Exception:
        conn.close()
        raise
    if got:
        return conn
    conn.close()
    return None


def _pg_unlock(conn: Connection, key: int) -> None:
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        conn.commit()
    except Exception:  # noqa: BLE001 - a dead connection has released the lock already
        log.warning("could not release the index advisory lock; dropping the connection", exc_info=True)
        conn.invalidate()
    finally:
        conn.close()


@contextmanager
def index_write_lock(engine: Engine | None, index_dir: Path, *, wait: float = 0.0,
                     interval: float = 0.2) -> Iterator[bool]:
    """Yields True when this process is the folder's only writer, False when ``wait`` seconds passed
    without getting it. Any database error counts as not getting it (logged)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    pg = engine if engine is not None and engine.dialect.name == "postgresql" else None
    key = lock_key(index_dir)
    conn: Connection | None = None
    have_file = False
    deadline = time.monotonic() + max(0.0, wait)
    try:
        while True:
            if not have_file:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    have_file = True
                except BlockingIOError:
                    pass
            if have_file and pg is not None:
                try:
                    conn = _try_pg_lock(pg, key)
                except Exception as exc:  # noqa: BLE001 - database down: do not write
                    log.warning("index write lock: database unavailable (%s)", type(exc).__name__)
                    conn = None
                    break
            if have_file and (pg is None or conn is not None):
                break
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        got = have_file and (pg is None or conn is not None)
        yield got
    finally:
        if conn is not None:
            _pg_unlock(conn, key)
        if have_file:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
