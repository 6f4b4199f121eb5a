import math
import random

import pytest

from assistant.evals import metrics

pytestmark = pytest.mark.unit


def test_hit_mrr_ndcg_on_a_known_ranking():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1, "c": 1}, "q3": {}}
    run = {"q1": ["x", "a"], "q2": ["c", "y", "b"], "q3": ["z"]}
    assert metrics.hit_at_k(qrels, run, 1)["score"] == 0.5
    assert metrics.mrr_at_k(qrels, run, 10)["per_query"] == {"q1": 0.5, "q2": 1.0}
    ideal = 1 + 1 / math.log2(3)
    assert metrics.ndcg_at_k(qrels, run, 10)["per_query"]["q2"] == pytest.approx((1 + 1 / math.log2(4)) / ideal)
    assert metrics.recall_at_k(qrels, run, 1)["per_query"]["q2"] == 0.5


def test_percentile_matches_numpy_linear():
    import numpy as np

    xs = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0]
    for p in (0, 50, 95, 100):
        assert metrics.percentile(xs, p) == pytest.approx(float(np.percentile(xs, p)))


def random_cases(n: int, seed: int = 20261125) -> dict[str, tuple[set[str], list[str]]]:
    """Seeded random judgements and rankings, edge cases included (empty ranking, nothing relevant found,
    everything relevant, more relevant entries than k)."""
    rng = random.Random(seed)
    docs = [f"d{i}" for i in range(14)]
    cases = {"empty": ({"d1"}, []), "miss": ({"d1"}, ["d2", "d3"]), "all": ({"d1", "d2"}, ["d2", "d1"]),
             "many": (set(docs[:12]), docs[::-1])}
    for i in range(n):
        gold = set(rng.sample(docs, rng.randint(1, 4)))
        cases[f"q{i}"] = (gold, rng.sample(docs, rng.randint(0, 12)))
    return cases


def test_metrics_agree_with_ranx_per_query():
    """One batched ranx evaluation over a few hundred random queries (ranx compiles with numba: calling
    it once per example costs minutes)."""
    ranx = pytest.importorskip("ranx")
    data = random_cases(300)
    qrels = {q: {d: 1 for d in gold} for q, (gold, _) in data.items()}
    run = {q: ranked for q, (_, ranked) in data.items()}
    r_qrels = ranx.Qrels({q: dict(v) for q, v in qrels.items()})
    # ranx needs scores; give strictly decreasing ones, and a dummy doc for empty rankings
    r_run = ranx.Run({q: ({d: float(len(ranked) - i) for i, d in enumerate(ranked)} or {"__none__": 0.0})
                      for q, ranked in run.items()})
    names = {"hit_rate@1": lambda: metrics.hit_at_k(qrels, run, 1), "hit_rate@5": lambda: metrics.hit_at_k(qrels, run, 5),
             "mrr@10": lambda: metrics.mrr_at_k(qrels, run, 10), "ndcg@10": lambda: metrics.ndcg_at_k(qrels, run, 10),
             "recall@5": lambda: metrics.recall_at_k(qrels, run, 5)}
    expected = ranx.evaluate(r_qrels, r_run, list(names), return_mean=False)
    order = list(r_qrels.keys())
    for name, ours in names.items():
        per_query = ours()["per_query"]
        theirs = dict(zip(order, expected[name], strict=True))
        assert per_query == pytest.approx(theirs), name
