"""Reciprocal-rank fusion as a pure function: inputs are never mutated.

>>> reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=60)[0][0]
'b'
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter


def reciprocal_rank_fusion(
    ranked_lists: Sequence[Sequence[str]],
    *,
    k: int = 60,
    weights: Sequence[float] | None = None,
) -> list[tuple[str, float]]:
    """Fuse rankings: score(d) = Σ_i w_i / (k + rank_i(d)), ranks from 1. Ties keep first-seen order."""
    if k < 1:
        raise ValueError("k must be >= 1")
    if weights is None:
        weights = [1.0] * len(ranked_lists)
    if len(weights) != len(ranked_lists):
        raise ValueError("one weight per ranked list")
    scores: dict[str, float] = {}
    for ranking, w in zip(ranked_lists, weights, strict=True):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
    # a dict keeps first-seen order and a stable sort keeps it among ties (also with reverse=True)
    return sorted(scores.items(), key=itemgetter(1), reverse=True)
