"""Notices through the API, on a real knowledge base: who may post, what is refused (422 with the accepted
forms), the push to the regions' widgets, the answer citing it above the manual, ending early, expiry, the
history and the audit log, and the draft from an alert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.api.app import create_app
from assistant.auth.models import AuditEvent
from assistant.kb.models import utcnow
from assistant.ops.notices.models import Notice, NoticeEnd
from assistant.runtime import Runtime
from tests.conftest import indexed_runtime, make_settings, token_for

pytestmark = pytest.mark.integration

WATER = {"region": "강남구", "text": "역삼동 일대 단수, 18시 복구 예정, 문의 강남구청 물관리과",
         "topics": "단수, 수돗물", "duration_minutes": 240}
ASK = {"question": "역삼동인데 수돗물이 단수됐나요 언제 나와요", "region": "서울특별시 강남구"}


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory, subset_records) -> Runtime:
    rt = indexed_runtime(make_settings(tmp_path_factory.mktemp("notices"), notice_cache_seconds=0), subset_records)
    return rt


@pytest.fixture(scope="module")
def app(rt: Runtime) -> Iterator[FastAPI]:
    app = create_app(rt.settings, runtime=rt)
    with TestClient(app):
        yield app


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def as_(rt: Runtime):
    tokens = {role: token_for(rt, role, name) for role, name in
              (("supervisor", "감독 박서연"), ("editor", "편집자 이바다"), ("counselor", "상담사 김하늘"), ("qa", "품질 한결"))}
    return lambda role: {"Authorization": f"Bearer {tokens[role]}"}


@pytest.fixture()
def clock(rt: Runtime):
    """Move the notices' clock; put back afterwards."""
    real = rt.notices.clock
    yield lambda delta: setattr(rt.notices, "clock", lambda: utcnow() + delta)
    rt.notices.clock = real


def post(client, as_, body=None, role="supervisor"):
    return client.post("/v1/notices", json=body or WATER, headers=as_(role))


def test_supervisors_and_editors_post_counselors_and_qa_may_not(client, as_):
    for role in ("supervisor", "editor"):
        r = post(client, as_, role=role)
        assert r.status_code == 201, r.text
        assert r.json()["region"] == "서울특별시 강남구" and r.json()["status"] == "active"
        assert r.json()["author"] == {"supervisor": "감독 박서연", "editor": "편집자 이바다"}[role]
    for role in ("counselor", "qa"):
        r = post(client, as_, role=role)
        assert r.status_code == 403 and r.json()["error"]["code"] == "Forbidden"
    assert client.get("/v1/notices", headers=as_("counselor")).status_code == 200


@pytest.mark.parametrize(("change", "code", "says"), [
    ({"region": "없는구"}, "UnknownRegion", "Accepted forms"),
    ({"region": "중구"}, "AmbiguousRegion", "서울특별시 중구"),
    ({"region": " "}, "InvalidNotice", "'서울특별시 강남구'"),
    ({"topics": ""}, "InvalidNotice", "accepted:"),
    ({"topics": []}, "InvalidNotice", "accepted:"),
    ({"text": "  "}, "InvalidNotice", "text is empty"),
    ({"duration_minutes": None}, "InvalidNotice", "needs an end"),
    ({"ends_at": "2020-01-01T00:00:00"}, "InvalidNotice", "not both"),
    ({"duration_minutes": 0}, "ValidationError", "duration_minutes"),
    ({"starts_at": "tomorrow"}, "ValidationError", "starts_at"),
    ({"colour": "red"}, "ValidationError", "colour"),
])
def test_bad_notices_are_422_and_say_what_is_accepted(client, as_, change, code, says, rt):
    with Session(rt.engine) as s:
        before = len(s.exec(select(Notice)).all())
    r = post(client, as_, {**WATER, **change})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code and says in r.json()["error"]["message"], r.json()
    with Session(rt.engine) as s:
        assert len(s.exec(select(Notice)).all()) == before


