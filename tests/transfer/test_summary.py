"""The transfer summary read from a call's events: told vs open, the situation, masking, the record's link."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.calls.models import CallEvent
from assistant.calls.service import record_of
from assistant.rank.situation import SituationLexicon
from assistant.text.pii import contains_pii, mask_pii
from assistant.transfer.links import RECEIVED, SENT, link_of
from assistant.transfer.summary import summarize, summary_text

pytestmark = pytest.mark.unit


def said(text: str, speaker: str = "citizen", final: bool = True) -> CallEvent:
    return CallEvent(call_id="c", kind="utterance", speaker=speaker, text=text, final=final)


def suggested(answer: str, cites: list[tuple[str, int, str]], **extra: Any) -> CallEvent:
    citations = [{"n": i, "entry_id": e, "version": v, "title": t} for i, (e, v, t) in enumerate(cites, start=1)]
    return CallEvent(call_id="c", kind="suggestion", text=answer,
                     payload={"answer": answer, "citations": citations, "abstained": not cites and extra.pop("abstain", False),
                              **extra})


CALL = [
    said("여보세요", speaker="counselor"),
    said("저 그 애기가", final=False),
    said("애기 낳으면 구에서 주는 출산장려금 있어요?"),
    suggested("강남구 출산장려금은 둘째부터 지급합니다 [1]. 주민센터에서 신청합니다 [1].",
              [("SEOUL-GN-1", 3, "강남구 출산장려금")]),
    said("70대 어머니 기초연금은요?"),
    suggested("기초연금은 만 65세 이상에게 지급합니다 [1].", [("MOHW-2", 1, "기초연금")],
              clarification={"attribute": "income", "question": "소득인정액이 선정기준액 이하인가요?", "options": []}),
    said("주차위반 과태료 이의신청은 어디서 해요?"),
    suggested("상담 매뉴얼에서 확인되지 않는 내용입니다.", [], abstain=True),
    said("그리고 여권 재발급도요"),
]


def test_told_is_every_cited_answer_and_open_is_what_no_cited_answer_closed():
    s = summarize(CALL)
    cited_payloads = [e.payload for e in CALL if e.kind == "suggestion" and e.payload["citations"]]
    assert [[c.as_dict() for c in t.citations] for t in s.told] == \
        [[{k: c[k] for k in ("entry_id", "version", "title")} for c in p["citations"]] for p in cited_payloads]
    finals = [e.text for e in CALL if e.kind == "utterance" and e.speaker == "citizen" and e.final]
    assert s.question == finals[0], "the line that brought the first suggestion"
    assert [t.question for t in s.told] == finals[:2]
    kinds = {o.kind: o.text for o in s.open}
    assert kinds["abstained"] == finals[2]
    assert kinds["unanswered"] == finals[3]
    clar = next(e.payload["clarification"] for e in CALL if "clarification" in e.payload)
    assert "clarify" not in kinds, "the clarifying question was asked by an answer the call moved past"
    last_clarifying = summarize([*CALL[:6]])
    assert {o.kind: o.text for o in last_clarifying.open}["clarify"] == clar["question"]
    assert all(o.text not in [t.question for t in s.told] for o in s.open)


def test_an_answer_about_the_same_entries_replaces_the_earlier_one_and_a_reasked_question_closes():
    events = [said("주차 과태료 이의신청"), suggested("x", [], abstain=True),
              said("주차 과태료 이의신청"), suggested("과태료 이의신청은 60일 이내입니다 [1].", [("P-1", 2, "과태료")]),
              said("다시 한 번요"), suggested("과태료 이의신청은 구청 교통과입니다 [1].", [("P-1", 3, "과태료")])]
    s = summarize(events)
    assert len(s.told) == 1 and s.told[0].citations[0].version == 3
    assert s.open == [], "asked again and answered: no longer open"


def test_the_situation_is_what_the_lexicon_reads_in_every_citizen_line():
    s = summarize(CALL)
    citizen = " ".join(e.text for e in CALL if e.kind == "utterance" and e.speaker == "citizen" and e.final)
    expected = SituationLexicon.default().extract(citizen)
    assert s.situation == expected.as_dict() and s.situation["label"]
    assert f"파악된 상황: {expected.label()}" in s.text


def test_personal_data_is_masked_everywhere_in_the_summary():
    raw = "제 번호 010-2345-6789, 주민번호 900101-1234567인데 기초연금 얼마예요"
    events = [said(raw), suggested("기초연금 안내입니다 [1]. 문의는 010-9876-5432 [1].", [("MOHW-2", 1, "기초연금")]),
              said("메일은 kim@example.com 이에요")]
    s = summarize(events)
    flat = str(s.as_dict())
    assert contains_pii(raw) and not contains_pii(flat)
    assert mask_pii(raw).text in flat, "masked, not dropped: the question still reads"


def test_no_citizen_line_and_no_answer_is_an_empty_summary_not_an_error():
    s = summarize([said("안녕하세요", speaker="counselor")])
    assert (s.question, s.told, s.open, s.mode) == ("", [], [], "extractive")
    assert s.text == summary_text(s)


def test_both_sides_of_an_agency_transfer_link_to_the_other():
    summary = summarize(CALL).as_dict()
    sent = CallEvent(call_id="a", kind="transfer", payload={
        "from": "kim", "to": "", "to_agency": "nts", "to_agency_name": "국세청", "side": SENT,
        "linked_call_id": "b", "summary": summary})
    received = CallEvent(call_id="b", kind="transfer", payload={
        "from": "kim", "to": "", "from_agency": "seoul120", "to_agency": "nts", "side": RECEIVED,
        "linked_call_id": "a", "summary": summary})
    sending, receiving = record_of([*CALL, sent]), record_of([received])
    assert "b" in sending["이관"] and "국세청" in sending["이관"] and sending["결과"] == "이관: nts"
    assert "a" in receiving["이관"] and "seoul120" in receiving["이관"] and "kim" in receiving["이관"]
    assert receiving["문의"] == summary["question"], "the receiving record says what was asked"
    assert not receiving["결과"].startswith("이관"), "the receiving side did not hand the call on"
    same_call = CallEvent(call_id="a", kind="transfer", payload={"from": "kim", "to": "lee"})
    assert link_of([same_call]) == "kim → lee" and record_of([*CALL, same_call])["결과"] == "이관: lee"
