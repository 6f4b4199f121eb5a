"""The publish gate's decision on per-question reciprocal ranks: pure, deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evals import uncertainty
from assistant.rank.gate import decide, p_worse

pytestmark = pytest.mark.unit


def test_the_same_ranks_pass_with_nothing_won_or_lost():
    rr = [1.0, 0.5, 0.0, 1.0, 1 / 3] * 12
    d = decide(rr, rr)
    assert d.passed and d.p_worse == 1.0 and (d.wins, d.losses, d.ties) == (0, 0, 60)


def test_one_question_lost_of_63_refuses_under_the_strict_rule_only():
    base = [1.0] * 50 + [0.5] * 13
    cand = [0.5] + base[1:]
    strict, paired = decide(cand, base, rule="strict"), decide(cand, base)
    assert not strict.passed and "hit@1" in strict.reason
    assert paired.passed and paired.losses == 1 and paired.p_worse >= 0.10


def test_a_model_that_loses_question_after_question_is_refused_and_says_why():
    rnd = np.random.default_rng(1)
    base = rnd.choice([1.0, 0.5, 1 / 3], size=63)
    cand = base.copy()
    cand[:12] = 0.0  # twelve questions fall out of the top 10
    d = decide(cand.tolist(), base.tolist())
    assert not d.passed and d.p_worse < 0.10 and "p =" in d.reason and d.losses == 12


def test_many_small_losses_are_refused_even_when_one_large_win_hides_them_in_the_mean():
    base = [1.0] + [0.5] * 40 + [1.0] * 22
    cand = [1.0] + [1 / 3] * 40 + [1.0] * 22
    cand[0], base[0] = 1.0, 0.0
    cand = [1.0] * 6 + cand[6:]  # a few wins too, not enough
    d = decide(cand, base, max_net_losses=6)
    assert not d.passed and "more questions than it wins" in d.reason


def test_the_sampled_test_is_reproducible_and_agrees_with_the_exact_one(monkeypatch: pytest.MonkeyPatch):
    diffs = [0.5, -0.5, -1.0, 0.25, -0.5, -0.5, 1.0, -0.25, -0.5, -1.0, 0.5, -0.5, -0.5, 0.5]
    exact = p_worse(diffs)
    monkeypatch.setattr(uncertainty, "EXACT_UP_TO", 0)  # where the test lives (the gate imports it)
    sampled = p_worse(diffs)
    assert sampled == p_worse(diffs), "a fixed seed: the same decision every run"
    assert abs(sampled - exact) < 0.02
    assert 0.0 < exact < 1.0


def test_bad_gate_input_is_a_clear_error():
    with pytest.raises(ValueError, match="valid: paired, strict"):
        decide([1.0], [1.0], rule="lenient")
    with pytest.raises(ValueError, match="same non-empty"):
        decide([1.0, 0.5], [1.0])
    with pytest.raises(ValueError, match="same non-empty"):
        decide([], [])
