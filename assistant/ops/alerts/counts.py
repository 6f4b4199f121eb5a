"""Question counts per (topic, region) in minute and hour buckets: in Redis (shared by every worker
and replica) or in this process, with the same answers.

``add`` counts one question (its pairs, and once in the total that is every pair's exposure) and
returns, for each pair, the counts the detector needs: the sliding window is the last ``window``
minutes; the baseline is the ``baseline`` full hours before the hour the window starts in, so it
never overlaps the window. A question whose ``once`` key (a call id) already counted a pair within
the window does not count it again: one caller repeating herself is not an incident.

Redis does it in one round trip (a Lua script; keys expire by themselves). When Redis does not
answer, ``FallbackCounts`` counts in this process, logs once and tries Redis again after a pause,
as the rate limiter does.

>>> c = MemoryCounts(window=10, baseline=24)
>>> c.add(600, ["단수\\t서울특별시 강남구"], "물이 안 나와요")["단수\\t서울특별시 강남구"].window
1
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any, Protocol

from assistant.ops.alerts.detector import Counts

log = logging.getLogger(__name__)
SAMPLES = 5
TOTAL = ""  # the field / key of every question, beside the pairs


class CountStore(Protocol):
    """Where counts live. ``minute`` is minutes since the epoch (the caller's clock, so a simulated day
    runs in seconds)."""

    def add(self, minute: int, pairs: Sequence[str], sample: str, *, once: str = "") -> dict[str, Counts]: ...

    def samples(self, pair: str) -> list[str]: ...


def _ranges(minute: int, window: int, baseline: int) -> tuple[range, range]:
    start = minute - window + 1
    end_hour = start // 60
    return range(start, minute + 1), range(end_hour - baseline, end_hour)


class MemoryCounts:
    """This process's counts (one replica, tests, the simulator)."""

    def __init__(self, window: int = 10, baseline: int = 24) -> None:
        self.window, self.baseline = window, baseline
        self._minutes: dict[int, Counter[str]] = {}
        self._hours: dict[int, Counter[str]] = {}
        self._once: dict[str, int] = {}
        self._samples: dict[str, deque[tuple[int, str]]] = {}
        self._lock = threading.Lock()
        self._pruned = -1

    def _prune(self, minute: int) -> None:
        if minute == self._pruned:
            return
        self._pruned = minute
        for m in [m for m in self._minutes if m <= minute - self.window - 1]:
            del self._minutes[m]
        for h in [h for h in self._hours if h < minute // 60 - self.baseline - 2]:
            del self._hours[h]
        for k in [k for k, m in self._once.items() if m <= minute - self.window]:
            del self._once[k]

    def add(self, minute: int, pairs: Sequence[str], sample: str, *, once: str = "") -> dict[str, Counts]:
        window, hours = _ranges(minute, self.window, self.baseline)
        with self._lock:
            self._prune(minute)
            mc = self._minutes.setdefault(minute, Counter())
            hc = self._hours.setdefault(minute // 60, Counter())
            mc[TOTAL] += 1
            hc[TOTAL] += 1
            out = {}
            for pair in pairs:
                key = f"{once}\n{pair}"
                if not once or key not in self._once:
                    if once:
                        self._once[key] = minute
                    mc[pair] += 1
                    hc[pair] += 1
                    self._samples.setdefault(pair, deque(maxlen=SAMPLES)).appendleft((minute, sample))
                ms = [self._minutes.get(m) or Counter() for m in window]
                hs = [self._hours.get(h) or Counter() for h in hours]
                out[pair] = Counts(sum(c[pair] for c in ms), sum(c[TOTAL] for c in ms),
                                   sum(c[pair] for c in hs), sum(c[TOTAL] for c in hs))
            return out

    def samples(self, pair: str) -> list[str]:
        with self._lock:
            latest = self._pruned
            return [s for m, s in self._samples.get(pair, ()) if m > latest - self.window]


# ARGV: prefix, minute, window, baseline, sample, once, pair...  → per pair {window, window_total, baseline, baseline_total}
_SCRIPT = """
local prefix, m, W, B = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local sample, once = ARGV[5], ARGV[6]
local mk, hk = prefix .. ':m:' .. m, prefix .. ':h:' .. math.floor(m / 60)
redis.call('HINCRBY', mk, '', 1)
redis.call('HINCRBY', hk, '', 1)
redis.call('EXPIRE', mk, (W + 2) * 60)
redis.call('EXPIRE', hk, (B + 2) * 3600)
local start = m - W + 1
local end_hour = math.floor(start / 60)
local out = {}
for i = 7, #ARGV do
  local pair = ARGV[i]
  local fresh = true
  if once ~= '' then
    fresh = redis.call('SET', prefix .. ':once:' .. once .. ':' .. pair, '1', 'NX', 'EX', W * 60)
  end
  if fresh then
    redis.call('HINCRBY', mk, pair, 1)
    redis.call('HINCRBY', hk, pair, 1)
    local sk = prefix .. ':s:' .. pair
    redis.call('LPUSH', sk, sample)
    redis.call('LTRIM', sk, 0, 4)
    redis.call('EXPIRE', sk, W * 60)
  end
  local w, wt, b, bt = 0, 0, 0, 0
  for t = start, m do
    local v = redis.call('HMGET', prefix .. ':m:' .. t, pair, '')
    w = w + (tonumber(v[1]) or 0)
    wt = wt + (tonumber(v[2]) or 0)
  end
  for h = end_hour - B, end_hour - 1 do
    local v = redis.call('HMGET', prefix .. ':h:' .. h, pair, '')
    b = b + (tonumber(v[1]) or 0)
    bt = bt + (tonumber(v[2]) or 0)
  end
  out[#out + 1] = {w, wt, b, bt}
end
return out
"""


class RedisCounts:
    """Counts in Redis, shared by every process that names the same URL and prefix. Keys are built in
    the script, so it needs one Redis (not a cluster)."""

    def __init__(self, url: str, *, prefix: str = "assistant", window: int = 10, baseline: int = 24,
                 timeout: float = 0.25) -> None:
        import redis

        self.window, self.baseline = window, baseline
        self.prefix = f"{prefix}:alerts"
        self.client: Any = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._script = self.client.register_script(_SCRIPT)

    def add(self, minute: int, pairs: Sequence[str], sample: str, *, once: str = "") -> dict[str, Counts]:
        rows = self._script(args=[self.prefix, minute, self.window, self.baseline, sample, once, *pairs])
        return {pair: Counts(*(int(v) for v in row)) for pair, row in zip(pairs, rows, strict=True)}

    def samples(self, pair: str) -> list[str]:
        return [s.decode() for s in self.client.lrange(f"{self.prefix}:s:{pair}", 0, SAMPLES - 1)]


class FallbackCounts:
    """Redis while it answers, this process's counts while it does not (``storage_errors`` counts those)."""

    def __init__(self, remote: CountStore, local: CountStore, *, retry_seconds: float = 5.0) -> None:
        self.remote, self.local, self.retry_seconds = remote, local, retry_seconds
        self.storage_errors = 0
        self._down_until = 0.0

    def _call(self, name: str, *args: Any, **kw: Any) -> Any:
        from redis.exceptions import RedisError

        if time.monotonic() >= self._down_until:
            try:
                result = getattr(self.remote, name)(*args, **kw)
            except RedisError as exc:
                self.storage_errors += 1
                if not self._down_until:
                    log.warning("alert counts: Redis unreachable (%s), counting in this process until it answers",
                                type(exc).__name__)
                self._down_until = time.monotonic() + self.retry_seconds
            else:
                if self._down_until:
                    log.warning("alert counts: Redis is back")
                    self._down_until = 0.0
                return result
        return getattr(self.local, name)(*args, **kw)

    def add(self, minute: int, pairs: Sequence[str], sample: str, *, once: str = "") -> dict[str, Counts]:
        result: dict[str, Counts] = self._call("add", minute, pairs, sample, once=once)
        return result

    def samples(self, pair: str) -> list[str]:
        result: list[str] = self._call("samples", pair)
        return result
