"""A live call through the API: utterances, suggestions, transfer with full context, the record."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.api.app import create_app
from assistant.auth.models import AuditEvent
from tests.conftest import auth_headers, token_for

pytestmark = pytest.mark.integration


@pytest.fixture()
def client(fresh_runtime):
    with TestClient(create_app(fresh_runtime.settings, runtime=fresh_runtime),
                    headers=auth_headers(fresh_runtime, "counselor")) as c:
        yield c


def test_a_call_from_question_to_record(client, fresh_runtime):
    call = client.post("/v1/calls", json={"region": "서울특별시 중구"}).json()
    cid = call["call_id"]
    assert call["status"] == "open"
    # a partial transcript line and the counselor's own words trigger nothing
    assert client.post(f"/v1/calls/{cid}/utterances",
                       json={"speaker": "citizen", "text": "저 그 애기가", "final": False}).json()["suggestion"] is None
    assert client.post(f"/v1/calls/{cid}/utterances",
                       json={"speaker": "counselor", "text": "네 말씀하세요"}).json()["suggestion"] is None
    r = client.post(f"/v1/calls/{cid}/utterances", json={
        "speaker": "citizen", "text": "애기 낳으면 구에서 주는 출산장려금 있어요? 제 번호는 010-2345-6789예요"}).json()
    s = r["suggestion"]
    assert s and r["suggestion_id"] and all(h["sido"] in ("", "서울특별시") for h in s["hits"])

    moved = client.post(f"/v1/calls/{cid}/transfer", json={"to": "lee", "note": "구청 담당 연결"}).json()
    assert (moved["status"], moved["counselor"]) == ("transferred", "lee")
    lee = {"Authorization": f"Bearer {token_for(fresh_runtime, 'counselor', name='lee')}"}  # the call is lee's now
    history = client.get(f"/v1/calls/{cid}", headers=lee).json()
    kinds = [e["kind"] for e in history["events"]]
    assert kinds == ["utterance", "utterance", "utterance", "suggestion", "transfer"]
    assert "2345-6789" not in str(history), "personal data is masked before it is stored"

    record = client.get(f"/v1/calls/{cid}/record", headers=lee).json()
    assert set(record) == {"문의", "답변", "안내", "결과", "이관"}
    assert "출산장려금" in record["문의"] and record["결과"] == "이관: lee"


@pytest.mark.parametrize("method, path, body, status", [
    ("get", "/v1/calls/nope", None, 404),
    ("post", "/v1/calls/nope/utterances", {"speaker": "citizen", "text": "x"}, 404),
    ("post", "/v1/calls/nope/transfer", {"to": "lee"}, 404),
])
def test_unknown_call_is_404(client, method, path, body, status):
    r = getattr(client, method)(path, **({"json": body} if body else {}))
    assert r.status_code == status and r.json()["error"]["code"] == "CallNotFound"


def test_bad_utterances_and_regions_are_422_and_change_nothing(client):
    assert client.post("/v1/calls", json={"region": "아틀란티스"}).status_code == 422
    cid = client.post("/v1/calls", json={}).json()["call_id"]
    for body in ({"speaker": "robot", "text": "x"}, {"speaker": "citizen", "text": ""}, {"speaker": "citizen"}):
        assert client.post(f"/v1/calls/{cid}/utterances", json=body).status_code == 422
    assert client.get(f"/v1/calls/{cid}").json()["events"] == []


def test_the_counselor_is_the_token_holder_never_a_name_the_client_sends(client, fresh_runtime):
    me = client.get("/v1/me").json()["name"]
    assert client.post("/v1/calls", json={}).json()["counselor"] == me
    r = client.post("/v1/calls", json={"counselor": "someone else"})
    assert r.status_code == 422 and "token" in r.json()["error"]["message"]
    assert client.post("/v1/calls", json={"counselor": me}).status_code == 422, "refused even when it matches"


def test_a_transfer_hands_the_call_over_and_is_audited(client, fresh_runtime):
    me = client.get("/v1/me").json()["name"]
    lee_token = token_for(fresh_runtime, "counselor", name="lee")
    lee = {"Authorization": f"Bearer {lee_token}"}
    cid = client.post("/v1/calls", json={}).json()["call_id"]
    assert client.get(f"/v1/calls/{cid}", headers=lee).status_code == 404, "not lee's call yet"
    moved = client.post(f"/v1/calls/{cid}/transfer", json={"to": "lee", "note": "연결 010-2345-6789"})
    assert moved.status_code == 200 and moved.json()["counselor"] == "lee"

    # now it is lee's: lee reads and carries on, the counselor who handed it over no longer can
    history = client.get(f"/v1/calls/{cid}", headers=lee).json()
    transfer = next(e for e in history["events"] if e["kind"] == "transfer")
    assert {k: v for k, v in transfer["payload"].items() if k != "summary"} == {"from": me, "to": "lee", "by": me}
    assert client.post(f"/v1/calls/{cid}/utterances", headers=lee,
                       json={"speaker": "counselor", "text": "이어서 안내드릴게요"}).status_code == 200
    for method, path in (("get", ""), ("get", "/record"), ("post", "/transfer")):
        r = getattr(client, method)(f"/v1/calls/{cid}{path}", **({"json": {"to": me}} if method == "post" else {}))
        assert r.status_code == 404, (method, path)

    with Session(fresh_runtime.engine) as s:
        audit = s.exec(select(AuditEvent).where(AuditEvent.target == cid)).all()
    assert [(a.action, a.actor, a.role) for a in audit] == [("call.transfer", me, "counselor")]
    assert audit[0].detail == {"from": me, "to": "lee"} and "2345-6789" not in str(audit[0].detail)
