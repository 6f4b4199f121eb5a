"""The urgent-term dictionary, matched on the project's kiwi morphemes."""

from __future__ import annotations

import pytest

from assistant.ops.alerts.terms import InvalidTerm, TermMatcher, TermRow, applies, parse_tsv, shipped_terms

pytestmark = pytest.mark.integration  # kiwi


@pytest.fixture(scope="module")
def matcher(tokenizer) -> TermMatcher:
    return TermMatcher(shipped_terms(), tokenizer.tagged)


@pytest.mark.parametrize(("question", "topic"), [
    ("물이 안 나와요", "단수"),
    ("어제 저녁부터 수돗물이 안 나오는데 언제 나와요?", "단수"),
    ("물이안나와요", "단수"),                      # spacing does not decide it
    ("아파트 전체가 정전이에요", "정전"),
    ("가스 냄새가 심하게 나요", "가스 누출"),
    ("지하 주차장에 물이 차올라요", "침수"),
    ("갑자기 도로가 꺼졌어요", "싱크홀"),
    ("옆 건물에 불이 났어요", "화재"),
])
def test_everyday_phrasings_find_their_topic(matcher, tokenizer, question, topic):
    assert topic in matcher.match(tokenizer.tagged(question), "서울특별시 강남구")


@pytest.mark.parametrize("question", [
    "물이 잘 나와요",                  # no negation: not a complaint
    "수도 요금 고지서 문의",
    "기초연금 신청 방법",
    "출산장려금 얼마 받을 수 있나요",
])
def test_ordinary_questions_match_no_urgent_topic(matcher, tokenizer, question):
    assert matcher.match(tokenizer.tagged(question), "서울특별시 강남구") == []


def test_words_far_apart_do_not_make_a_phrasing(tokenizer):
    m = TermMatcher([TermRow("단수", "물이 안 나와요")], tokenizer.tagged)
    near = "물이 안 나와요"
    far = "물 어디서 사요 그리고 안내문은 언제 나와요"
    assert m.match(tokenizer.tagged(near)) == ["단수"]
    assert m.match(tokenizer.tagged(far)) == []


def test_a_row_with_a_region_applies_there_and_in_its_districts_only(tokenizer):
    m = TermMatcher([TermRow("한강 범람", "한강 수위", "서울특별시")], tokenizer.tagged)
    q = tokenizer.tagged("한강 수위가 너무 높아요")
    assert m.match(q, "서울특별시 마포구") == ["한강 범람"]
    assert m.match(q, "서울특별시") == ["한강 범람"]
    assert m.match(q, "경기도 고양시") == []
    assert applies("서울특별시 중구", "서울특별시 중구") and not applies("서울특별시 중구", "서울특별시 중랑구")


def test_the_shipped_dictionary_covers_the_issue_topics():
    topics = {r.topic for r in shipped_terms()}
    assert {"단수", "정전", "가스 누출", "침수", "싱크홀", "폭설", "한파", "화재", "도로 통제", "감염병"} <= topics


def test_bad_tsv_lines_are_all_reported_with_the_accepted_form():
    with pytest.raises(InvalidTerm) as exc:
        parse_tsv("단수\t물이 안 나와요\n정전\n\t가스 냄새\n# a comment\n")
    assert len(exc.value.problems) == 2
    assert "topic<TAB>phrasing" in str(exc.value)


def test_a_phrasing_with_nothing_to_match_on_is_refused(tokenizer):
    with pytest.raises(InvalidTerm, match="no word to match on"):
        TermMatcher([TermRow("단수", "이요")], tokenizer.tagged)
