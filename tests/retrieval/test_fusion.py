import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.retrieval.fusion import reciprocal_rank_fusion

pytestmark = pytest.mark.unit


def test_document_ranked_well_by_both_lists_wins():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]], k=60)
    assert fused[0][0] == "b"


def test_weights_shift_the_balance():
    lists = [["a", "b"], ["b", "a"]]
    assert reciprocal_rank_fusion(lists, k=1, weights=[2.0, 1.0])[0][0] == "a"
    assert reciprocal_rank_fusion(lists, k=1, weights=[1.0, 2.0])[0][0] == "b"


def test_score_is_sum_of_weighted_reciprocal_ranks():
    fused = dict(reciprocal_rank_fusion([["a"], ["x", "a"]], k=10, weights=[1.0, 0.5]))
    assert fused["a"] == pytest.approx(1 / 11 + 0.5 / 12)


@given(st.lists(st.lists(st.sampled_from("abcdefgh"), unique=True, max_size=8), min_size=1, max_size=4))
def test_inputs_are_never_mutated_and_every_document_appears_once(lists):
    before = copy.deepcopy(lists)
    fused = reciprocal_rank_fusion(lists, k=60)
    assert lists == before
    ids = [d for d, _ in fused]
    assert len(ids) == len(set(ids)) == len({d for lst in lists for d in lst})
    assert all(a[1] >= b[1] for a, b in zip(fused, fused[1:], strict=False))


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], k=0)
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0])
