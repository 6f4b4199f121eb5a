"""Benefit amounts against eligibility thresholds: the card quotes what is given, not the means test."""

import re

import pytest

from assistant.advisor.quantities import BenefitLooks, benefit_amount
from assistant.types import EntryRecord, Scope
from tests.advisor.test_extractive import card

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("sentence", [
    "기준 중위소득 65% 이하인 가구의 구성원입니다.",
    "월 임금총액 300만 원 이하인 청년입니다.",
    "재산 1억 3천만 원 초과 가구는 제외합니다.",
    "연 매출 3억 원 미만 소상공인이 대상입니다.",
    "소득인정액이 기준 중위소득(생계급여) 30% 이하인 가구입니다.",
    "개인신용평점 하위 20% 이하인 자영업자입니다.",  # a share of the population, ranked
    "건강보험료 상위 10% 가구는 제외합니다.",
])
def test_a_means_test_is_not_an_amount(sentence):
    assert benefit_amount(sentence) is None


@pytest.mark.parametrize("sentence, amount", [
    ("1인당 연간 35만 원 사용이 가능한 카드를 지원합니다.", "35만 원"),
    ("월 최대 20만 원을 12개월 동안 지급합니다.", "20만 원"),
    ("소득 초과 가정은 이용료의 40% 본인 부담입니다.", "40%"),
    ("1회 30만 원 이하로 지원합니다.", "30만 원"),  # a cap on the benefit, not a means test
    ("기준 중위소득 120% 이하 가정은 1일 15,000원을 냅니다.", "15,000원"),  # the threshold skipped, the fee kept
])
def test_what_is_given_or_paid_is_an_amount(sentence, amount):
    found = benefit_amount(sentence)
    assert found is not None and found.group(0).replace(" ", "") == amount.replace(" ", "")


def test_benefit_looks_takes_words_or_an_amount():
    looks = BenefitLooks(re.compile("무료"))
    assert looks.search("돌봄서비스를 무료로 제공합니다.")
    assert looks.search("월 10만 원을 드립니다.")
    assert not looks.search("기준 중위소득 50% 이하 가구입니다.")


def test_the_card_quotes_the_benefit_when_the_who_sentence_is_full_of_thresholds():
    entry = EntryRecord(
        entry_id="v", title="학습바우처", scope=Scope.national,
        content=("학습바우처 대상은 기준 중위소득 65% 이하인 가구의 성인입니다.\n\n"
                 "학습바우처는 1인당 연간 35만 원을 쓸 수 있는 카드를 드립니다.\n\n"
                 "학습바우처 신청은 누리집에서 합니다.\n\n학습바우처 문의는 콜센터 1600-0000 입니다."),
    )
    text = card("학습바우처 알려 주세요", entry)
    assert "35만 원" in text and "65% 이하" in text


def test_a_question_about_the_limit_asks_how_much_and_gets_the_cap():
    from assistant.advisor.generators import asked
    assert "amount" in asked("대출 한도가 어떻게 되나요?") and "amount" in asked("상한이 있나요?")
    entry = EntryRecord(
        entry_id="m", title="소액대출", scope=Scope.national,
        content=("소액대출 대상은 개인신용평점 하위 20% 이하인 자영업자입니다.\n\n"
                 "소액대출은 운영자금을 무담보로 빌려 드립니다.\n"
                 "운영자금은 2000 만 원 이내로 지원합니다.\n\n"
                 "소액대출 신청은 앱에서 합니다.\n\n소액대출 문의는 콜센터 1397 입니다."),
    )
    assert "2000 만 원" in card("가게 운영자금 한도가 어떻게 되고 어디서 신청하나요?", entry)
