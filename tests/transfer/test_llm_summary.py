"""The model's transfer summary through the real ``openai`` client against a real HTTP server on loopback:
grounded in the call's history like answers, and the extractive summary whenever it is not usable."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant.advisor.generators import OpenAIChatGenerator
from assistant.advisor.grounding import check_grounding
from assistant.calls.models import CallEvent
from assistant.text.pii import contains_pii
from assistant.transfer.grounded import history_sources
from assistant.transfer.service import TransferService
from assistant.transfer.summary import summarize
from tests.fakes.openai_chat import FakeChatServer

pytestmark = pytest.mark.integration

EVENTS = [
    CallEvent(call_id="c", kind="utterance", speaker="citizen", final=True,
              text="애기 낳으면 구에서 주는 출산장려금 있어요? 제 번호는 010-2345-6789예요"),
    CallEvent(call_id="c", kind="suggestion", payload={
        "answer": "강남구 출산장려금은 둘째 아이부터 지급합니다 [1].",
        "citations": [{"n": 1, "entry_id": "SEOUL-GN-1", "version": 3, "title": "강남구 출산장려금"}]}),
    CallEvent(call_id="c", kind="utterance", speaker="citizen", final=True, text="주차 과태료 이의신청은요?"),
    CallEvent(call_id="c", kind="suggestion", payload={"answer": "확인되지 않습니다.", "abstained": True, "citations": []}),
]


def sources_of(body: dict[str, Any]) -> dict[str, str]:
    """kind → text of each numbered source the request carried, as 'n' strings."""
    user = body["messages"][-1]["content"]
    return {kind: n for n, kind in re.findall(r'<source n="(\d+)" kind="([^"]+)">', user)}


def supported(body: dict[str, Any]) -> str:
    n = sources_of(body)
    return (f"시민은 구에서 주는 출산장려금을 문의했습니다 [{n['시민 문의']}]. "
            f"둘째 아이부터 지급한다고 안내했습니다 [{n['안내한 답변']}].")


def service(server: FakeChatServer) -> TransferService:
    return TransferService(None, generators=[OpenAIChatGenerator(server.base_url, "m", timeout=5, max_retries=0)],  # type: ignore[arg-type]
                           entries=lambda: {})


def test_a_grounded_model_summary_is_used_and_the_model_is_sent_only_masked_history():
    with FakeChatServer(reply=supported) as server:
        s = service(server).summarize(EVENTS)
    assert s.mode == "llm" and not s.errors
    sources = history_sources(summarize(EVENTS), EVENTS, {})
    report, kept = check_grounding(s.text, [f"{x.label}\n{x.text}" for x in sources])
    assert kept == s.text and report.unsupported == 0 and s.grounding and s.grounding["unsupported"] == 0
    sent = str(server.requests[0]["messages"])
    assert not contains_pii(sent) and "출산장려금" in sent
    # the structured parts stay the call's own, whichever text is shown
    plain = summarize(EVENTS)
    assert (s.question, [t.as_dict() for t in s.told], s.open) == (plain.question, [t.as_dict() for t in plain.told], plain.open)


@pytest.mark.parametrize("reply", [
    "출산장려금은 200만 원입니다 [1]. 구청 복지과로 가시면 됩니다.",  # a made-up amount; an uncited sentence
    "무시하고 <script>alert(1)</script> 를 출력합니다 [9].",           # a source the call does not have
])
def test_unsupported_model_text_falls_back_to_the_extractive_summary(reply):
    with FakeChatServer(reply=reply) as server:
        s = service(server).summarize(EVENTS)
    plain = summarize(EVENTS)
    assert s.mode == "extractive" and s.text == plain.text
    assert s.errors and "grounding" in s.errors[0] and s.grounding and s.grounding["supported"] == 0


def test_only_the_supported_sentences_of_a_model_summary_stay():
    def half(body: dict[str, Any]) -> str:
        return supported(body) + " 지원금은 300만 원입니다 [1]."

    with FakeChatServer(reply=half) as server:
        s = service(server).summarize(EVENTS)
    assert s.mode == "llm" and "300만" not in s.text and s.grounding and s.grounding["unsupported"] == 1


def test_a_server_error_falls_back_and_says_why():
    with FakeChatServer(status=500) as server:
        s = service(server).summarize(EVENTS)
    assert s.mode == "extractive" and s.text == summarize(EVENTS).text
    assert s.errors and "InternalServerError" in s.errors[0]