def test_a_posted_notice_is_pushed_to_widgets_following_its_region_only(client, as_):
    cursor = client.get("/v1/events", headers=as_("counselor")).json()["last_event_id"]
    posted = post(client, as_).json()

    def pushed(region: str | None) -> list[dict]:
        params = {"after": cursor, **({"region": region} if region else {})}
        r = client.get("/v1/events", params=params, headers=as_("counselor"))
        assert r.status_code == 200, r.text
        return [e["data"] for e in r.json()["data"] if e["kind"] == "notice"]

    assert [n["id"] for n in pushed("서울특별시 강남구")] == [posted["id"]]
    assert [n["id"] for n in pushed("서울")] == [posted["id"]]       # the whole city includes 강남구
    assert [n["id"] for n in pushed(None)] == [posted["id"]]         # no region: every region's notices
    assert pushed("서울특별시 마포구") == [] and pushed("부산광역시") == []
    assert pushed("서울특별시 강남구")[0] == posted                     # the notice as the API returned it


def test_the_answer_puts_a_matching_notice_first_with_author_and_time(client, as_):
    posted = post(client, as_).json()
    answer = client.post("/v1/advise", json=ASK, headers=as_("counselor")).json()
    mine = [n for n in answer["active_notices"] if n["id"] == posted["id"]]
    assert mine and set(mine[0]["matched"]) == {"단수", "수돗물"}
    assert mine[0]["author"] == "감독 박서연" and mine[0]["cite"] == posted["cite"]
    assert "감독 박서연" in posted["cite"] and posted["cite"].startswith("공지")
    assert answer["answer"]  # the manual answer is still there, below it
    # the stream carries it with the hits (the first event) and at the end
    with client.stream("POST", "/v1/advise", json=ASK, headers={**as_("counselor"), "Accept": "text/event-stream"}) as r:
        body = "".join(r.iter_text())
    first = body.split("\n\n")[0]
    assert first.startswith("event: hits") and f'"id":{posted["id"]}' in first.replace(" ", "")
    # another region's caller, or another topic, does not get it
    other = client.post("/v1/advise", json={**ASK, "region": "서울특별시 마포구"}, headers=as_("counselor")).json()
    assert posted["id"] not in [n["id"] for n in other["active_notices"]]
    unrelated = client.post("/v1/advise", json={"question": "기초연금 신청 방법", "region": "서울특별시 강남구"},
                            headers=as_("counselor")).json()
    assert unrelated["active_notices"] == []


