import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.text.pii import (
    ACCOUNT_NUMBER,
    CARD_NUMBER,
    EMAIL,
    PHONE_NUMBER,
    RESIDENT_NUMBER,
    MaskResult,
    contains_pii,
    mask_pii,
)

pytestmark = pytest.mark.unit

RRN, CARD, PHONE, ACCOUNT = RESIDENT_NUMBER, CARD_NUMBER, PHONE_NUMBER, ACCOUNT_NUMBER

# (sentence, the personal-data span in it, its kind)
POSITIVES = [
    ("제 주민번호는 900101-1234567이고요", "900101-1234567", RRN),
    ("주민등록번호 850315 2345678 입니다", "850315 2345678", RRN),
    ("주민번호 9001011234567요", "9001011234567", RRN),
    ("주민번호가 900101 - 1234567 맞아요", "900101 - 1234567", RRN),
    ("주민번호가 750101–1234567인데요", "750101–1234567", RRN),
    ("2000년생이라 000229-3123456이에요", "000229-3123456", RRN),
    ("외국인등록번호는 910203-5123456입니다", "910203-5123456", RRN),
    ("외국인 등록번호 880808-6234567 이고요", "880808-6234567", RRN),
    ("주민번호 9 0 0 1 0 1 1 2 3 4 5 6 7 이요", "9 0 0 1 0 1 1 2 3 4 5 6 7", RRN),
    ("앞자리 9 0 0 1 0 1 - 2 3 4 5 6 7 8 이에요", "9 0 0 1 0 1 - 2 3 4 5 6 7 8", RRN),
    ("카드번호 1234-5678-9012-3456 분실했어요", "1234-5678-9012-3456", CARD),
    ("카드 1234 5678 9012 3456 이요", "1234 5678 9012 3456", CARD),
    ("4111111111111111로 결제했는데 취소가 안 돼요", "4111111111111111", CARD),
    ("체크카드 9410-1234-5678-9012번이요", "9410-1234-5678-9012", CARD),
    ("아멕스 3782-822463-10005 입니다", "3782-822463-10005", CARD),
    ("아멕스 카드 378282246310005요", "378282246310005", CARD),
    ("아멕스 3714 496353 98431", "3714 496353 98431", CARD),
    ("제 번호는 010-1234-5678이에요", "010-1234-5678", PHONE),
    ("01012345678로 문자 주세요", "01012345678", PHONE),
    ("핸드폰 010 1234 5678 입니다", "010 1234 5678", PHONE),
    ("옛날 번호 011-123-4567도 있어요", "011-123-4567", PHONE),
    ("016-9876-5432로 해 주세요", "016-9876-5432", PHONE),
    ("집 전화 02-123-4567이요", "02-123-4567", PHONE),
    ("사무실은 02-1234-5678입니다", "02-1234-5678", PHONE),
    ("031-1234-5678로 연락 주세요", "031-1234-5678", PHONE),
    ("제주 집은 064-712-3456이에요", "064-712-3456", PHONE),
    ("해외라서 +82 10-1234-5678로 주세요", "+82 10-1234-5678", PHONE),
    ("+82-10-9876-5432 입니다", "+82-10-9876-5432", PHONE),
    ("(02) 123-4567로 전화 주세요", "(02) 123-4567", PHONE),
    ("010.1234.5678 이에요", "010.1234.5678", PHONE),
    ("인터넷 전화 070-1234-5678", "070-1234-5678", PHONE),
    ("번호가 0 1 0 1 2 3 4 5 6 7 8 이요", "0 1 0 1 2 3 4 5 6 7 8", PHONE),
    ("계좌번호 110-123-456789로 입금해 주세요", "110-123-456789", ACCOUNT),
    ("우리은행 1002-123-456789요", "1002-123-456789", ACCOUNT),
    ("123-456789-01-234 계좌로 받았어요", "123-456789-01-234", ACCOUNT),
    ("농협 356-0123-4567-83이요", "356-0123-4567-83", ACCOUNT),
    ("국민은행 123456-01-123456", "123456-01-123456", ACCOUNT),
    ("하나은행 123-456789-01234 입니다", "123-456789-01234", ACCOUNT),
    ("신한 110 - 123 - 456789 맞나요", "110 - 123 - 456789", ACCOUNT),
    ("계좌 110123456789로 보내 주세요", "110123456789", ACCOUNT),
    ("이메일은 hong.gildong@naver.com 입니다", "hong.gildong@naver.com", EMAIL),
    ("kim_01@daum.net으로 보내 주세요", "kim_01@daum.net", EMAIL),
    ("메일 user+tag@example.co.kr 로", "user+tag@example.co.kr", EMAIL),
    ("HONG01012345678@Gmail.COM 이요", "HONG01012345678@Gmail.COM", EMAIL),
]

NEGATIVES = [
    "가스 시설 문의는 1544-4500으로 전화하세요",
    "보건복지상담센터 129로 문의하세요",
    "여성긴급전화 1366은 24시간 운영합니다",
    "다산콜센터 120번",
    "서울 밖에서는 02-120으로 거세요",
    "1600-3190 으로 문의",
    "국민연금 1355, 건강보험 1577-1000",
    "1588 1234로 전화 주세요",
    "출산장려금 25만 원을 지원합니다",
    "월 250000원씩 받아요",
    "10억 원 이하, 1234567890원은 안 됩니다",
    "2024-05-01부터 신청하세요",
    "2024.5.1. 이후 출생아",
    "2024. 5. 1.부터",
    "20240501 접수분부터",
    "2024년 5월 1일",
    "1990년생이에요",
    "만 65세 이상 어르신",
    "기준 중위소득 50% 이하, 금리 3.5%",
    "2인 가구 3,683,000원",
    "2023-2024학년도",
    "1~3개월, 14:30까지",
    "신청서 5부, 사진 2매",
    "2024-05-01~2024-12-31 기간",
]


