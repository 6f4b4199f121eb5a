"""The new entry proposed from a knowledge-gap group, as a pure function: what it is titled, where it applies,
what its text is made of."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.feedback.proposal import PLACEHOLDER, propose, region_of, title_of
from assistant.kb.models import EntryCreate
from assistant.types import Region

pytestmark = pytest.mark.unit
GANGNAM, JUNG = Region("서울특별시", "강남구"), Region("서울특별시", "중구")


def test_the_title_is_the_shortest_question_saying_what_most_share():
    questions = ["여권 재발급 어디서 해요", "여권 재발급 서류 뭐예요", "재발급 여권 수수료", "운전면허  갱신"]
    assert title_of(questions, str.split) == "재발급 여권 수수료"
    assert title_of(["지하철  분실물 찾는 곳"], str.split) == "지하철 분실물 찾는 곳"
    assert title_of([], str.split) == "새 항목"


@pytest.mark.parametrize(("regions", "expected"), [
    ([GANGNAM, GANGNAM, JUNG], GANGNAM),
    ([GANGNAM, JUNG, Region("서울특별시"), Region("서울특별시", "마포구")], Region("서울특별시")),
    ([GANGNAM, Region("부산광역시", "중구"), Region("대구광역시")], Region()),
    ([Region(), Region()], Region()),
])
def test_it_applies_where_most_callers_were(regions, expected):
    assert region_of(regions) == expected


def test_the_text_carries_the_questions_and_what_the_counselors_said():
    records = [{"call_id": "c1", "문의": "여권 재발급", "상담사 안내": "구청 민원여권과에서 재발급합니다", "결과": "확인 필요"},
               {"call_id": "c2", "문의": "여권", "상담사 안내": "", "결과": "이관: 외교부"}]
    p = propose(["여권 재발급 어디서", "여권 재발급 서류"], records, tokenize=str.split, regions=[GANGNAM, GANGNAM],
                categories=["생계 지원", "생계 지원", ""], today=date(2026, 12, 2))
    assert p["content"].startswith(PLACEHOLDER)
    assert "- 여권 재발급 어디서" in p["content"] and "- 구청 민원여권과에서 재발급합니다" in p["content"]
    assert "확인 필요 1건" in p["content"] and "이관: 외교부 1건" in p["content"]
    assert (p["scope"], p["sido"], p["sigungu"], p["category"]) == ("sigungu", "서울특별시", "강남구", "생계 지원")
    fields = {k: p[k] for k in ("entry_id", "title", "content", "scope", "sido", "sigungu", "category")}
    assert EntryCreate.model_validate(fields).entry_id.startswith("gap:20261202-")  # a valid create draft


def test_the_same_questions_propose_the_same_id_and_others_another():
    a = propose(["여권 재발급"], [], tokenize=str.split, today=date(2026, 12, 2))
    assert a["entry_id"] == propose(["여권 재발급"], [], tokenize=str.split, today=date(2026, 12, 2))["entry_id"]
    assert a["entry_id"] != propose(["지하철 분실물"], [], tokenize=str.split, today=date(2026, 12, 2))["entry_id"]
