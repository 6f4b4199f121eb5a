"""GET /v1/trends against what the service stored while it answered: counts equal the stored suggestions counted
another way, CSV tables equal the JSON, days follow Seoul's clock, and every bad input is a 422 saying why."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from assistant.feedback.models import Suggestion
from assistant.kb.db import session_scope

pytestmark = pytest.mark.integration

GANGNAM, JUNG = "서울특별시 강남구", "서울특별시 중구"
ASKED = [("출산축하금 얼마 받을 수 있어요", GANGNAM), ("출산축하금 신청 방법", GANGNAM), ("출산장려금 지원 대상", JUNG),
         ("장애인 활동 지원 신청", JUNG), ("기초연금 받을 수 있나요", ""), ("여권 재발급 어디서 해요", GANGNAM),
         ("지하철 분실물 찾는 곳", JUNG)]


@pytest.fixture(scope="module")
def answers(counselor) -> list[dict]:
    out = []
    for question, region in ASKED:
        r = counselor.post("/v1/advise", json={"question": question, "region": region or None})
        assert r.status_code == 200, r.text
        out.append({**r.json(), "region": region})
    # one answer marked wrong by the counselor: no longer a good answer
    first = next(a for a in out if not a["abstained"])
    assert counselor.post("/v1/feedback", json={"suggestion_id": first["suggestion_id"], "kind": "thumbs_down",
                                                "reason": "outdated"}).status_code == 201
    return out


def trends(client, **params) -> dict:
    r = client.get("/v1/trends", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def read_csv(client, **params) -> list[dict[str, str]]:
    r = client.get("/v1/trends", params={**params, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    assert r.text.startswith("\ufeff") and "attachment" in r.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))


def test_counts_equal_the_answers_given(supervisor, answers):
    t = trends(supervisor)
    assert t["questions"] == len(answers)
    assert t["abstained"] == sum(a["abstained"] for a in answers) > 0
    for key in ("hourly_topic", "hourly_district", "daily_topic", "daily_district"):
        assert sum(s["total"] for s in t[key]["series"]) == len(answers), key
    by_district = {s["name"]: s["total"] for s in t["daily_district"]["series"]}
    assert by_district == dict(Counter(a["region"] or "지역 모름" for a in answers))
    answered = Counter(a["hits"][0]["entry_id"] for a in answers if not a["abstained"])
    assert {e["entry_id"]: e["count"] for e in t["entries"]} == dict(answered)
    assert sum(e["not_good"] for e in t["entries"]) >= 1  # the answer marked wrong


def test_topics_are_the_answering_entries_categories(supervisor, answers, rt):
    t = trends(supervisor)
    snap = rt.manager.holder.snapshot
    expected = Counter("(답변 보류)" if a["abstained"] else (snap.entries[a["hits"][0]["entry_id"]].category or "(분야 없음)")
                       for a in answers)
    assert {s["name"]: s["total"] for s in t["daily_topic"]["series"]} == dict(expected)


def test_unanswered_holds_the_abstained_low_and_marked_questions(supervisor, answers):
    t = trends(supervisor)
    bad = [a for a in answers if a["abstained"] or a["confidence_level"] == "low"]
    kinds = Counter()
    for g in t["unanswered"]:
        kinds.update(g["kinds"])
    assert kinds["abstained"] == sum(a["abstained"] for a in answers)
    assert kinds["thumbs_down"] == 1
    ids = {i for g in t["unanswered"] for i in g["suggestion_ids"]}
    assert {a["suggestion_id"] for a in bad} <= ids


def test_a_region_keeps_its_own_questions(supervisor, answers):
    assert trends(supervisor, region="서울 강남구")["questions"] == sum(a["region"] == GANGNAM for a in answers)
    assert trends(supervisor, region="서울특별시")["questions"] == sum(a["region"].startswith("서울") for a in answers)
    assert trends(supervisor, region="부산광역시")["questions"] == 0


def test_each_csv_table_equals_the_json(supervisor, answers):
    t = trends(supervisor)
    daily = read_csv(supervisor, table="daily")
    assert sum(int(r["질문 수"]) for r in daily if r["구분"] == "분야") == t["questions"]
    assert sum(int(r["질문 수"]) for r in daily if r["구분"] == "지역") == t["questions"]
    hourly = read_csv(supervisor, table="hourly")
    assert sum(int(r["질문 수"]) for r in hourly if r["구분"] == "지역") == t["questions"]
    entries = read_csv(supervisor, table="entries")
    assert [(r["항목 ID"], int(r["질문 수"])) for r in entries] == [(e["entry_id"], e["count"]) for e in t["entries"]]
    groups = read_csv(supervisor, table="unanswered")
    assert [int(r["질문 수"]) for r in groups] == [g["count"] for g in t["unanswered"]]
    days = read_csv(supervisor, table="abstentions")
    assert [r["날짜"] for r in days] == [d["day"] for d in t["abstentions"]]
    assert sum(int(r["답변 보류"]) for r in days) == t["abstained"]


def test_hours_and_days_are_seoul_time(supervisor, rt):
    # 15:30 UTC on 1 November 2026 is 00:30 on 2 November in Seoul
    with session_scope(rt.engine) as s:
        s.add(Suggestion(created_at=datetime(2026, 11, 1, 15, 30, tzinfo=UTC), question="자정 넘어 들어온 질문",
                         region=JUNG, abstained=True, confidence_level="none"))
    t = trends(supervisor, **{"from": "2026-11-02", "to": "2026-11-02"})
    assert t["questions"] == 1
    hours = t["hourly_district"]
    line = next(s for s in hours["series"] if s["name"] == JUNG)
    assert line["counts"][hours["buckets"].index("2026-11-02T00:00")] == 1
    assert trends(supervisor, **{"from": "2026-11-01", "to": "2026-11-01"})["questions"] == 0
    with Session(rt.engine) as s:
        assert s.exec(select(Suggestion).where(Suggestion.question == "자정 넘어 들어온 질문")).one()


@pytest.mark.parametrize(("params", "says"), [
    ({"from": "2026-02-30"}, "from must be a date as YYYY-MM-DD"),
    ({"from": "2026-11-07", "to": "2026-11-01"}, "is after to"),
    ({"from": "2025-01-01", "to": "2026-11-01"}, "at most 366"),
    ({"region": "없는시 없는구"}, "Accepted forms"),
    ({"format": "xml"}, "format"),
    ({"table": "everything"}, "table"),
    ({"top": "0"}, "top"),
])
def test_bad_input_is_a_422_that_says_why(supervisor, params, says):
    r = supervisor.get("/v1/trends", params=params)
    assert r.status_code == 422, r.text
    assert says in r.json()["error"]["message"]


def test_counselors_may_not_read_trends(counselor, supervisor, editor):
    assert counselor.get("/v1/trends").status_code == 403
    assert editor.get("/v1/trends").status_code == 200
