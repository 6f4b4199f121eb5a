"""The agency's queue: a call another agency hands over with no counselor named waits there, is pushed to
every widget of that agency (and no other), and is taken by exactly one of its counselors. Real agency
tokens (``token create --agency``), real database."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.agencies.models import Agency
from assistant.auth.models import AuditEvent
from assistant.runtime import Runtime

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def people(app: FastAPI, rt: Runtime) -> dict[str, TestClient]:
    with Session(rt.engine) as s:
        for code, name in (("qa1", "대기열 기관 1"), ("qa2", "대기열 기관 2")):
            if s.get(Agency, code) is None:
                s.add(Agency(code=code, name=name, contact="1234"))
        s.commit()
    who = {"sender": "qa1", "choi": "qa2", "jung": "qa2", "outsider": "qa1"}
    return {name: TestClient(app, headers={"Authorization": "Bearer " + rt.tokens.create(
        name=name, role="counselor", agency=agency, created_by="tests")}) for name, agency in who.items()}


def queued_call(sender: TestClient) -> tuple[str, str]:
    cid = sender.post("/v1/calls", json={"region": "서울특별시 마포구"}).json()["call_id"]
    assert sender.post(f"/v1/calls/{cid}/utterances", json={"speaker": "citizen",
                                                            "text": "종합소득세 신고 기한이 언제예요"}).status_code == 200
    r = sender.post(f"/v1/calls/{cid}/transfer", json={"to_agency": "qa2", "note": "세금 문의"})
    assert r.status_code == 200, r.text
    return cid, r.json()["linked_call_id"]


def transfers_pushed(rt: Runtime, user: str, agency: str) -> list[dict]:
    return [e.data for e in rt.push.backlog("0-0", user, [], agency)[0] if e.kind == "transfer"]


def test_a_queued_call_waits_for_the_agency_is_pushed_to_it_and_taken_once(people, rt):
    sender, choi, jung = people["sender"], people["choi"], people["jung"]
    _, linked = queued_call(sender)
    queue = choi.get("/v1/calls/queue").json()["data"]
    (waiting,) = [q for q in queue if q["call_id"] == linked]
    assert waiting["status"] == "queued" and waiting["counselor"] == "" and waiting["agency"] == "qa2"
    assert waiting["handover"]["summary"]["question"] and waiting["note"] == "세금 문의"
    # every widget of the receiving agency is told, whoever it is; the sending agency's are not
    assert [p["queued"] for p in transfers_pushed(rt, "anyone", "qa2") if p["call_id"] == linked] == [True]
    assert not [p for p in transfers_pushed(rt, "anyone", "qa1") if p["call_id"] == linked]

    r = choi.post(f"/v1/calls/{linked}/claim")
    assert r.status_code == 200 and (r.json()["counselor"], r.json()["status"]) == ("choi", "open")
    # taken once: from now on it is choi's call, hidden from a colleague like any other counselor's
    assert jung.post(f"/v1/calls/{linked}/claim").status_code == 404
    assert linked not in [q["call_id"] for q in jung.get("/v1/calls/queue").json()["data"]]
    history = choi.get(f"/v1/calls/{linked}").json()
    assert [e["kind"] for e in history["events"]][-1] == "claim"
    assert choi.post(f"/v1/calls/{linked}/utterances", json={"speaker": "citizen", "text": "네"}).status_code == 200
    assert jung.get(f"/v1/calls/{linked}").status_code == 404
    with Session(rt.engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "call.claim", AuditEvent.target == linked)).one().actor == "choi"


def test_another_agency_neither_sees_nor_takes_the_queue(people, rt):
    _, linked = queued_call(people["sender"])
    outsider = people["outsider"]
    assert linked not in [q["call_id"] for q in outsider.get("/v1/calls/queue").json()["data"]]
    assert outsider.post(f"/v1/calls/{linked}/claim").status_code == 404
    assert people["jung"].post(f"/v1/calls/{linked}/claim").status_code == 200


def test_a_token_of_no_agency_has_no_queue(counselor):
    r = counselor.get("/v1/calls/queue")
    assert r.status_code == 422 and "agency" in r.json()["error"]["message"]


def test_a_namesake_in_another_agency_is_not_sent_a_counselors_suggestions(people, rt):
    """Token names are unique per agency only: a suggestion pushed to qa1's 'sender' must not reach a
    qa2 widget of the same name."""
    sender = people["sender"]
    cid = sender.post("/v1/calls", json={}).json()["call_id"]
    assert sender.post(f"/v1/calls/{cid}/utterances", json={"speaker": "citizen", "text": "기초연금 신청"}).status_code == 200
    mine = [e for e in rt.push.backlog("0-0", "sender", [], "qa1")[0] if e.kind == "suggestion" and e.data["call_id"] == cid]
    namesake = [e for e in rt.push.backlog("0-0", "sender", [], "qa2")[0] if e.kind == "suggestion" and e.data["call_id"] == cid]
    assert len(mine) == 1 and namesake == []
