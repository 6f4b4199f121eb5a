"""One contract for both count stores: Redis (shared by replicas) gives what this process's counts give."""

from __future__ import annotations

import random

import pytest

from assistant.ops.alerts.counts import FallbackCounts, MemoryCounts, RedisCounts
from assistant.ops.alerts.detector import Counts

pytestmark = pytest.mark.integration

PAIRS = ["urgent\t단수\t서울특별시 강남구", "urgent\t정전\t서울특별시 강남구", "topic\t주거\t서울특별시 마포구"]


def _stream(seed: int, n: int = 600) -> list[tuple[int, list[str], str]]:
    """Questions over three days at random minutes (in order), each touching zero to two pairs."""
    rng = random.Random(seed)
    minutes = sorted(rng.randrange(28_000_000, 28_000_000 + 3 * 1440) for _ in range(n))
    return [(m, rng.sample(PAIRS, rng.randint(0, 2)), f"질문 {i}") for i, m in enumerate(minutes)]


def _brute(stream: list[tuple[int, list[str], str]], upto: int, pair: str, window: int, baseline: int) -> Counts:
    """The counts by their definition, from the whole history."""
    minute = stream[upto][0]
    start = minute - window + 1
    end_hour = start // 60
    seen = stream[:upto + 1]
    in_window = [q for q in seen if start <= q[0] <= minute]
    in_base = [q for q in seen if end_hour - baseline <= q[0] // 60 < end_hour]
    return Counts(sum(pair in q[1] for q in in_window), len(in_window),
                  sum(pair in q[1] for q in in_base), len(in_base))


@pytest.fixture(params=["memory", "redis"])
def make_store(request, redis_prefix):
    def make(window: int, baseline: int):
        if request.param == "memory":
            return MemoryCounts(window, baseline)
        url, prefix = redis_prefix
        return RedisCounts(url, prefix=prefix, window=window, baseline=baseline)
    return make


def test_counts_equal_their_definition(make_store):
    store = make_store(10, 24)
    stream = _stream(1)
    for i, (minute, pairs, sample) in enumerate(stream):
        got = store.add(minute, pairs, sample)
        for pair in pairs:
            assert got[pair] == _brute(stream, i, pair, 10, 24), (i, pair)


def test_a_call_counts_a_pair_once_per_window(make_store):
    store = make_store(10, 24)
    pair = PAIRS[0]
    assert store.add(1000, [pair], "물이 안 나와요", once="call-1")[pair].window == 1
    assert store.add(1001, [pair], "아직도 물이 안 나와요", once="call-1")[pair].window == 1
    assert store.add(1001, [pair], "물이 안 나와요", once="call-2")[pair].window == 2
    assert store.add(1001, [pair], "물이 안 나와요")[pair].window == 3
    # the question itself still counts in the total (exposure) each time
    assert store.add(1002, [], "다른 질문") == {}
    assert store.add(1002, [pair], "x", once="call-1")[pair].window_total == 6


def test_samples_are_the_latest_masked_questions_of_the_pair(make_store):
    store = make_store(10, 24)
    for i in range(7):
        store.add(2000, [PAIRS[0]], f"질문 {i}")
    store.add(2000, [PAIRS[1]], "정전 질문")
    assert store.samples(PAIRS[0]) == [f"질문 {i}" for i in range(6, 1, -1)]
    assert store.samples(PAIRS[1]) == ["정전 질문"]


def test_replicas_sharing_redis_see_each_others_questions(redis_prefix):
    url, prefix = redis_prefix
    a, b = (RedisCounts(url, prefix=prefix) for _ in range(2))
    a.add(3000, [PAIRS[0]], "a")
    assert b.add(3000, [PAIRS[0]], "b")[PAIRS[0]] == Counts(2, 2, 0, 0)


def test_without_redis_counting_goes_on_in_this_process():
    down = RedisCounts("redis://127.0.0.1:1/0", timeout=0.05)  # nothing listens on port 1
    store = FallbackCounts(down, MemoryCounts(), retry_seconds=60)
    assert store.add(4000, [PAIRS[0]], "x")[PAIRS[0]].window == 1
    assert store.add(4000, [PAIRS[0]], "y")[PAIRS[0]].window == 2
    assert store.storage_errors == 1  # the second question did not wait for Redis again
