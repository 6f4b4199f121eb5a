"""One contract for both event logs (memory and a real Redis stream), and the hub's fan-out over them."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from assistant.ops.push.events import Event, id_key
from assistant.ops.push.hub import PushHub
from assistant.ops.push.log import EventLog, MemoryLog, RedisLog
from assistant.types import Region

REDIS_URL = os.environ.get("ASSISTANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_log(retention: int) -> RedisLog:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return RedisLog(REDIS_URL, key=f"assistant-test:{uuid.uuid4().hex}", retention=retention)


@pytest.fixture(params=["memory", "redis"])
def make_log(request: pytest.FixtureRequest) -> Iterator[object]:
    made: list[EventLog] = []

    def make(retention: int = 1000) -> EventLog:
        log: EventLog = MemoryLog(retention) if request.param == "memory" else redis_log(retention)
        made.append(log)
        return log

    yield make
    for log in made:
        if isinstance(log, RedisLog):
            log._redis.delete(log.key)
            log.close()


@pytest.mark.integration
def test_ids_increase_and_read_returns_exactly_what_follows(make_log):
    log = make_log()
    assert log.read(log.last_id()) == []
    ids = [log.append(Event("notice", {"n": i}, region="서울특별시 강남구")) for i in range(5)]
    assert [id_key(i) for i in ids] == sorted(id_key(i) for i in ids) and len(set(ids)) == 5
    assert log.last_id() == ids[-1]
    after = log.read(ids[1])
    assert [e.id for e in after] == ids[2:] and [e.data["n"] for e in after] == [2, 3, 4]
    assert after[0].kind == "notice" and after[0].region == "서울특별시 강남구"
    assert [e.id for e in log.read("0-0", limit=2)] == ids[:2]


@pytest.mark.integration
def test_a_blocking_read_returns_as_soon_as_something_is_appended(make_log):
    log = make_log()
    start = log.last_id()
    threading.Timer(0.2, lambda: log.append(Event("alert", {"topic": "단수"}))).start()
    t0 = time.monotonic()
    found = log.read(start, block=5.0)
    waited = time.monotonic() - t0
    assert [e.data for e in found] == [{"topic": "단수"}]
    assert 0.15 < waited < 2.0, waited
    t0 = time.monotonic()
    assert log.read(log.last_id(), block=0.3) == [] and time.monotonic() - t0 >= 0.25


@pytest.mark.integration
def test_dropped_events_are_reported_rather_than_silently_missing(make_log):
    log = make_log(retention=100)
    first = log.append(Event("notice", {"n": 0}))
    assert not log.lost_since(first) and not log.lost_since("0-0")
    last = ""
    for i in range(1, 400):
        last = log.append(Event("notice", {"n": i}))
    if isinstance(log, RedisLog):
        log._redis.xtrim(log.key, maxlen=100, approximate=False)  # MAXLEN ~ trims whole nodes, when it likes
    assert log.lost_since(first) and log.lost_since("0-0")
    assert not log.lost_since(last)
    kept = log.read("0-0", limit=1000)
    assert kept[-1].id == last and kept[0].data["n"] > 0


@pytest.mark.integration
def test_hub_backlog_filters_by_audience_and_sees_loss(make_log):
    hub = PushHub(make_log(), backlog_limit=3)
    start = hub.log.last_id()
    hub.publish("suggestion", {"call": 1}, user="kim")
    hub.publish("suggestion", {"call": 2}, user="lee")
    hub.publish("notice", {"n": 1}, region="서울특별시 강남구")
    events, lost = hub.backlog(start, "kim", [Region("서울특별시", "마포구")])
    assert [e.data for e in events] == [{"call": 1}] and not lost
    hub.publish("alert", {"topic": "정전"})
    events, lost = hub.backlog(start, "kim", [])
    assert [e.kind for e in events] == ["suggestion", "notice"] and lost  # the limit cut it: reload


def run_in_own_loop(coroutine_fn):  # type: ignore[no-untyped-def]
    """asyncio.run on a thread of its own: a test earlier in the session (Playwright's sync API) may
    leave an event loop running on the main thread, where asyncio.run refuses to start."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine_fn())
        except BaseException as exc:  # noqa: BLE001 - re-raised on the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


@pytest.mark.integration
def test_fan_out_reaches_a_subscriber_on_another_hub_sharing_the_log(make_log):
    """Two hubs over one log stand for two replicas over one Redis (or two threads of one process)."""
    shared = make_log()
    other = shared if isinstance(shared, MemoryLog) else RedisLog(REDIS_URL, key=shared.key)  # type: ignore[attr-defined]
    writer, reader = PushHub(shared), PushHub(other, block_seconds=0.5)
    reader.start()

    async def main() -> list[Event]:
        loop = asyncio.get_running_loop()
        mine = reader.subscribe("kim", [Region("서울특별시", "강남구")], loop)
        others = reader.subscribe("lee", [Region("부산광역시")], loop)
        await asyncio.sleep(0.6)  # the reader is following the log by now
        await asyncio.to_thread(writer.publish, "suggestion", {"call": "c1"}, user="kim")
        await asyncio.to_thread(writer.publish, "notice", {"n": 1}, region="서울특별시")
        got = [await asyncio.wait_for(mine.queue.get(), 5), await asyncio.wait_for(mine.queue.get(), 5)]
        assert others.queue.empty()
        return [e for e in got if e is not None]

    try:
        got = run_in_own_loop(main)
    finally:
        reader.stop()
    assert [(e.kind, e.data) for e in got] == [("suggestion", {"call": "c1"}), ("notice", {"n": 1})]


@pytest.mark.integration
def test_publish_never_raises_when_the_log_is_down():
    hub = PushHub(RedisLog("redis://127.0.0.1:1/0", timeout=0.2))
    assert hub.publish("suggestion", {"call": "c1"}, user="kim") is None
    assert hub.errors == 1