def test_ending_early_appends_a_row_stops_citing_and_is_audited(client, as_, rt):
    posted = post(client, as_).json()
    cursor = client.get("/v1/events", headers=as_("counselor")).json()["last_event_id"]
    r = client.post(f"/v1/notices/{posted['id']}/end", json={"reason": "복구 완료"}, headers=as_("editor"))
    assert r.status_code == 200 and r.json()["status"] == "ended" and r.json()["ended_by"] == "편집자 이바다"
    again = client.post(f"/v1/notices/{posted['id']}/end", headers=as_("supervisor"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "NoticeEnded"
    assert client.post(f"/v1/notices/{posted['id']}/end", headers=as_("counselor")).status_code == 403
    assert client.post("/v1/notices/999999/end", headers=as_("supervisor")).status_code == 404
    answer = client.post("/v1/advise", json=ASK, headers=as_("counselor")).json()
    assert posted["id"] not in [n["id"] for n in answer["active_notices"]]
    ended = client.get("/v1/events", params={"after": cursor, "region": "강남구"}, headers=as_("counselor")).json()
    assert [(e["kind"], e["data"]["id"]) for e in ended["data"]] == [("notice_end", posted["id"])]
    # kept: the row as it was, one end row, both in the history and the audit log
    with Session(rt.engine) as s:
        row = s.get(Notice, posted["id"])
        assert row is not None and row.text == WATER["text"]
        assert len(s.exec(select(NoticeEnd).where(NoticeEnd.notice_id == posted["id"])).all()) == 1
        actions = [a.action for a in s.exec(select(AuditEvent).where(AuditEvent.target == f"notice:{posted['id']}")
                                            .order_by(AuditEvent.id))]
    assert actions == ["notice.create", "notice.end"]
    history = client.get("/v1/notices", params={"status": "all"}, headers=as_("counselor")).json()
    assert {"id": posted["id"], "status": "ended"}.items() <= next(
        n for n in history["data"] if n["id"] == posted["id"]).items()
    assert posted["id"] not in [n["id"] for n in client.get("/v1/notices", headers=as_("counselor")).json()["data"]]


def test_a_notice_expires_by_itself_and_stays_in_the_history(client, as_, clock):
    posted = post(client, as_, {**WATER, "duration_minutes": 30}).json()
    assert posted["id"] in [n["id"] for n in client.post("/v1/advise", json=ASK, headers=as_("counselor"))
                            .json()["active_notices"]]
    clock(timedelta(minutes=31))
    assert posted["id"] not in [n["id"] for n in client.post("/v1/advise", json=ASK, headers=as_("counselor"))
                                .json()["active_notices"]]
    got = client.get(f"/v1/notices/{posted['id']}", headers=as_("counselor")).json()
    assert got["status"] == "expired" and got["ended_at"] is None
    expired = client.get("/v1/notices", params={"status": "expired"}, headers=as_("counselor")).json()["data"]
    assert posted["id"] in [n["id"] for n in expired]
    assert client.post(f"/v1/notices/{posted['id']}/end", headers=as_("supervisor")).status_code == 409


def test_a_scheduled_notice_is_not_cited_before_it_starts(client, as_, clock):
    posted = post(client, as_, {**WATER, "starts_at": (utcnow() + timedelta(hours=1)).isoformat(),
                                "duration_minutes": 60}).json()
    assert posted["status"] == "scheduled"
    cited = lambda: [n["id"] for n in client.post("/v1/advise", json=ASK, headers=as_("counselor"))  # noqa: E731
                     .json()["active_notices"]]
    assert posted["id"] not in cited()
    clock(timedelta(minutes=61))
    assert posted["id"] in cited()


def test_list_filters_are_checked(client, as_):
    r = client.get("/v1/notices", params={"status": "open"}, headers=as_("counselor"))
    assert r.status_code == 422 and "valid: scheduled, active, ended, expired, all" in r.json()["error"]["message"]
    assert client.get("/v1/notices", params={"region": "없는구"}, headers=as_("counselor")).status_code == 422
    assert client.get("/v1/notices/abc", headers=as_("counselor")).status_code == 422


def test_a_draft_from_an_alert_can_be_posted_as_it_is(client, as_, rt):
    alert = {"id": 42, "topic": "단수", "region": "서울특별시 강남구", "count": 14, "window_seconds": 1800,
             "samples": ["역삼동인데 물이 안 나와요", "역삼동 수돗물이 안 나와요", "역삼동 물이 안나와요"]}
    r = client.post("/v1/notices/draft", json=alert, headers=as_("supervisor"))
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft["region"] == "서울특별시 강남구" and draft["topics"][0] == "단수" and draft["source_alert"] == "42"
    assert client.post("/v1/notices/draft", json=alert, headers=as_("counselor")).status_code == 403
    bad = client.post("/v1/notices/draft", json={**alert, "topic": ""}, headers=as_("supervisor"))
    assert bad.status_code == 422 and "accepted:" in bad.json()["error"]["message"]
    posted = post(client, as_, draft)
    assert posted.status_code == 201, posted.text
    assert posted.json()["source_alert"] == "42" and posted.json()["topics"] == draft["topics"]
    # from the alert model itself (the alerts' on_alert listener gets one), the same draft
    assert rt.notices.draft(alert).topics == draft["topics"]
