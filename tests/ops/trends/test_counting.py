"""The trend figures as pure functions: each checked against the same count made another way."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from assistant.errors import InvalidQuery
from assistant.ops.trends.counting import (
    KST,
    NO_ANSWER,
    OTHERS,
    QuestionRow,
    Window,
    abstentions,
    parse_window,
    series,
    top_entries,
    unanswered,
)

pytestmark = pytest.mark.unit

TOPICS = ["임신·출산", "장애인 지원", "", "교육", "주거"]
DISTRICTS = ["서울특별시 강남구", "서울특별시 중구", "", "부산광역시 중구"]
WINDOW = Window(date(2026, 11, 1), date(2026, 11, 7))


def rows(n: int = 400, seed: int = 7) -> list[QuestionRow]:
    rnd = random.Random(seed)
    start = WINDOW.since - timedelta(hours=12)  # some before the window, some after
    out = []
    for i in range(n):
        at = start + timedelta(minutes=rnd.randrange(0, (WINDOW.days + 1) * 24 * 60))
        abstained = rnd.random() < 0.15
        entry = "" if abstained else f"e{rnd.randrange(12)}"
        out.append(QuestionRow(at=at, district=rnd.choice(DISTRICTS), topic="" if abstained else rnd.choice(TOPICS),
                               entry_id=entry, title=entry.upper(), abstained=abstained,
                               low_confidence=not abstained and rnd.random() < 0.1, thumbs_down=rnd.random() < 0.05,
                               question=rnd.choice(["여권 재발급 어디서", "지하철 분실물 찾기", "출산축하금 얼마"]),
                               suggestion_id=i + 1))
    return out


def inside(rs: list[QuestionRow]) -> list[QuestionRow]:
    return [r for r in rs if WINDOW.since <= r.at < WINDOW.until]


@pytest.mark.parametrize("by", ["topic", "district"])
def test_hours_add_up_to_days_and_days_to_the_questions_in_the_window(by):
    rs = rows()
    hourly, daily = series(rs, WINDOW, unit="hour", by=by), series(rs, WINDOW, unit="day", by=by)
    assert len(hourly.buckets) == WINDOW.days * 24 and len(daily.buckets) == WINDOW.days
    assert sum(hourly.totals().values()) == sum(daily.totals().values()) == len(inside(rs)) < len(rs)
    for name, counts in daily.values.items():
        per_day = [sum(hourly.values[name][d * 24:(d + 1) * 24]) for d in range(WINDOW.days)]
        assert per_day == counts, name


def test_days_are_counted_on_the_call_centers_clock():
    # 15:30 UTC on 1 November is 00:30 on 2 November in Seoul
    r = QuestionRow(datetime(2026, 11, 1, 15, 30, tzinfo=UTC), "서울특별시 강남구", "교육", "e1")
    daily = series([r], WINDOW, unit="day", by="topic")
    hourly = series([r], WINDOW, unit="hour", by="topic")
    assert daily.values["교육"][daily.buckets.index("2026-11-02")] == 1
    assert hourly.values["교육"][hourly.buckets.index("2026-11-02T00:00")] == 1
    assert r.at.astimezone(KST).date() == date(2026, 11, 2)


def test_an_abstained_question_has_no_topic_of_its_own():
    r = QuestionRow(WINDOW.since, "", "교육", "", abstained=True)
    assert series([r], WINDOW, unit="day", by="topic").totals() == {NO_ANSWER: 1}


def test_capping_keeps_every_question():
    full = series(rows(), WINDOW, unit="day", by="topic")
    capped = full.capped(2)
    assert len(capped.values) == 3 and OTHERS in capped.values
    assert [sum(c) for c in zip(*capped.values.values(), strict=True)] == \
        [sum(c) for c in zip(*full.values.values(), strict=True)]


def test_top_entries_rank_by_questions_answered_with_them():
    rs = inside(rows())
    answered = Counter(r.entry_id for r in rs if not r.abstained)
    weak = Counter(r.entry_id for r in rs if not r.abstained and not r.answered_well)
    top = top_entries(rs, n=5)
    assert [e["count"] for e in top] == sorted(answered.values(), reverse=True)[:5]
    assert all(e["count"] == answered[e["entry_id"]] and e["not_good"] == weak[e["entry_id"]] for e in top)


def test_unanswered_groups_hold_exactly_the_questions_without_a_good_answer():
    rs = inside(rows())
    groups = unanswered(rs, str.split, n=1000)
    bad = [r for r in rs if not r.answered_well]
    assert sum(g["count"] for g in groups) == len(bad)
    assert sum(g["kinds"]["abstained"] for g in groups) == sum(r.abstained for r in rs)
    ids = {i for g in groups for i in g["suggestion_ids"]}
    assert ids <= {r.suggestion_id for r in bad}
    assert [g["count"] for g in groups] == sorted((g["count"] for g in groups), reverse=True)


def test_abstention_rate_per_day():
    rs = inside(rows())
    days = abstentions(rs, WINDOW)
    assert sum(d["questions"] for d in days) == len(rs)
    for d in days:
        mine = [r for r in rs if r.at.astimezone(KST).date().isoformat() == d["day"]]
        assert d["abstained"] == sum(r.abstained for r in mine)
        assert d["rate"] == pytest.approx(d["abstained"] / len(mine), abs=1e-4)


@pytest.mark.parametrize(("start", "end", "says"), [
    ("2026-13-01", None, "from must be a date as YYYY-MM-DD"),
    (None, "어제", "to must be a date as YYYY-MM-DD"),
    ("2026-11-07", "2026-11-01", "is after to"),
    ("2024-01-01", "2026-11-01", "at most 366"),
])
def test_bad_ranges_say_what_is_accepted(start, end, says):
    with pytest.raises(InvalidQuery, match=says):
        parse_window(start, end, today=date(2026, 12, 1))


def test_the_default_range_is_the_last_seven_days():
    w = parse_window(None, None, today=date(2026, 12, 1))
    assert (w.start, w.end, w.days) == (date(2026, 11, 25), date(2026, 12, 1), 7)
