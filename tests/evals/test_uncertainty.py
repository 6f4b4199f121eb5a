"""How far a score can be trusted: bootstrap intervals and the paired test between two runs (pure)."""

from __future__ import annotations

import warnings

import pytest

from assistant.evals.compare import render_comparison
from assistant.evals.uncertainty import compare, interval, paired, per_question

pytestmark = pytest.mark.unit


def test_an_interval_holds_the_score_narrows_with_more_questions_and_reproduces():
    small = [1.0] * 30 + [0.0] * 10            # 0.75 on 40 questions
    large = small * 10                         # 0.75 on 400
    lo, hi = interval(small)
    assert lo < 0.75 < hi
    lo_l, hi_l = interval(large)
    assert lo < lo_l < 0.75 < hi_l < hi       # ten times the questions: a narrower interval
    assert interval(small) == (lo, hi)         # a fixed seed: the same run gives the same interval
    assert interval(small, level=0.5)[1] < hi  # a lower level, a narrower interval


def test_a_set_scoring_the_same_on_every_question_has_a_point_interval_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert interval([1.0] * 12) == (1.0, 1.0)
    with pytest.raises(ValueError, match="no questions"):
        interval([])


def test_the_paired_test_calls_a_change_beyond_noise_only_when_chance_rarely_gives_it():
    a = {f"q{i}": 1.0 for i in range(60)}
    five = {**a, **{f"q{i}": 0.0 for i in range(5)}}
    six = {**a, **{f"q{i}": 0.0 for i in range(6)}}
    p5, p6 = paired(a, five), paired(a, six)
    assert (p5.worse, p5.better, p5.p, p5.verdict) == (5, 0, 0.0625, "within noise")  # 2 x 1/32
    assert (p6.worse, p6.p, p6.verdict) == (6, 0.0312, "worse")                        # 2 x 1/64
    assert paired(six, a).verdict == "better"
    mixed = {**six, "q59": 0.0, "q58": 0.0, **{f"q{i}": 1.0 for i in range(3)}}
    assert paired(six, mixed).verdict == "within noise"                                 # 3 won, 2 lost
    assert paired(a, dict(a)).verdict == "same"
    assert paired(a, {"other": 1.0}).n == 0


def _row(qid, gold, ranked, *, facts=(), text="", abstained=False, cited=()):
    return {"qid": qid, "gold": list(gold), "ranked": list(ranked), "key_facts": list(facts),
            "key_facts_found": [f in text for f in facts], "answer": text, "abstained": abstained,
            "citations": [{"entry_id": e, "version": 1} for e in cited], "grounding": {"sentences": 1, "supported": 1},
            "numbers": [], "numbers_missing": [], "latency_ms": {"total": 1.0}, "type": "direct", "lang": "ko",
            "region": None}


def test_per_question_values_are_what_the_scores_average():
    rows = [_row("a", ["x"], ["x", "y"], facts=["월 10만 원"], text="월 10만 원 지급", cited=["x"]),
            _row("b", ["x"], ["y", "x"], facts=["월 10만 원", "129"], text="129", cited=["y"]),
            _row("c", [], ["y"], abstained=True)]
    v = per_question(rows)
    assert v["retrieval.hit@1"] == {"a": 1.0, "b": 0.0}           # a question without gold is not scored
    assert v["retrieval.mrr@10"] == {"a": 1.0, "b": 0.5}
    assert v["answer.key_fact_coverage"] == {"a": 1.0, "b": 0.5}
    assert v["answer.citation_precision"] == {"a": 1.0, "b": 0.0}


def test_two_runs_are_compared_on_the_questions_they_share_with_the_same_gold():
    before = [_row(f"q{i}", ["x"], ["x"]) for i in range(8)]
    after = [_row(f"q{i}", ["x"], ["y", "x"]) for i in range(7)] + [_row("q7", ["z"], ["z"])]
    sig = compare(before, after)["retrieval.hit@1"]
    assert (sig["n"], sig["worse"], sig["verdict"]) == (7, 7, "worse")  # q7's gold changed: not paired
    c = {"kb_version": {"a": 1, "b": 2}, "code": {"a": "x", "b": "y"}, "n_shared": 8, "same_dataset": False,
         "scores": {"retrieval.hit@1": {"a": 1.0, "b": 0.125, "delta": -0.875}}, "significance": compare(before, after),
         "questions": {"regressed": [], "mixed": [], "improved": []}, "entries_changed": []}
    assert "0 better, 7 worse, p = 0.02: worse" in render_comparison(c)
