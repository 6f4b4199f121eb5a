"""The alerts through the HTTP API: who may read them, every question counted (advise, its stream, search,
final citizen utterances), an incident listed with the region's full label, acknowledged and resolved,
the dictionary's 422s, Prometheus, and a broken counter that never fails an answer."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.api.app import create_app
from assistant.auth.models import AuditEvent
from assistant.ops.alerts.service import Observation
from assistant.runtime import Runtime
from tests.conftest import indexed_runtime, make_settings, token_for

pytestmark = pytest.mark.integration

GANGNAM = "서울특별시 강남구"


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory, subset_records) -> Runtime:
    rt = indexed_runtime(make_settings(tmp_path_factory.mktemp("alerts_api")), subset_records)
    return rt


@pytest.fixture(scope="module")
def app(rt: Runtime) -> Iterator[FastAPI]:
    app = create_app(rt.settings, runtime=rt)
    with TestClient(app):
        yield app


def client(app: FastAPI, rt: Runtime, role: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token_for(rt, role)}"})


@pytest.fixture(scope="module")
def supervisor(app, rt) -> TestClient:
    return client(app, rt, "supervisor")


@pytest.fixture(scope="module")
def counselor(app, rt) -> TestClient:
    return client(app, rt, "counselor")


def counted(rt: Runtime) -> int:
    rt.alerts.flush()
    return rt.alerts.stats.observed


def test_counselors_may_not_read_alerts_supervisors_and_admins_may(app, rt, supervisor, counselor):
    r = counselor.get("/v1/alerts")
    assert r.status_code == 403 and r.json()["error"]["code"] == "Forbidden"
    assert counselor.post("/v1/alerts/1/resolve").status_code == 403
    for c in (supervisor, client(app, rt, "admin")):
        r = c.get("/v1/alerts")
        assert r.status_code == 200 and set(r.json()) == {"data", "count"}


def test_every_question_and_final_citizen_utterance_is_counted_once(rt, counselor):
    before = counted(rt)
    q = {"question": "기초연금 신청 방법", "region": "서울특별시 중구"}
    assert counselor.post("/v1/advise", json=q).status_code == 200
    assert counselor.post("/v1/search", json=q).status_code == 200
    with counselor.stream("POST", "/v1/advise", json=q, headers={"Accept": "text/event-stream"}) as r:
        assert r.status_code == 200 and "event: done" in r.read().decode()
    assert counted(rt) == before + 3
    call = counselor.post("/v1/calls", json={"region": "서울특별시 중구"}).json()["call_id"]
    for speaker, final in (("citizen", False), ("counselor", True), ("citizen", True)):
        r = counselor.post(f"/v1/calls/{call}/utterances", json={"speaker": speaker, "text": "기초연금 문의요", "final": final})
        assert r.status_code == 200
    assert counted(rt) == before + 4


def prefill_a_day(rt: Runtime, now: float) -> None:
    """A day of ordinary questions before ``now``, counted the way the API counts them (not through HTTP:
    20 minutes of requests would say nothing more)."""
    rng = random.Random(11)
    for minute in range(24 * 60, 0, -1):
        for _ in range(2):
            rt.alerts.process(Observation(rng.choice(["기초연금 신청", "출산장려금 문의", "전입신고 방법"]),
                                          rng.choice([GANGNAM, "서울특별시 중구"]), ("복지",), "", now - minute * 60))


def test_an_incident_asked_through_the_api_is_listed_acknowledged_and_resolved(app, rt, supervisor, counselor):
    prefill_a_day(rt, time.time())
    heard: list = []
    rt.alerts.on_alert.append(heard.append)
    for i in range(4):
        r = counselor.post("/v1/advise", json={"question": f"{i}동 물이 안 나와요 010-2222-33{i:02d}", "region": "서울 강남구"})
        assert r.status_code == 200
    for _ in range(4):  # and as live calls: each its own caller
        call = counselor.post("/v1/calls", json={"region": "강남구"}).json()["call_id"]
        for text in ("수돗물이 안 나와요", "아직도 물이 안 나와요"):  # the same caller twice counts once
            counselor.post(f"/v1/calls/{call}/utterances", json={"speaker": "citizen", "text": text})
    rt.alerts.flush()
    alerts = supervisor.get("/v1/alerts").json()["data"]
    assert [(a["topic"], a["region"]) for a in alerts] == [("단수", GANGNAM)]
    (alert,) = alerts
    assert alert["count"] == 8 and alert["baseline"] < 1 and alert["window_seconds"] == 600
    assert alert["samples"] and not any("010-2222" in s for s in alert["samples"])
    assert [a.id for a in heard] == [alert["id"]]

    metrics = supervisor.get("/metrics").text
    assert 'assistant_alerts_open{kind="urgent",region="서울특별시 강남구",status="open",topic="단수"} 8.0' in metrics

    r = supervisor.post(f"/v1/alerts/{alert['id']}/acknowledge")
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = supervisor.post(f"/v1/alerts/{alert['id']}/resolve")
    assert r.status_code == 200 and r.json()["resolved_by"].startswith("test-supervisor")
    assert supervisor.post(f"/v1/alerts/{alert['id']}/resolve").status_code == 409
    assert supervisor.post("/v1/alerts/999999/resolve").status_code == 404
    assert supervisor.get("/v1/alerts").json()["data"] == []
    assert [a["id"] for a in supervisor.get("/v1/alerts", params={"status": "resolved"}).json()["data"]] == [alert["id"]]
    assert supervisor.get("/v1/alerts", params={"status": "closed"}).status_code == 422
    with Session(rt.engine) as s:
        audited = {e.action for e in s.exec(select(AuditEvent).where(AuditEvent.target == f"alert:{alert['id']}"))}
    assert audited == {"alert.acknowledge", "alert.resolve"}


def test_a_broken_counter_never_fails_an_answer(rt, counselor, monkeypatch):
    def broken(*args, **kw):
        raise RuntimeError("counter down")

    errors = rt.alerts.stats.errors
    q = {"question": "물이 안 나와요", "region": GANGNAM}
    monkeypatch.setattr(rt.alerts.counts, "add", broken)
    assert counselor.post("/v1/advise", json=q).status_code == 200
    rt.alerts.flush()
    assert rt.alerts.stats.errors == errors + 1
    monkeypatch.setattr(rt.alerts, "observe_hits", broken)  # even the request-side part
    assert counselor.post("/v1/advise", json=q).status_code == 200
    assert counselor.post("/v1/search", json=q).status_code == 200
    with counselor.stream("POST", "/v1/advise", json=q, headers={"Accept": "text/event-stream"}) as r:
        assert r.status_code == 200 and "event: done" in r.read().decode()
    call = counselor.post("/v1/calls", json={"region": GANGNAM}).json()["call_id"]
    r = counselor.post(f"/v1/calls/{call}/utterances", json={"speaker": "citizen", "text": "물이 안 나와요"})
    assert r.status_code == 200 and r.json()["suggestion"] is not None


def test_the_dictionary_through_the_api(app, rt, supervisor, counselor):
    editor = client(app, rt, "editor")
    assert counselor.get("/v1/alerts/terms").status_code == 403
    terms = editor.get("/v1/alerts/terms").json()
    assert terms["count"] > 50 and {"topic", "phrase", "region", "id"} <= set(terms["data"][0])
    for rows, says in (([{"topic": "", "phrase": "물이 안 나와요"}], "topic is empty"),
                       ([{"topic": "단수", "phrase": "물", "region": "없는시 없는구"}], "Accepted forms"),
                       ([{"topic": "단수", "phrase": "이요"}], "no word to match on")):
        r = supervisor.post("/v1/alerts/terms", json={"rows": rows})
        assert r.status_code == 422, r.text
        assert says in r.json()["error"]["message"] and "topic<TAB>phrasing" in r.json()["error"]["message"]
    r = editor.post("/v1/alerts/terms", json={"rows": [{"topic": "낙석", "phrase": "돌이 굴러 떨어졌어요", "region": "강원"}]})
    assert r.status_code == 201
    (row,) = r.json()["data"]
    assert row["region"] == "강원특별자치도" and row["created_by"].startswith("test-editor")
    assert editor.delete(f"/v1/alerts/terms/{row['id']}").status_code == 200
    assert editor.delete(f"/v1/alerts/terms/{row['id']}").status_code == 404
    assert all(t["id"] != row["id"] for t in editor.get("/v1/alerts/terms").json()["data"])


def test_a_sentence_is_checked_against_the_dictionary_as_it_is_now(app, rt, supervisor, counselor):
    editor = client(app, rt, "editor")
    said = {"question": "아파트 엘리베이터가 갑자기 멈췄어요 사람이 갇혔어요", "region": "서울 강남구"}
    assert counselor.post("/v1/alerts/terms/check", json=said).status_code == 403
    before = editor.post("/v1/alerts/terms/check", json=said).json()["topics"]
    assert "승강기 갇힘" not in before
    r = editor.post("/v1/alerts/terms", json={"rows": [{"topic": "승강기 갇힘", "phrase": "엘리베이터가 멈췄어요",
                                                        "region": GANGNAM}]})
    assert r.status_code == 201
    (row,) = r.json()["data"]
    assert "승강기 갇힘" in supervisor.post("/v1/alerts/terms/check", json=said).json()["topics"]
    elsewhere = {**said, "region": "서울특별시 마포구"}
    assert "승강기 갇힘" not in editor.post("/v1/alerts/terms/check", json=elsewhere).json()["topics"]
    editor.delete(f"/v1/alerts/terms/{row['id']}")
    assert editor.post("/v1/alerts/terms/check", json=said).json()["topics"] == before
    for body, says in (({"question": "물이 안 나와요", "region": "없는시 없는구"}, "Accepted forms"),
                       ({"question": "  "}, "question is empty")):
        r = editor.post("/v1/alerts/terms/check", json=body)
        assert r.status_code == 422 and says in r.json()["error"]["message"], r.text
    with Session(rt.engine) as s:
        assert not s.exec(select(AuditEvent).where(AuditEvent.action == "alert.terms.check")).all(), "a check changes nothing"
