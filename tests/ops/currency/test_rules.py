"""The 현행화 rules and report as pure functions, and the phone rule against the shipped manuals' real numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assistant.errors import InvalidQuery
from assistant.kb import importers
from assistant.ops.currency.report import EntryFacts, assess, render_csv, render_html, summarize, unit_of
from assistant.ops.currency.rules import (
    high_demand,
    last_update,
    parse_quarter,
    quarter_of,
    source_date,
    stale_findings,
)
from assistant.text.phones import PHONE_LIKE, phone_problem
from tests.conftest import SHIPPED

pytestmark = pytest.mark.unit
Q4 = parse_quarter("2026Q4")


def rules(content: str, contact: str = "", quarter=Q4) -> set[str]:
    return {f.rule for f in stale_findings(content, contact, quarter)}


@pytest.mark.parametrize("q", [1, 2, 3, 4])
def test_quarters_tile_the_year(q):
    quarter = parse_quarter(f"2026Q{q}")
    assert quarter_of(quarter.start) == quarter_of(quarter.end) == quarter
    following = parse_quarter(f"2026Q{q + 1}").start if q < 4 else date(2027, 1, 1)
    assert quarter.start.month == 3 * q - 2 and quarter.end.toordinal() + 1 == following.toordinal()


@pytest.mark.parametrize("bad", ["2026Q5", "2026Q0", "26Q4", "2026-4", "Q4", "", "2026Q4x", "1999Q1"])
def test_a_bad_quarter_names_the_accepted_form(bad):
    with pytest.raises(InvalidQuery, match="YYYYQn"):
        parse_quarter(bad)


def test_last_update_is_the_later_of_the_source_and_an_edit_here():
    edited = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 1 November in Seoul
    assert last_update("20240105", edited) == date(2026, 11, 1)
    assert last_update("20261201", edited) == source_date("20261201")
    assert last_update("2025", None) == date(2025, 1, 1)
    assert last_update("", None) is None


def test_each_stale_rule_fires_on_its_own_and_not_on_current_text():
    assert rules("문의: 016-321-4567") == {"phone_retired"}
    assert rules("문의: 0245-123-4567") == {"phone_malformed"}
    assert rules("2026년 9월 30일까지 신청하세요") == {"deadline_past"}  # over before Q4 began; the year is current
    assert rules("사업기간 2025. 1. 1. ~ 2025. 12. 31.") == {"deadline_past", "year_past"}
    assert rules("2024년 지원금액은 월 10만원입니다") == {"year_past"}
    assert rules("2027년 3월 31일까지 신청, 문의 02-2133-7000 또는 1588-0466, 1,000-2,000만원 지원") == set()
    assert rules("2026년 9월 30일까지 신청하세요", quarter=parse_quarter("2026Q3")) == set()


def test_the_phone_rule_accepts_every_number_the_shipped_manuals_give():
    """The manuals' real numbers (agency, area-code and 1588 numbers) are all valid forms: no false alarms."""
    records = importers.read_kb_jsonl(SHIPPED)
    numbers = [m.group(0) for r in records for m in PHONE_LIKE.finditer(f"{r.contact}\n{r.content}")]
    assert len(numbers) > 100
    assert [n for n in numbers if phone_problem(n)] == []


def test_high_demand_is_the_top_share_with_a_minimum():
    demand = {f"e{i}": i for i in range(1, 41)}  # 40 entries asked about 1..40 times
    top = high_demand(demand, share=0.1, minimum=3)
    assert top == {f"e{i}" for i in range(37, 41)}
    assert high_demand({"a": 2, "b": 1}) == set()  # the most asked, but too rarely to matter
    assert high_demand({}) == set()


def facts(i: int, **kw) -> EntryFacts:
    base = dict(entry_id=f"e{i}", title=f"항목 {i}", scope="sigungu", sido="서울특별시",
                sigungu=["강남구", "중구"][i % 2], department="서울특별시 강남구 복지정책과", updated="20240101")
    return EntryFacts(**{**base, **kw})


def test_units_count_what_the_entries_say():
    entries = [facts(i, updated="20261015" if i % 3 == 0 else "20240101",
                     contact="011-222-3333" if i % 4 == 0 else "") for i in range(12)]
    entries += [facts(100, scope="sido", sigungu="", department="서울특별시 복지정책실 복지정책과"),
                facts(101, scope="agency", sigungu="", department="서울특별시교육청 학생지원과")]
    statuses = assess(entries, Q4, {"e1": 9, "e2": 1})
    units = {u.unit: u for u in summarize(statuses)}
    assert set(units) == {"서울특별시 강남구", "서울특별시 중구", "서울특별시 복지정책실", "서울특별시교육청"}
    for name, u in units.items():
        mine = [s for s in statuses if s.unit == name]
        assert u.entries == len(mine)
        assert u.updated == sum(s.facts.updated == "20261015" for s in mine)
        assert u.stale == sum(bool(s.facts.contact) for s in mine)
    assert units["서울특별시 중구"].high_demand_not_updated == 1  # e1: asked 9 times, last updated 2024


def test_unit_of_each_kind():
    assert unit_of(facts(0)) == ("district", "서울특별시 강남구")
    assert unit_of(facts(0, sigungu="", department="")) == ("department", "서울특별시 (부서 미기재)")
    assert unit_of(facts(0, sido="", sigungu="", department="보건복지부 복지정책과")) == ("national", "보건복지부")


def test_the_csv_and_html_hold_the_same_entries_escaped():
    entries = [facts(1, title="<script>alert(1)</script> 안내", content="2024년 12월 31일까지"), facts(2, updated="20261101")]
    statuses = assess(entries, Q4, {})
    units_csv = render_csv(Q4, statuses, "units").lstrip("\ufeff").splitlines()
    assert len(units_csv) == 1 + len(summarize(statuses))
    todo_csv = render_csv(Q4, statuses, "entries")
    assert "e1" in todo_csv and "e2" not in todo_csv
    page = render_html(Q4, statuses, region="서울특별시", generated=datetime(2026, 12, 2, tzinfo=UTC))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<td>e1</td>") == 1 and "<td>e2</td>" not in page
