"""A live call through the API: utterances, suggestions, transfer with full context, the record."""

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.conftest import auth_headers

pytestmark = pytest.mark.integration


@pytest.fixture()
def client(fresh_runtime):
    with TestClient(create_app(fresh_runtime.settings, runtime=fresh_runtime),
                    headers=auth_headers(fresh_runtime, "counselor")) as c:
        yield c


def test_a_call_from_question_to_record(client):
    call = client.post("/v1/calls", json={"region": "서울특별시 중구", "counselor": "kim"}).json()
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
    history = client.get(f"/v1/calls/{cid}").json()
    kinds = [e["kind"] for e in history["events"]]
    assert kinds == ["utterance", "utterance", "utterance", "suggestion", "transfer"]
    assert "2345-6789" not in str(history), "personal data is masked before it is stored"

    record = client.get(f"/v1/calls/{cid}/record").json()
    assert set(record) == {"문의", "답변", "안내", "결과"}
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
