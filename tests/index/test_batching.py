"""Micro-batching of query embeddings, with a fake embedder that can hold a call until told."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest

from assistant.index.batching import QueryBatcher

pytestmark = pytest.mark.unit


class GatedEmbedder:
    """Deterministic vectors per text; the first call waits for ``gate``; texts containing 'bad' fail."""

    name, dim = "fake/gated", 8

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.calls: list[tuple[list[str], str]] = []
        self._lock = threading.Lock()

    @staticmethod
    def vector(text: str) -> np.ndarray:
        return np.frombuffer(hashlib.sha256(text.encode()).digest()[:32], np.float32).copy()

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        with self._lock:
            first = not self.calls
            self.calls.append((list(texts), kind))
        if first:
            assert self.gate.wait(30), "the test never opened the gate"
        if any("bad" in t for t in texts):
            raise RuntimeError("model failed")
        return np.vstack([self.vector(t) for t in texts])


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.001)


def run_concurrently(batcher: QueryBatcher, inner: GatedEmbedder, texts: list[str]) -> dict[str, object]:
    """texts[0] starts a batch and is held in the model; the rest arrive meanwhile; then the gate opens."""
    results: dict[str, object] = {}

    def ask(text: str) -> None:
        try:
            results[text] = batcher.embed([text], kind="query")
        except Exception as exc:
            results[text] = exc

    threads = [threading.Thread(target=ask, args=(texts[0],))]
    threads[0].start()
    wait_until(lambda: inner.calls, "the first query reached the model")
    for t in texts[1:]:
        threads.append(threading.Thread(target=ask, args=(t,)))
        threads[-1].start()
    wait_until(lambda: batcher.waiting == len(texts) - 1, "the others queued")
    inner.gate.set()
    for th in threads:
        th.join(30)
    return results


def test_concurrent_queries_get_their_own_vectors_identical_to_one_by_one():
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner, max_batch=16)
    texts = [f"질문 {i}" for i in range(9)]
    results = run_concurrently(batcher, inner, texts)
    for t in texts:
        assert np.array_equal(results[t], inner.vector(t)[None, :])
    assert [len(c[0]) for c in inner.calls] == [1, 8]  # the eight that queued went together
    assert (batcher.batches, batcher.batched) == (2, 9)


def test_a_failure_reaches_every_caller_of_its_batch_and_the_next_call_works():
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner)
    results = run_concurrently(batcher, inner, ["먼저", "하나", "bad 둘", "셋"])
    assert np.array_equal(results["먼저"], inner.vector("먼저")[None, :])
    for t in ("하나", "bad 둘", "셋"):
        assert isinstance(results[t], RuntimeError)
    assert np.array_equal(batcher.embed(["다음"], "query"), inner.vector("다음")[None, :])


def test_batches_hold_at_most_max_batch_texts():
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner, max_batch=3)
    texts = [f"q{i}" for i in range(6)]
    results = run_concurrently(batcher, inner, texts)
    assert all(np.array_equal(results[t], inner.vector(t)[None, :]) for t in texts)
    assert [len(c[0]) for c in inner.calls] == [1, 3, 2]


def test_a_query_alone_and_passages_go_straight_to_the_model():
    inner = GatedEmbedder()
    inner.gate.set()
    batcher = QueryBatcher(inner)
    batcher.embed(["혼자"], "query")
    batcher.embed(["본문 하나", "본문 둘"], "passage")
    assert inner.calls == [(["혼자"], "query"), (["본문 하나", "본문 둘"], "passage")]
    assert (batcher.name, batcher.dim) == (inner.name, inner.dim)


class TwoInstanceEmbedder:
    """Like a model with two instances: calls run side by side; each waits for ``gate``; it records how
    many calls were in the model at once."""

    name, dim, instances = "fake/two", 8, 2

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.calls: list[list[str]] = []
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        with self._lock:
            self.calls.append(list(texts))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            assert self.gate.wait(30), "the test never opened the gate"
            return np.vstack([GatedEmbedder.vector(t) for t in texts])
        finally:
            with self._lock:
                self.in_flight -= 1


def test_batches_run_side_by_side_up_to_the_models_instances_and_the_rest_queue():
    inner = TwoInstanceEmbedder()
    batcher = QueryBatcher(inner)
    assert batcher.parallel == 2
    results: dict[str, object] = {}

    def ask(text: str) -> None:
        results[text] = batcher.embed([text], kind="query")

    texts = [f"질문 {i}" for i in range(7)]
    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for th in threads[:2]:
        th.start()
    wait_until(lambda: inner.in_flight == 2, "two queries in the model at once")
    for th in threads[2:]:
        th.start()
    wait_until(lambda: batcher.waiting == 5, "the other five queued")
    inner.gate.set()
    for th in threads:
        th.join(30)
    assert all(np.array_equal(results[t], GatedEmbedder.vector(t)[None, :], equal_nan=True) for t in texts)
    assert inner.most_in_flight == 2
    assert [len(c) for c in inner.calls[:2]] == [1, 1]
    assert sum(len(c) for c in inner.calls) == 7 and len(inner.calls) <= 4  # the five went in one or two


def test_many_concurrent_queries_never_exceed_parallel_and_each_gets_its_own_vector():
    inner = TwoInstanceEmbedder()
    inner.gate.set()
    batcher = QueryBatcher(inner, max_batch=4)
    results: dict[str, object] = {}

    def ask(text: str) -> None:
        results[text] = batcher.embed([text], kind="query")

    texts = [f"q{i}" for i in range(60)]
    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert all(np.array_equal(results[t], GatedEmbedder.vector(t)[None, :], equal_nan=True) for t in texts)
    assert inner.most_in_flight <= 2 and all(len(c) <= 4 for c in inner.calls)
    assert batcher.batched == 60 and batcher.waiting == 0
