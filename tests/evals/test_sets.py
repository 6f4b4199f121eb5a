"""The sets registry and the side-by-side table (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evals.sets import SetsError, load_sets, parse_sets, pick, render, side_by_side

pytestmark = pytest.mark.unit

REG = Path("evals/sets.toml")


@pytest.mark.parametrize(("raw", "msg"), [
    ({}, "no \\[\\[set\\]\\] tables"),
    ({"set": [{"name": "a", "path": "a.jsonl"}]}, "set 1 has no role"),
    ({"set": [{"name": "a", "path": "a.jsonl", "role": "tuning"}]}, "valid: training, validation, held-out"),
    ({"set": [{"name": "a", "path": "a.jsonl", "role": "training"}, {"name": "a", "path": "b", "role": "held-out"}]},
     "named twice"),
])
def test_a_malformed_registry_is_a_clear_error(raw, msg):
    with pytest.raises(SetsError, match=msg):
        parse_sets(raw, REG)


def test_the_registry_file_and_the_names_asked_for_are_checked(tmp_path):
    with pytest.raises(SetsError, match="cannot read"):
        load_sets(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[set]\n", encoding="utf-8")
    with pytest.raises(SetsError, match="not valid TOML"):
        load_sets(bad)
    sets = parse_sets({"set": [{"name": "dev", "path": "d.jsonl", "role": "training"},
                               {"name": "fresh", "path": "f.jsonl", "role": "held-out"}]}, REG)
    assert [s.name for s in pick(sets, [])] == ["dev", "fresh"] and [s.name for s in pick(sets, ["fresh"])] == ["fresh"]
    with pytest.raises(SetsError, match="unknown set 'fresh3'; the registry has: dev, fresh"):
        pick(sets, ["fresh3"])


def test_the_shipped_registry_names_every_set_with_its_role():
    from assistant.config import ROOT

    sets = load_sets(ROOT / "evals" / "sets.toml")
    roles = {s.name: s.role for s in sets}
    assert roles["regression"] == "validation" and roles["fresh"] == roles["fresh2"] == "held-out"
    assert all(s.path.is_file() for s in sets if s.name != "train")  # train lives in ../shared beside the checkout


def _summary(n, hit1, key_facts):
    return {"retrieval": {"overall": {"n": n, "hit@1": hit1, "hit@5": 1.0, "mrr@10": hit1},
                          "by_type": {"paraphrase": {"n": n, "hit@1": hit1, "hit@5": 1.0}}},
            "answer": {"overall": {"n": n + 2, "key_fact_coverage": key_facts, "citation_precision": hit1,
                                   "abstention_recall": None, "false_abstention_rate": 0.0, "unsupported_sentences": 0}},
            "intervals": {"retrieval.hit@1": {"low": hit1 - 0.1, "high": min(hit1 + 0.1, 1.0)}}}


def test_the_table_pools_hit1_by_role_over_questions_and_shows_intervals():
    sets = parse_sets({"set": [{"name": "dev", "path": "d", "role": "training"},
                               {"name": "fresh", "path": "f", "role": "held-out"},
                               {"name": "fresh2", "path": "g", "role": "held-out"}]}, REG)
    table = side_by_side([(sets[0], _summary(100, 0.9, 0.8)), (sets[1], _summary(100, 0.8, 0.7)),
                          (sets[2], _summary(300, 0.6, None))])
    assert table["hit@1_by_role"] == {"training": 0.9, "held-out": 0.65}  # (80 + 180) / 400, not (0.8 + 0.6) / 2
    text = render(table)
    assert "| fresh | held-out | 102 | 100 | 0.800 (0.70–0.90) | 1.000 |" in text
    assert "| fresh2 | held-out | 302 | 300 | 0.600 (0.50–0.70) | 1.000 | 0.600 | – |" in text  # no key facts: –
    assert "| paraphrase | 0.90 / 1.00 (100) | 0.80 / 1.00 (100) | 0.60 / 1.00 (300) |" in text
    assert "training sets 0.900, held-out sets 0.650: a gap of +0.250" in text


def test_the_baseline_comparison_gives_counts_and_verdicts_and_says_which_sets_had_no_run():
    sets = parse_sets({"set": [{"name": "dev", "path": "d", "role": "training"},
                               {"name": "fresh", "path": "f", "role": "held-out"}]}, REG)
    sig = {"retrieval.hit@1": {"n": 100, "better": 1, "worse": 7, "a": 0.9, "b": 0.84, "delta": -0.06, "p": 0.07,
                               "verdict": "within noise"},
           "answer.key_fact_coverage": {"n": 100, "better": 0, "worse": 0, "a": 0.8, "b": 0.8, "delta": 0.0, "p": 1.0,
                                        "verdict": "same"}}
    table = side_by_side([(sets[0], _summary(100, 0.84, 0.8)), (sets[1], _summary(100, 0.8, 0.7))], {"dev": sig})
    text = render(table)
    assert "| dev | training | -0.060 ▲1 ▼7 p 0.07 within noise | – | same | – |" in text
    assert "| fresh | held-out | no baseline run | no baseline run |" in text
    assert "against_baseline" not in side_by_side([(sets[0], _summary(100, 0.84, 0.8))])
