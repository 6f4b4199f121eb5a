"""Per-snapshot entry facts the ranker reads: computed once when a snapshot is first ranked, then reused.

Everything here depends on the snapshot alone (not on a question): each entry's title row and body
rows, its chunk vectors, scope, lengths, token sets, eligibility and how central its title sits in
the embedding space (hub entries, which look like everything, sit near the centre).

>>> table = EntryTable.of(snapshot, lexicon)          # doctest: +SKIP
>>> table.ordinal["mohw:06_노령층_지원/06_기초연금"]  # doctest: +SKIP
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.rank.cues import scope_level
from assistant.rank.eligibility import REQUIREMENTS, entry_situation
from assistant.rank.situation import Situation, SituationLexicon


@dataclass(frozen=True)
class EntryTable:
    ordinal: dict[str, int]
    title_row: np.ndarray           # int64 per entry ordinal (-1: no title chunk)
    body_rows: list[np.ndarray]     # int64 rows per entry ordinal
    vectors: np.ndarray             # float32, one per row, L2-normalised
    scope: np.ndarray               # float32 per entry: 1 national, 2 city, 3 district
    log_len: np.ndarray             # float32: ln(1 + content characters)
    n_chunks: np.ndarray            # float32
    title_len: np.ndarray           # float32: title characters
    centrality: np.ndarray          # float32: title vector · mean title direction
    title_tokens: list[frozenset[str]]
    tokens: list[frozenset[str]]
    eligibility: list[Situation]
    regions: list[tuple[str, str]]  # (sido, sigungu) per entry ordinal
    n_stages: np.ndarray            # float32: life stages the entry is limited to (0: any)
    n_requirements: np.ndarray      # float32: other eligibility requirements (disability, household, ...)

    @classmethod
    def of(cls, snap: Any, lexicon: SituationLexicon) -> EntryTable:
        """The table of ``snap``, built once per snapshot (thread-safe) and kept while it lives."""
        with _LOCK:
            ref = _TABLES.get(id(snap))
            if ref is not None and ref[0]() is snap and ref[1] == lexicon.digest:
                return ref[2]
            table = cls.build(snap, lexicon)
            _TABLES[id(snap)] = (weakref.ref(snap), lexicon.digest, table)
            weakref.finalize(snap, _TABLES.pop, id(snap), None)
            return table

    @classmethod
    def build(cls, snap: Any, lexicon: SituationLexicon) -> EntryTable:
        ids = list(snap.entry_ids)
        n = len(ids)
        title_row = np.full(n, -1, dtype=np.int64)
        body: list[list[int]] = [[] for _ in range(n)]
        for r, chunk in enumerate(snap.chunks):
            e = int(snap.row_entry[r])
            if chunk.ordinal == 0:
                title_row[e] = r
            else:
                body[e].append(r)
        vectors = _row_vectors(snap)
        titles = vectors[np.maximum(title_row, 0)] if n else np.zeros((0, vectors.shape[1]), np.float32)
        centre = titles.mean(axis=0) if n else np.zeros(vectors.shape[1], np.float32)
        centre = centre / (np.linalg.norm(centre) or 1.0)
        records = [snap.entries[eid] for eid in ids]
        elig = [entry_situation(e, lexicon) for e in records]
        return cls(
            ordinal={eid: i for i, eid in enumerate(ids)},
            title_row=title_row,
            body_rows=[np.array(b, dtype=np.int64) for b in body],
            vectors=vectors,
            scope=np.array([scope_level(e.scope) for e in records], dtype=np.float32),
            log_len=np.log1p(np.array([len(e.content) for e in records], dtype=np.float32)),
            n_chunks=np.array([len(b) + 1 for b in body], dtype=np.float32),
            title_len=np.array([len(e.title) for e in records], dtype=np.float32),
            centrality=(titles @ centre).astype(np.float32),
            title_tokens=[frozenset(snap.tokens[r]) if r >= 0 else frozenset() for r in title_row.tolist()],
            tokens=[frozenset(t for r in b for t in snap.tokens[r]) for b in body],
            eligibility=elig,
            regions=[(e.sido, e.sigungu) for e in records],
            n_stages=np.array([len(x.values("stage")) for x in elig], dtype=np.float32),
            n_requirements=np.array([sum(1 for r in REQUIREMENTS if x.has(r)) for x in elig],
                                    dtype=np.float32),
        )


def _row_vectors(snap: Any) -> np.ndarray:
    """Chunk vectors in row order (FAISS keeps them in insertion order; re-ordered by id to be sure)."""
    vecs = snap.dense.vectors()
    ids = snap.dense.ids()
    out = np.zeros((len(snap.chunks), vecs.shape[1] if vecs.ndim == 2 else 0), dtype=np.float32)
    for pos, i in enumerate(ids.tolist()):
        r = snap.row_of_id.get(int(i))
        if r is not None:
            out[r] = vecs[pos]
    return out


_LOCK = threading.Lock()
_TABLES: dict[int, tuple[weakref.ref[Any], str, EntryTable]] = {}
