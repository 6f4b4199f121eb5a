import pytest

from assistant.evals import answers as A
from assistant.evals.answers import AnswerCase

pytestmark = pytest.mark.unit


def case(qid, gold=("e1",), facts=(), text="", abstained=False, cited=(), sentences=0, supported=0, **kw):
    return AnswerCase(qid, tuple(gold), tuple(facts), text, abstained, tuple(cited), sentences, supported, **kw)


CASES = [
    # answered correctly, both facts stated (one in another number format)
    case("q1", facts=("20만 원", "1544-4500"), text="월 200,000원[1]. 문의 1544-4500[1].", cited=("e1",),
         sentences=2, supported=2, numbers=("200000", "1544-4500"), latency_ms=10.0),
    # answered from the wrong entry plus the right one; one of two facts; one sentence removed by grounding
    case("q2", gold=("e2",), facts=("최대 12개월", "신청"), text="최대 12개월입니다[1].", cited=("e9", "e2"),
         sentences=3, supported=2, numbers=("12", "7"), numbers_missing=("7",), latency_ms=20.0),
    # in the KB but abstained: covers nothing, counts as a false abstention
    case("q3", gold=("e3",), facts=("대상",), abstained=True, latency_ms=30.0),
    # out of the KB and abstained: right
    case("q4", gold=(), abstained=True, latency_ms=40.0),
    # out of the KB and answered: a missed abstention
    case("q5", gold=(), text="무언가[1].", cited=("e5",), sentences=1, supported=1, latency_ms=50.0),
]


def test_key_fact_coverage():
    r = A.key_fact_coverage(CASES)
    assert r["per_query"] == {"q1": 1.0, "q2": 0.5, "q3": 0.0}
    assert r["score"] == pytest.approx(0.5)


def test_citation_precision_and_recall():
    p = A.citation_precision(CASES)
    assert p["per_query"] == {"q1": 1.0, "q2": 0.5}  # abstentions and out-of-KB questions excluded
    rec = A.citation_recall(CASES)
    assert rec["per_query"] == {"q1": 1.0, "q2": 1.0, "q3": 0.0}


def test_grounded_sentence_rate_is_micro_and_counts_unsupported():
    r = A.grounded_sentence_rate(CASES)
    assert r["score"] == pytest.approx(5 / 6) and r["unsupported"] == 1
    assert r["per_query"]["q2"] == pytest.approx(2 / 3)


def test_numeric_exactness():
    r = A.numeric_exactness(CASES)
    assert r["per_query"] == {"q1": 1.0, "q2": 0.5}


def test_abstention_metrics():
    assert A.abstention_precision(CASES)["per_query"] == {"q3": 0.0, "q4": 1.0}
    assert A.abstention_recall(CASES)["per_query"] == {"q4": 1.0, "q5": 0.0}
    assert A.false_abstention_rate(CASES)["score"] == pytest.approx(1 / 3)


def test_latency_percentiles():
    r = A.latency(CASES)
    assert r["p50"] == 30.0 and r["p95"] == pytest.approx(48.0)


def test_check_numbers_normalises_formats_and_ignores_citation_markers():
    found, missing = A.check_numbers("지원금 20만 원[1]. 문의 02-120[2].", ["지원금 200,000원", "다산콜센터 02-120"])
    assert found == ("200000", "02-120") and missing == ()
    _, missing = A.check_numbers("지원금 30만 원[1].", ["지원금 200,000원"])
    assert missing == ("300000",)


def test_empty_inputs_do_not_divide_by_zero():
    for fn in A.ANSWER_METRICS.values():
        assert fn([])["per_query"] == {}
    assert A.summarize_answers([])["n"] == 0


def test_summary_and_groups_round_trip_through_dicts():
    cases = [AnswerCase.from_dict(c.as_dict()) for c in CASES]
    assert cases == CASES
    grouped = [AnswerCase.from_dict({**c.as_dict(), "groups": {"type": "oos" if not c.gold else "direct"}})
               for c in CASES]
    report = A.answer_report(grouped)
    assert set(report["by_type"]) == {"oos", "direct"}
    assert report["by_type"]["oos"]["abstention_recall"] == 0.5
    assert report["overall"]["key_fact_coverage"] == report["key_fact_coverage"]


def test_the_summary_counts_the_declines_of_the_topic_check_apart():
    cases = [*CASES, case("q6", gold=(), abstained=True, declined_by="topic"),
             case("q7", gold=("e7",), abstained=False, declined_by="")]
    summary = A.summarize_answers(cases)
    assert summary["n_abstained"] == 3 and summary["n_declined_by_topic"] == 1
    assert AnswerCase.from_dict(cases[5].as_dict()).declined_by == "topic"
    assert AnswerCase.from_dict({k: v for k, v in cases[5].as_dict().items() if k != "declined_by"}).declined_by == ""
