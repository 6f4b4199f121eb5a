"""When to apply, against dates that bound who qualifies; and a kind asked gets the rule, not its exception."""

import pytest

from assistant.advisor.generators import asked, caveat
from assistant.advisor.periods import PeriodLooks
from assistant.types import EntryRecord, Scope
from tests.advisor.test_extractive import card

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("sentence", [
    "만 18세 미만(2004년 1월 2일 이후 출생)의 부양자녀가 있는 가구입니다.",
    "2022년 6월 1일 기준 재산 합계액 2.4억 원 미만인 가구입니다.",
    "자녀 1인당 연 50만 원에서 80만 원까지 지급합니다.",
    "운영자금은 2000만 원 이내로 빌려 드립니다.",
])
def test_a_date_of_who_qualifies_or_a_bound_on_money_is_no_time(sentence):
    assert PeriodLooks().search(sentence) is None


@pytest.mark.parametrize("sentence", [
    "매년 5월에 신청하여 9월에 지급됩니다.",
    "휴가가 끝난 날 이후 12개월 이내 신청하셔야 합니다.",
    "학기중의 경우 필수 운영시간이 14시 부터 20시 까지입니다.",
    "신청 기간은 공고를 확인하세요.",
])
def test_when_to_apply_how_long_and_what_hours_are_times(sentence):
    assert PeriodLooks().search(sentence) is not None


def test_questions_about_opening_hours_ask_when():
    assert "when" in asked("돌봄센터 몇 시까지 봐줘요")
    assert "when" in asked("하루에 몇 시간 운영해요?")
    assert "when" in asked("What time does it close?")


def test_a_caveat_is_told_from_a_sentence_that_happens_to_start_with_the_same_syllable():
    assert caveat("단, 기한 후 신청 시 10% 감액 지급됩니다.")
    assert caveat("다만, 소득기준은 없습니다.")
    assert caveat("※ 예산 소진 시 마감")
    assert not caveat("단독가구는 165만 원입니다.")
    assert not caveat("단체 신청도 됩니다.")


INCENTIVE = EntryRecord(
    entry_id="i", title="양육장려금", scope=Scope.national,
    content=("양육장려금 대상은 만 18세 미만(2004년 1월 2일 이후 출생)의 자녀가 있는 가구입니다.\n\n"
             "양육장려금은 자녀 1인당 연 50만 원에서 80만 원까지 지급합니다.\n\n"
             "양육장려금 신청은 매년 5월에 하고 9월에 지급됩니다.\n\n"
             "단, 기한 후 신청 시(6월 1일부터 11월 30일) 10% 감액 지급됩니다.\n\n"
             "양육장려금 문의는 상담센터 126 입니다."),
)


def test_asked_how_much_and_when_the_card_gives_the_schedule_not_the_late_filing_rule():
    text = card("아이 한 명당 얼마씩 나오고 신청은 몇 월에 하나요?", INCENTIVE)
    assert "50만 원" in text
    assert "매년 5월" in text


def test_a_kind_already_on_the_card_earns_a_sentence_nothing():
    # the amount is told by the second sentence; for "when", the sentence that also gives a share
    # (the late-filing rule) must not outrank the schedule for a kind that is answered already
    text = card("얼마 받고 언제 신청해요?", INCENTIVE)
    assert "매년 5월" in text


def test_an_exception_is_not_quoted_without_the_rule_it_qualifies():
    entry = EntryRecord(
        entry_id="h", title="입원진료비", scope=Scope.national,
        content=("입원진료비 지원 대상은 만 15세 이하 아동입니다.\n\n"
                 "입원진료비 지원 내용은 본인부담금의 일부 지원입니다. 단, 식대는 50% 지원합니다.\n"
                 "본인부담 0%는 출생후 28일 이내의 영유아에게 적용됩니다.\n"
                 "본인부담 5%는 그 밖의 만 15세 이하 아동에게 적용됩니다.\n\n"
                 "입원진료비 문의는 상담센터 129 입니다."),
    )
    text = card("세 살 아이 입원비 본인부담은 몇 퍼센트예요?", entry)
    assert "본인부담 5%" in text or "본인부담 0%" in text
    assert "식대" not in text or "본인부담금의 일부 지원입니다" in text


def test_a_card_that_sends_the_caller_to_a_website_gives_its_address():
    entry = EntryRecord(
        entry_id="t", title="자막 TV 보급", scope=Scope.national,
        content=("자막 TV 보급 대상은 청각장애인입니다.\n\n"
                 "자막 TV 보급 내용은 자막 크기를 키울 수 있는 TV를 보급하는 것입니다.\n\n"
                 "자막 TV 보급 신청방법은 전용 누리집에서 신청하시면 됩니다.\n\n"
                 "자막 TV 보급 문의는 재단(1688-4596)으로 하시면 됩니다.\n"
                 "전용 누리집 사이트 주소는 tv.kcmf.or.kr 입니다."),
    )
    assert "tv.kcmf.or.kr" in card("자막 나오는 TV 어디에 신청해요?", entry)
    plain = EntryRecord(entry_id="p", title="방문 신청", scope=Scope.national, content=(
        "방문 신청 대상은 누구나입니다.\n\n방문 신청은 주민센터에 방문하시면 됩니다.\n\n"
        "방문 신청 문의는 129 입니다.\n\n참고 자료는 www.example.kr 에 있습니다."))
    assert "www.example.kr" not in card("어디에 신청해요?", plain)  # no website named: no address added


def test_a_blog_named_as_the_way_to_apply_brings_its_address():
    """'마을변호사 블로그 … 를 통해 확인한 후 신청': a blog is a website too, and the counselor needs its address."""
    entry = EntryRecord(
        entry_id="b", title="마을변호사", scope=Scope.national,
        content=("마을변호사 대상은 변호사가 없는 지역 주민입니다.\n\n마을변호사 내용은 무료 법률상담입니다.\n\n"
                 "마을변호사 신청방법은 마을변호사 블로그에서 담당 변호사를 확인한 후 신청하시면 됩니다.\n"
                 "마을변호사 블로그 주소는 blog.naver.com/mabyun 입니다.\n\n마을변호사 문의는 132로 하시면 됩니다."),
    )
    assert "blog.naver.com/mabyun" in card("시골이라 변호사가 없는데 법률 상담 받을 데 있어요?", entry)
