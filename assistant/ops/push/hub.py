"""The push hub: one reader per process follows the event log and hands each event to the widgets
connected to this process that should receive it.

Publishing appends to the log (memory, or a Redis stream shared by every replica), so an utterance posted
to replica A reaches a widget connected to replica B: B's reader sees the entry within its blocking read.
A widget that reconnects with ``Last-Event-ID`` first gets what it missed from the log (``backlog``), then
the live events, each once (ids only grow).

>>> hub = PushHub(MemoryLog())
>>> first = hub.publish("suggestion", {"call_id": "c1"}, user="kim")
>>> second = hub.publish("notice", {"text": "역삼동 일대 단수"}, region="서울특별시 강남구")
>>> [e.kind for e in hub.backlog("0-0", "lee", [Region("서울특별시", "마포구")])[0]]
[]
>>> [e.kind for e in hub.backlog("0-0", "kim", [])[0]]
['suggestion', 'notice']

Inside the serving event loop:

>>> hub.start(); sub = hub.subscribe("kim", [], loop)     # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.ops.push.events import Event, delivers, id_key
from assistant.ops.push.log import EventLog, MemoryLog
from assistant.types import Region

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Subscription:
    """One connected widget: whose it is, the regions it follows, and its queue in the event loop serving it.
    ``closed`` (a ``None`` in the queue) tells the stream to end: the widget fell too far behind and will
    catch up from the log when it reconnects."""

    user: str
    regions: Sequence[Region]
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Event | None] = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    closed: bool = False
    agency: str = ""

    def offer(self, event: Event) -> None:
        if self.closed or not delivers(event, self.user, self.regions, self.agency):
            return
        try:
            self.loop.call_soon_threadsafe(self._put, event)
        except RuntimeError:  # the loop is gone (the server is stopping)
            self.closed = True

    def _put(self, event: Event) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.closed = True
            self.queue._queue.clear()  # type: ignore[attr-defined]  # room for the sentinel; the log has them all
            self.queue.put_nowait(None)


class PushHub:
    """Publishes events and fans them out to this process's subscribers.

    ``publish`` never raises: a push that cannot be stored (Redis down) is logged and counted in
    ``errors``, and the request that caused it goes on (the suggestion is in its response and the call's
    history; the widget catches up when it next reconnects)."""

    def __init__(self, events: EventLog | None = None, *, block_seconds: float = 1.0, retry_seconds: float = 2.0,
                 backlog_limit: int = 1000) -> None:
        self.log = events if events is not None else MemoryLog()
        self.block_seconds, self.retry_seconds, self.backlog_limit = block_seconds, retry_seconds, backlog_limit
        self.errors = 0
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- publishing ----

    def publish(self, kind: str, data: Mapping[str, Any], *, user: str = "", region: str = "",
                agency: str = "") -> str | None:
        """Store an event for the widgets it is addressed to; its id, or None when it could not be stored."""
        try:
            return self.log.append(Event(kind, dict(data), user=user, region=region, agency=agency))
        except Exception as exc:  # noqa: BLE001 - a lost push must never fail the request that caused it
            self.errors += 1
            log.error("push %s not stored (%s: %s); widgets get it when they reload", kind, type(exc).__name__, exc)
            return None

    def publish_alert(self, alert: Mapping[str, Any] | Any) -> str | None:
        """An alert banner for the widgets following the alert's region (all of them when it has none): an
        ``AlertService.on_alert`` listener. ``alert`` is the alert as its API shows it (a mapping or the
        pydantic model: topic, region, count, window, samples, first seen, id), sent as it is."""
        data = alert.model_dump(mode="json") if hasattr(alert, "model_dump") else dict(alert)
        return self.publish("alert", data, region=str(data.get("region") or ""))

    # ---- delivering ----

    def subscribe(self, user: str, regions: Sequence[Region], loop: asyncio.AbstractEventLoop, *,
                  agency: str = "") -> Subscription:
        sub = Subscription(user, list(regions), loop, agency=agency)
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.closed = True
        with self._lock:
            self._subs.discard(sub)

    @property
    def connected(self) -> int:
        with self._lock:
            return len(self._subs)

    def backlog(self, after: str, user: str, regions: Sequence[Region], agency: str = ""
                ) -> tuple[list[Event], bool]:
        """The events after ``after`` for this widget, and whether some were dropped meanwhile (too old
        for the log's retention, or more than ``backlog_limit``): then the widget should reload."""
        id_key(after)
        lost = self.log.lost_since(after)
        out: list[Event] = []
        cursor, seen = after, 0
        while seen < self.backlog_limit:
            batch = self.log.read(cursor, limit=min(500, self.backlog_limit - seen))
            if not batch:
                break
            seen += len(batch)
            cursor = batch[-1].id
            out.extend(e for e in batch if delivers(e, user, regions, agency))
        else:
            lost = lost or bool(self.log.read(cursor, limit=1))
        return out, lost

    def start(self) -> None:
        """Start this process's reader (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="push-hub", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.block_seconds + 3)
            self._thread = None
        with self._lock:
            subs, self._subs = list(self._subs), set()
        for sub in subs:  # end every open stream: the widgets reconnect (to another replica) and resume
            sub.closed = True
            with contextlib.suppress(RuntimeError, asyncio.QueueFull):
                sub.loop.call_soon_threadsafe(sub.queue.put_nowait, None)

    def _run(self) -> None:
        cursor, down = "", False
        while not self._stop.is_set():
            try:
                if not cursor:
                    cursor = self.log.last_id()  # only what comes from now on: backlogs serve the past
                events = self.log.read(cursor, block=self.block_seconds)
            except Exception as exc:  # noqa: BLE001 - keep following once the log answers again
                if not down:
                    log.warning("push log unreachable (%s: %s): retrying every %.0f s", type(exc).__name__, exc,
                                self.retry_seconds)
                down = True
                self._stop.wait(self.retry_seconds)
                continue
            if down:
                log.warning("push log is back: delivering again")
                down = False
            if not events:
                continue
            cursor = events[-1].id
            with self._lock:
                subs = list(self._subs)
            for e in events:
                for sub in subs:
                    sub.offer(e)

