"""Where pushed events are kept for a while: in this process, or in a Redis stream every replica shares.

Both keep the newest ``retention`` events, give them increasing ids and answer three questions: what came
after an id (waiting up to ``block`` seconds for something new), the newest id, and whether events after an
id have been dropped since (a widget that was away too long is told to reload, not silently short).

>>> log = MemoryLog(retention=2)
>>> first = log.append(Event("notice", {"n": 1}))
>>> _ = log.append(Event("notice", {"n": 2})); _ = log.append(Event("notice", {"n": 3}))
>>> [e.data["n"] for e in log.read(first)], log.lost_since(first), log.lost_since("0-0")
([2, 3], False, True)
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Protocol

from assistant.ops.push.events import Event, id_key


class EventLog(Protocol):
    """The push hub's storage: ``append`` from any thread, ``read`` from the hub's reader and backlogs."""

    def append(self, event: Event) -> str: ...

    def read(self, after: str, *, block: float = 0.0, limit: int = 500) -> list[Event]: ...

    def last_id(self) -> str: ...

    def lost_since(self, after: str) -> bool: ...


class MemoryLog:
    """This process only: with several workers or replicas, a widget sees only its own process's events
    (configure ``push_storage`` with a Redis for those)."""

    def __init__(self, retention: int = 10_000) -> None:
        self._events: deque[Event] = deque()
        self.retention = max(retention, 1)
        self._cond = threading.Condition()
        self._last = (0, 0)
        self._dropped = (0, 0)  # the newest id no longer kept

    def append(self, event: Event) -> str:
        with self._cond:
            ms = int(time.time() * 1000)
            self._last = (ms, 0) if ms > self._last[0] else (self._last[0], self._last[1] + 1)
            stored = event.with_id(f"{self._last[0]}-{self._last[1]}")
            self._events.append(stored)
            while len(self._events) > self.retention:
                self._dropped = id_key(self._events.popleft().id)
            self._cond.notify_all()
            return stored.id

    def _after(self, key: tuple[int, int], limit: int) -> list[Event]:
        out: list[Event] = []
        for e in reversed(self._events):  # new events are at the end: walk back to the cursor
            if id_key(e.id) <= key:
                break
            out.append(e)
        out.reverse()
        return out[:limit]

    def read(self, after: str, *, block: float = 0.0, limit: int = 500) -> list[Event]:
        key = id_key(after or "0-0")
        deadline = time.monotonic() + block
        with self._cond:
            while True:
                found = self._after(key, limit)
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                self._cond.wait(left)

    def last_id(self) -> str:
        with self._cond:
            return f"{self._last[0]}-{self._last[1]}"

    def lost_since(self, after: str) -> bool:
        with self._cond:
            return id_key(after or "0-0") < self._dropped


class RedisLog:
    """A Redis stream (``XADD`` with an approximate ``MAXLEN``, ``XREAD BLOCK``, ``XRANGE``): ids and resume
    come with it, and an event appended on one replica reaches widgets connected to any other.

    Two connections: one for quick calls (``timeout`` seconds, so a Redis outage fails fast) and one for
    the blocking read, whose socket waits a little longer than the block."""

    def __init__(self, url: str, *, key: str = "assistant:events", retention: int = 10_000,
                 timeout: float = 0.5) -> None:
        import redis

        self.key, self.retention = key, max(retention, 1)
        self._redis: Any = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                                decode_responses=True)
        self._url, self._timeout = url, timeout
        self._blocking: Any = None
        self._lock = threading.Lock()

    def _reader(self, block: float) -> Any:
        import redis

        with self._lock:
            if self._blocking is None:
                self._blocking = redis.Redis.from_url(self._url, socket_timeout=block + 2.0,
                                                      socket_connect_timeout=self._timeout, decode_responses=True)
            return self._blocking

    def append(self, event: Event) -> str:
        return str(self._redis.xadd(self.key, event.fields(), maxlen=self.retention, approximate=True))

    def read(self, after: str, *, block: float = 0.0, limit: int = 500) -> list[Event]:
        after = after or "0-0"
        id_key(after)
        if block > 0:
            reply = self._reader(block).xread({self.key: after}, count=limit, block=max(int(block * 1000), 1))
            rows = reply[0][1] if reply else []
        else:
            rows = self._redis.xrange(self.key, min=f"({after}", count=limit)
        return [Event.from_fields(str(i), fields) for i, fields in rows]

    def _info(self) -> dict[str, Any]:
        import redis

        try:
            return dict(self._redis.xinfo_stream(self.key))
        except redis.ResponseError:  # no such key: nothing was ever appended (or it was deleted)
            return {}

    def last_id(self) -> str:
        return str(self._info().get("last-generated-id") or "0-0")

    def lost_since(self, after: str) -> bool:
        """Conservative: once the stream has been trimmed, an id older than its first entry counts as lost
        (Redis keeps no record of the trimmed ids), even when it was the very last one trimmed."""
        info = self._info()
        if not info or int(info.get("entries-added", 0)) <= int(info.get("length", 0)):
            return False  # nothing was ever trimmed
        first = info.get("first-entry")
        return first is not None and id_key(after or "0-0") < id_key(str(first[0]))

    def close(self) -> None:
        for client in (self._redis, self._blocking):
            if client is not None:
                client.close()
