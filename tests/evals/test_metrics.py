import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


docs = st.sampled_from([f"d{i}" for i in range(12)])


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from([f"q{i}" for i in range(6)]),
                       st.tuples(st.sets(docs, min_size=1, max_size=3), st.lists(docs, unique=True, max_size=12)),
                       min_size=1))
def test_metrics_agree_with_ranx(data):
    ranx = pytest.importorskip("ranx")
    qrels = {q: {d: 1 for d in gold} for q, (gold, _) in data.items()}
    run = {q: ranked for q, (_, ranked) in data.items()}
    r_qrels = ranx.Qrels({q: dict(v) for q, v in qrels.items()})
    # ranx needs scores; give strictly decreasing ones, and a dummy doc for empty rankings
    r_run = ranx.Run({q: ({d: float(len(ranked) - i) for i, d in enumerate(ranked)} or {"__none__": 0.0})
                      for q, ranked in run.items()})
    expected = ranx.evaluate(r_qrels, r_run, ["hit_rate@1", "hit_rate@5", "mrr@10", "ndcg@10", "recall@5"])
    assert metrics.hit_at_k(qrels, run, 1)["score"] == pytest.approx(expected["hit_rate@1"])
    assert metrics.hit_at_k(qrels, run, 5)["score"] == pytest.approx(expected["hit_rate@5"])
    assert metrics.mrr_at_k(qrels, run, 10)["score"] == pytest.approx(expected["mrr@10"])
    assert metrics.ndcg_at_k(qrels, run, 10)["score"] == pytest.approx(expected["ndcg@10"])
    assert metrics.recall_at_k(qrels, run, 5)["score"] == pytest.approx(expected["recall@5"])
