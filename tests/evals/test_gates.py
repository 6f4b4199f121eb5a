import pytest

from assistant.evals.gates import GateError, check_gates, load_gates, lookup, parse_gates

pytestmark = pytest.mark.unit

SUMMARY = {"retrieval": {"overall": {"mrr@10": 0.8, "hit@5": 0.9}},
           "answer": {"overall": {"key_fact_coverage": 0.6, "unsupported_sentences": 2},
                      "latency_ms": {"p95": 120.0}}}


def test_failed_gates_are_listed_one_readable_line_each():
    gates = parse_gates({"min": {"retrieval.overall.mrr@10": 0.75, "answer.overall.key_fact_coverage": 0.7},
                         "max": {"answer.overall.unsupported_sentences": 0}}, "g")
    failed = check_gates(gates, SUMMARY)
    assert [f.gate.path for f in failed] == ["answer.overall.key_fact_coverage", "answer.overall.unsupported_sentences"]
    assert all("\n" not in f.message and f.gate.path in f.message for f in failed)


def test_a_metric_missing_from_the_run_fails_its_gate():
    gates = parse_gates({"min": {"answer.by_type.oos.abstention_recall": 0.5}}, "g")
    assert "not in this run" in check_gates(gates, SUMMARY)[0].message


def test_lookup_handles_names_with_at_signs_and_nesting():
    assert lookup(SUMMARY, "retrieval.overall.mrr@10") == 0.8
    assert lookup(SUMMARY, "answer.latency_ms.p95") == 120.0
    assert lookup(SUMMARY, "answer.overall.nope") is None


@pytest.mark.parametrize("data, msg", [
    ({"minimum": {}}, "unknown table"),
    ({"min": {"answer.overall.key_fact_coverag": 0.5}}, "names no answer metric"),
    ({"min": {"precision": 0.5}}, "must start with"),
    ({"min": {"answer.overall.key_fact_coverage": "high"}}, "must be a number"),
    ({}, "no gates"),
])
def test_bad_gate_files_are_rejected_with_a_clear_message(data, msg):
    with pytest.raises(GateError, match=msg):
        parse_gates(data, "g.toml")


def test_load_gates_errors(tmp_path):
    with pytest.raises(GateError, match="cannot read"):
        load_gates(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[min\n", encoding="utf-8")
    with pytest.raises(GateError, match="not valid TOML"):
        load_gates(bad)


def test_the_shipped_gates_file_loads():
    from assistant.config import ROOT

    assert load_gates(ROOT / "evals" / "gates.toml")
