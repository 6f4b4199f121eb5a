"""Retrieval metrics as pure functions over BEIR-style dicts; relevance is judged by entry id.

``qrels``: {qid: {entry_id: relevance}}; ``run``: {qid: [entry_id, ...]} in rank order.
Each returns {"score": mean over queries with judgements, "per_query": {qid: value}}.

>>> hit_at_k({"q": {"a": 1}}, {"q": ["b", "a"]}, 1)["score"]
0.0
>>> mrr_at_k({"q": {"a": 1}}, {"q": ["b", "a"]}, 10)["score"]
0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Sequence[str]]
Result = dict[str, object]


def _judged(qrels: Qrels) -> list[str]:
    return [q for q, rels in qrels.items() if any(v > 0 for v in rels.values())]


def _metric(qrels: Qrels, run: Run, per_query: Callable[[set[str], Sequence[str]], float]) -> Result:
    values = {}
    for q in _judged(qrels):
        gold = {d for d, v in qrels[q].items() if v > 0}
        values[q] = per_query(gold, list(run.get(q, ())))
    score = sum(values.values()) / len(values) if values else 0.0
    return {"score": score, "per_query": values}


def hit_at_k(qrels: Qrels, run: Run, k: int) -> Result:
    return _metric(qrels, run, lambda gold, ranked: float(any(d in gold for d in ranked[:k])))


def recall_at_k(qrels: Qrels, run: Run, k: int) -> Result:
    return _metric(qrels, run, lambda gold, ranked: len(gold & set(ranked[:k])) / len(gold))


def mrr_at_k(qrels: Qrels, run: Run, k: int = 10) -> Result:
    def rr(gold: set[str], ranked: Sequence[str]) -> float:
        return next((1.0 / i for i, d in enumerate(ranked[:k], start=1) if d in gold), 0.0)

    return _metric(qrels, run, rr)


def ndcg_at_k(qrels: Qrels, run: Run, k: int = 10) -> Result:
    """Binary-gain nDCG (gain 1 for any relevant entry, log2 discount), as ranx computes it."""
    def ndcg(gold: set[str], ranked: Sequence[str]) -> float:
        dcg = sum(1.0 / math.log2(i + 1) for i, d in enumerate(ranked[:k], start=1) if d in gold)
        idcg = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
        return dcg / idcg if idcg else 0.0

    return _metric(qrels, run, ndcg)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank-with-interpolation percentile (numpy's 'linear'), without numpy."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


RETRIEVAL_METRICS: dict[str, Callable[[Qrels, Run], Result]] = {
    "hit@1": lambda q, r: hit_at_k(q, r, 1),
    "hit@3": lambda q, r: hit_at_k(q, r, 3),
    "hit@5": lambda q, r: hit_at_k(q, r, 5),
    "mrr@10": lambda q, r: mrr_at_k(q, r, 10),
    "ndcg@10": lambda q, r: ndcg_at_k(q, r, 10),
}


def summarize(qrels: Qrels, run: Run) -> dict[str, float | int]:
    out: dict[str, float | int] = {"n": len(_judged(qrels))}
    for name, fn in RETRIEVAL_METRICS.items():
        out[name] = round(float(fn(qrels, run)["score"]), 4)  # type: ignore[arg-type]
    return out
