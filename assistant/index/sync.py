"""Keeping a replica's live index in step with edits made through any replica.

Writers call ``announce_change`` inside their transaction (the repository's write functions do it
for them): on PostgreSQL that is ``NOTIFY assistant_kb``, delivered when the transaction commits.
``KbWatcher`` runs in a daemon thread of every serving replica: it LISTENs on a connection of its
own (reconnecting with backoff when the database goes away) and also polls the KB version every
``poll_seconds`` in case a notice was missed (on SQLite it only polls). When the version moved it
calls ``IndexManager.catch_up()``, which builds the next snapshot beside the live one and swaps it
in with one reference assignment: no request sees half an index. Now and then it also saves the
snapshot to disk, if it gets the folder's write lock, so a restart has little to catch up.

>>> watcher = KbWatcher(rt.manager, poll_seconds=2.0)     # doctest: +SKIP
>>> watcher.start(); ...; watcher.stop()                   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.errors import AssistantError
from assistant.index.manager import IndexManager
from assistant.kb.changes import CHANNEL, announce_change, begin_kb_write

__all__ = ["CHANNEL", "KbWatcher", "WatcherStats", "announce_change", "begin_kb_write"]

log = logging.getLogger(__name__)


@dataclass
class WatcherStats:
    """What the watcher did so far (read by tests, metrics and /readyz)."""

    checks: int = 0
    notifications: int = 0
    refreshes: int = 0
    saves: int = 0
    errors: int = 0
    listening: bool = False
    last_error: str = ""
    last_refresh_at: float = 0.0


class KbWatcher:
    """Refreshes ``manager``'s live snapshot whenever the knowledge base moves.

    ``load`` is called instead while no index is loaded yet (e.g. the database was down at
    start-up); ``save_seconds`` is the least time between saves to disk (0: never save)."""

    def __init__(self, manager: IndexManager, *, poll_seconds: float = 2.0, listen: bool = True,
                 save_seconds: float = 60.0, load: Callable[[], Any] | None = None,
                 max_backoff: float = 30.0, channel: str = CHANNEL) -> None:
        self.manager, self.poll_seconds, self.listen = manager, max(0.05, poll_seconds), listen
        self.save_seconds, self.load, self.max_backoff, self.channel = save_seconds, load, max_backoff, channel
        self.stats = WatcherStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None  # psycopg.Connection while listening
        self._unsaved = False
        self._last_save = time.monotonic()
        self._last_logged = 0.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kb-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait for it (it notices within half a second)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # ------------------------------------------------------------------ one step
    def check(self) -> list[str]:
        """Catch up with the database once; returns the ids of the entries that changed."""
        self.stats.checks += 1
        holder = self.manager.holder
        if not holder.ready:
            if self.load is None:
                return []
            self.load()
            return list(holder.snapshot.entry_ids)
        ids = self.manager.catch_up()
        if ids:
            self.stats.refreshes += 1
            self.stats.last_refresh_at = time.time()
            self._unsaved = True
        return ids

    def _safe_check(self) -> None:
        try:
            self.check()
        except Exception as exc:  # noqa: BLE001 - the thread must survive anything; it is logged
            self._error("catching up with the knowledge base", exc)

    def _error(self, doing: str, exc: BaseException) -> None:
        self.stats.errors += 1
        message = f"{type(exc).__name__}: {exc}"
        # an outage repeats the same error every poll: log it once a minute, count it every time
        if message == self.stats.last_error and time.monotonic() - self._last_logged < 60:
            return
        self.stats.last_error, self._last_logged = message, time.monotonic()
        if isinstance(exc, AssistantError):
            log.warning("kb watcher: %s: %s", doing, exc)
        else:
            log.warning("kb watcher: %s failed", doing, exc_info=exc)

    def _maybe_save(self) -> None:
        if not (self._unsaved and self.save_seconds > 0):
            return
        if time.monotonic() - self._last_save < self.save_seconds:
            return
        self._last_save = time.monotonic()
        try:
            if self.manager.save() is not None:
                self.stats.saves += 1
                self._unsaved = False
        except Exception as exc:  # noqa: BLE001
            self._error("saving the index", exc)

    # ------------------------------------------------------------------ LISTEN
    def _postgres(self) -> bool:
        return self.manager.engine.dialect.name == "postgresql"

    def _connect(self) -> None:
        import psycopg

        url = self.manager.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = psycopg.connect(url, autocommit=True, connect_timeout=5,
                               keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3)
        try:
            conn.execute(f'LISTEN "{self.channel}"')
        except Exception:
            conn.close()
            raise
        self._conn = conn
        self.stats.listening = True
        log.info("kb watcher: listening on %s", self.channel)

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        self.stats.listening = False
        if conn is not None:
            with contextlib.suppress(Exception):  # it is going away anyway
                conn.close()

    def _wait_for_notice(self, seconds: float) -> bool:
        """True when a notice arrived within ``seconds``; a broken connection is dropped."""
        try:
            got = False
            for _ in self._conn.notifies(timeout=seconds, stop_after=1):
                got = True
            if got:
                self.stats.notifications += 1
            return got
        except Exception as exc:  # noqa: BLE001
            self._error("listening for changes", exc)
            self._disconnect()
            return False

    def _ping(self) -> None:
        try:
            self._conn.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - a dead connection: reconnect
            self._error("checking the listening connection", exc)
            self._disconnect()

    # ------------------------------------------------------------------ the loop
    def _run(self) -> None:
        slice_s = min(0.5, self.poll_seconds)
        listen = self.listen and self._postgres()
        backoff, next_connect = 0.5, 0.0
        last_poll = time.monotonic()
        self._safe_check()
        while not self._stop.is_set():
            due = False
            if listen and self._conn is None and time.monotonic() >= next_connect:
                try:
                    self._connect()
                    backoff = 0.5
                    due = True  # notices sent while we were away are lost: look now
                except Exception as exc:  # noqa: BLE001
                    self._error(f"connecting to listen (next try in {backoff:.1f} s)", exc)
                    next_connect = time.monotonic() + backoff
                    backoff = min(self.max_backoff, backoff * 2)
            if not due:
                if self._conn is not None:
                    due = self._wait_for_notice(slice_s)
                else:
                    self._stop.wait(slice_s)
            if self._stop.is_set():
                break
            if time.monotonic() - last_poll >= self.poll_seconds:
                due = True
                if self._conn is not None:
                    self._ping()
            if due:
                last_poll = time.monotonic()
                self._safe_check()
            self._maybe_save()
        self._disconnect()