@pytest.mark.parametrize(("sentence", "span", "kind"), POSITIVES, ids=[p[1] for p in POSITIVES])
def test_personal_data_is_replaced_by_a_placeholder_of_its_kind(sentence, span, kind):
    result = mask_pii(sentence)
    assert result.text == sentence.replace(span, f"[{kind}]")
    assert result.counts == {kind: 1}
    assert contains_pii(sentence)


@pytest.mark.parametrize("sentence", NEGATIVES)
def test_agency_numbers_amounts_and_dates_are_kept(sentence):
    assert mask_pii(sentence) == MaskResult(sentence, {})
    assert not contains_pii(sentence)


def test_corpus_is_large_and_covers_every_kind():
    assert len(POSITIVES) >= 40 and len(NEGATIVES) >= 20
    assert {k for _, _, k in POSITIVES} == {RRN, CARD, PHONE, ACCOUNT, EMAIL}


def test_several_kinds_in_one_transcript_are_counted():
    text = ("상담사: 본인 확인하겠습니다. 고객: 900101-1234567이고 010-1234-5678, "
            "환급은 110-123-456789로, 메일은 a@b.kr이요. 상담사: 1544-4500도 안내드릴게요.")
    result = mask_pii(text)
    assert result.text == ("상담사: 본인 확인하겠습니다. 고객: [주민등록번호]이고 [전화번호], "
                           "환급은 [계좌번호]로, 메일은 [이메일]이요. 상담사: 1544-4500도 안내드릴게요.")
    assert result.counts == {EMAIL: 1, RRN: 1, PHONE: 1, ACCOUNT: 1}


def test_the_most_specific_kind_wins_and_a_span_is_masked_once():
    # 16 digits are a card, not a phone plus digits; 13 are a resident number, not an account
    assert mask_pii("0101-2345-6789-0123").counts == {CARD: 1}
    assert mask_pii("9001011234567").counts == {RRN: 1}
    assert mask_pii("010-1234-5678 010-1234-5678").counts == {PHONE: 2}


def test_an_agency_number_next_to_a_phone_is_kept_and_not_read_as_a_card():
    assert mask_pii("010-1234-5678 1544-4500").text == "[전화번호] 1544-4500"
    assert mask_pii("010 1234 5678 1544 4500").text == "[전화번호] 1544 4500"
    assert mask_pii("카드 1234 5678 9012 3456 유효기간 12/25").text == "카드 [카드번호] 유효기간 12/25"


def test_a_number_glued_to_another_one_is_still_masked():
    assert mask_pii("010-1234-5678-900101-1234567").text == "[전화번호]-[주민등록번호]"
    assert mask_pii("010 1234 5678 9 0 0 1 0 1 1 2 3 4 5 6 7").text == "[전화번호] [주민등록번호]"


def test_numbers_inside_longer_numbers_are_not_taken_for_phones():
    assert mask_pii("1010-1234-5678").counts == {ACCOUNT: 1}
    assert mask_pii("버전 3.010.1234").counts == {}


# Text made of digits, separators and Korean around sample numbers, so that numbers meet and overlap.
NOISE = st.text(alphabet="0123456789 -.@+()가나원abc\n", max_size=30)
FRAGMENTS = st.sampled_from(
    ["900101-1234567", "9 0 0 1 0 1 1 2 3 4 5 6 7", "1234-5678-9012-3456", "010-1234-5678", "+82 10 1234 5678",
     "02-120", "1544-4500", "110-123-456789", "a.b@c.kr", "2024-05-01", "25만 원", " ", "-"]
)
MIXED = st.lists(st.one_of(NOISE, FRAGMENTS), max_size=8).map("".join)

DIGIT = st.integers(0, 9).map(str)
WORDS = st.text(alphabet="가나다라 주민번호는이고요,.abc", max_size=15)


@st.composite
def resident_numbers(draw):
    front = "".join(draw(st.lists(DIGIT, min_size=6, max_size=6)))
    back = draw(st.integers(1, 8).map(str)) + "".join(draw(st.lists(DIGIT, min_size=6, max_size=6)))
    sep = draw(st.sampled_from(["", "-", " ", " - ", "–", "  "]))
    if draw(st.booleans()):  # STT: digit by digit
        front, back = " ".join(front), " ".join(back)
        sep = sep or " "
    return front + sep + back


@given(MIXED)
def test_masking_is_idempotent(text):
    once = mask_pii(text)
    assert mask_pii(once.text) == MaskResult(once.text, {})


@given(WORDS, resident_numbers(), WORDS)
def test_no_digits_of_a_resident_number_survive(before, number, after):
    result = mask_pii(before + number + after)
    assert result.counts.get(RRN) == 1
    assert not re.search(r"\d", result.text)


@given(MIXED)
def test_no_resident_number_survives_in_any_surroundings(text):
    masked = mask_pii(text).text
    assert not re.search(r"(?<!\d)\d{6}[- ]?[1-8]\d{6}(?!\d)", masked)
