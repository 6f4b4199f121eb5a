"""The pure part of notices: topic words, windows, status, matching on kiwi morphemes, drafts from alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.ops.notices.logic import (
    KST,
    InvalidNotice,
    at,
    draft_from_alert,
    matched_topics,
    parse_topics,
    status_of,
    topic_terms,
    window,
)
from assistant.text.tokenizer import KoreanTokenizer

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def tok():
    t = KoreanTokenizer()
    t.load()
    return t.tokenize


def test_topics_from_a_list_or_a_comma_string_are_the_same(tok):
    assert parse_topics("단수,  수돗물 , 단수", tok) == parse_topics(["단수", "수돗물", " 단수 "], tok) == ["단수", "수돗물"]


@pytest.mark.parametrize("bad", ["", " , ", [], ["", "  "], ["요"], [3]])
def test_empty_topics_or_words_without_content_are_422_with_the_accepted_forms(bad, tok):
    with pytest.raises(InvalidNotice, match="accepted:.*separated by commas"):
        parse_topics(bad, tok)


def test_matching_is_on_morphemes_not_on_spacing_or_endings(tok):
    terms = topic_terms(["단수", "수돗물 탁함"], tok)
    ask = lambda q: matched_topics(terms, set(tok(q)))  # noqa: E731
    assert ask("역삼동인데 물이 단수돼서 안 나와요") == ["단수"]
    assert ask("수돗물이 탁함 민원") == ["수돗물 탁함"]
    assert ask("기초연금 신청하려고요") == []


def test_window_defaults_to_now_and_reads_zone_less_times_as_korean():
    now = at(6)
    start, end = window(None, None, 90, now)
    assert (start, end) == (now, now + timedelta(minutes=90))
    start, end = window(None, datetime(2026, 12, 3, 18, 0), None, now)  # 18:00 KST is 09:00 UTC
    assert end == datetime(2026, 12, 3, 9, 0, tzinfo=UTC) == datetime(2026, 12, 3, 18, 0, tzinfo=KST)


@pytest.mark.parametrize(("starts", "ends", "minutes", "message"), [
    (None, None, None, "needs an end"),
    (None, at(9), 30, "not both"),
    (at(10), at(9), None, "must be after"),
    (None, at(5), None, "has passed"),
    (None, at(6) + timedelta(days=15), None, "at most 14 days"),
    (None, None, 0, "positive"),
])
def test_bad_windows_say_what_is_wrong(starts, ends, minutes, message):
    with pytest.raises(InvalidNotice, match=message):
        window(starts, ends, minutes, at(6))


def test_status_follows_the_clock_and_an_early_end():
    s, e = at(9), at(18)
    assert [status_of(s, e, None, at(h)) for h in (8, 9, 17, 18)] == ["scheduled", "active", "active", "expired"]
    assert status_of(s, e, at(11), at(10)) == "active" and status_of(s, e, at(11), at(11)) == "ended"


def test_a_draft_from_an_alert_names_the_place_and_the_shared_words(tok):
    samples = ["역삼동인데 물이 안 나와요", "역삼동 수돗물이 안 나와요 물이", "물 안 나와요 역삼동 아파트"]
    d = draft_from_alert({"topic": "단수", "region": "서울특별시 강남구", "samples": samples, "count": 12, "id": 7},
                         tok, at(6))
    assert d["region"] == "서울특별시 강남구" and d["source_alert"] == "7"
    assert d["topics"][0] == "단수" and "역삼동" not in " ".join(d["topics"])  # the place is not a topic word
    assert d["text"].startswith("역삼동 일대 단수") and "12건" in d["text"]
    assert d["ends_at"] - d["starts_at"] == timedelta(hours=3)
    extra = topic_terms(d["topics"][1:], tok)
    assert all(matched_topics(extra, set(tok(s))) for s in samples)  # the shared words match every sample
    assert not matched_topics(extra, set(tok("서류가 언제 나오나요")))
    with pytest.raises(InvalidNotice, match="no topic"):
        draft_from_alert({"topic": " ", "region": ""}, tok, at(6))
