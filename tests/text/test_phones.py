"""One module finds phone numbers for masking, the KB import, the answer card and the eval metrics."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.evals.normalize import numbers
from assistant.text import phones
from assistant.text.pii import mask_pii

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, found", [
    ("상담 1544-4500으로", ["1544-4500"]),
    ("다산콜센터 02-120", ["02-120"]),
    ("아동권리보장원(02-6454-8500)", ["02-6454-8500"]),
    ("휴대전화 010-1234-5678", ["010-1234-5678"]),
    ("계좌 123-456789-01", []),  # a group longer than four digits is not a phone
    ("2024-01-15 접수", []),  # a date
    ("월 20만 원, 12개월", []),
])
def test_written_numbers_are_hyphen_joined_groups(text, found):
    assert phones.WRITTEN.findall(text) == found


@pytest.mark.parametrize("text, gives", [
    ("보건복지상담센터 129번으로", True), ("여성긴급전화(1366)", True), ("국세상담센터 126 (평일)", True),
    ("문의 1544-4500", True), ("2024년 1월부터", False), ("만 65세 이상", False), ("최대 120만 원", False),
])
def test_the_card_knows_a_sentence_that_gives_a_number(text, gives):
    assert phones.gives_phone(text) is gives


# The answer card's own pattern before there was one module; the shared one must answer alike.
_CARD_BEFORE = re.compile(r"(?<!\d)\d{2,4}-\d{3,4}(?:-\d{4})?(?!\d)|(?<![\d-])1\d{2,3}(?=번|\)|\s*\()")


@given(st.text(alphabet="0123456789--( )번원", max_size=24))
def test_the_card_finds_a_number_exactly_where_it_did(text):
    assert phones.gives_phone(text) == bool(_CARD_BEFORE.search(text))


def test_contact_numbers_keep_order_and_bracketed_short_numbers_once():
    text = "보건복지상담센터(129), 아이사랑 헬프데스크(1566-3232), 다시 보건복지상담센터(129), 중앙 02-3433-0743"
    assert phones.contact_numbers(text) == ["(129)", "1566-3232", "02-3433-0743"]


def test_masking_keeps_agency_numbers_and_hides_personal_ones():
    r = mask_pii("제 번호 010-1234-5678, 상담은 1544-4500, 다산 02-120")
    assert r.counts == {"전화번호": 1}
    assert "1544-4500" in r.text and "02-120" in r.text
    assert all(phones.PERSONAL.search(t) is None for t in ("1544-4500", "129", "02-120"))


def test_eval_numbers_keep_phones_whole_and_amounts_canonical():
    assert numbers("월 20만 원, 문의 02-6454-8500") == ["200000", "02-6454-8500"]
