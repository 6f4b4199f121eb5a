"""The HTTP service over the real runtime (subset KB): search, advise (JSON and SSE), errors."""

import json

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.conftest import auth_headers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(built_runtime):
    with TestClient(create_app(built_runtime.settings, runtime=built_runtime),
                    headers=auth_headers(built_runtime, "counselor")) as c:
        yield c


def test_health_and_readiness(client):
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready == {"status": "ok", "checks": {"index": "ok", "background": "ok", "database": "ok"}}


def test_search(client):
    r = client.post("/v1/search", json={"question": "출산장려금", "region": "서울특별시 중구", "top_k": 3})
    assert r.status_code == 200
    body = r.json()
    assert len(body["hits"]) == 3 and body["region"] == "서울특별시 중구"
    assert all(h["sido"] in ("", "서울특별시") for h in body["hits"])


def test_advise_json(client):
    r = client.post("/v1/advise", json={"question": "출산장려금 신청", "region": "부산광역시 중구"})
    body = r.json()
    # a question the test KB covers (부산 중구's 출산장려금 entry): answered, whatever the margin
    assert r.status_code == 200 and body["mode"] == "extractive" and not body["abstained"]
    assert isinstance(body["confidence"], float) and body["confidence_level"] in ("high", "low")
    assert body["citations"] and body["grounding"]["unsupported"] == 0
    assert body["citations"][0]["entry_id"] == body["hits"][0]["entry_id"]


def test_advise_abstains_on_what_the_manuals_do_not_cover(client):
    body = client.post("/v1/advise", json={"question": "지하철 분실물 찾는 곳", "region": "부산광역시 중구"}).json()
    assert body["abstained"] and body["mode"] == "abstain" and body["confidence_level"] == "none"
    assert not body["citations"] and body["hits"], "the closest entries are still shown"


def test_advise_stream_sends_hits_then_text_then_done(client):
    with client.stream("POST", "/v1/advise", json={"question": "출산장려금 받을 수 있나요"},
                       headers={"Accept": "text/event-stream"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line.split(": ", 1)[1] for line in r.iter_lines() if line.startswith("event: ")]
    assert events[0] == "hits" and events[-1] == "done" and "delta" in events


@pytest.mark.parametrize("body, status, code", [
    ({"question": ""}, 422, "ValidationError"),
    ({"question": "   "}, 422, "InvalidQuery"),
    ({"question": "x", "region": "아틀란티스"}, 422, "UnknownRegion"),
    ({"question": "x", "top_k": 0}, 422, "ValidationError"),
    ({"question": 5}, 422, "ValidationError"),
    ({}, 422, "ValidationError"),
])
def test_bad_input_is_a_clear_4xx(client, body, status, code):
    for path in ("/v1/search", "/v1/advise"):
        r = client.post(path, json=body)
        assert r.status_code == status and r.json()["error"]["code"] == code, r.text


def test_not_json_at_all(client):
    r = client.post("/v1/search", content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "error" in r.json()


def test_openapi_documents_the_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/search", "/v1/advise", "/healthz", "/readyz"} <= set(paths)
    json.dumps(paths)


def test_not_ready_without_an_index(tmp_path):
    from assistant.runtime import Runtime
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    rt = Runtime(settings)
    with TestClient(create_app(settings, runtime=rt), headers=auth_headers(rt, "counselor")) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and "assistant index build" in r.json()["checks"]["index"]
        s = c.post("/v1/search", json={"question": "기초연금"})
        assert s.status_code == 503 and s.json()["error"]["code"] == "IndexNotReady"


def test_the_callers_situation_and_clarifying_answers(client):
    q = {"question": "칠십 세 기초수급자 할머니 출산장려금 말고 다른 지원", "region": "서울특별시 중구"}
    body = client.post("/v1/search", json=q).json()
    profile = body["caller_profile"]
    assert profile["age"] == 70 and profile["income"] == ["기초수급"] and profile["label"].startswith("70대")
    answered = client.post("/v1/search", json={**q, "answers": {"disability": "yes"}}).json()
    assert answered["caller_profile"]["disability"] == ["yes"] and "장애" in answered["caller_profile"]["label"]
    bad = client.post("/v1/advise", json={**q, "answers": {"mood": "happy"}})
    assert bad.status_code == 422 and "valid: stage, household" in bad.json()["error"]["message"]
    bad = client.post("/v1/search", json={**q, "answers": {"income": "rich"}})
    assert bad.status_code == 422 and "기초수급" in bad.json()["error"]["message"]
    streamed = client.post("/v1/advise", json=q, headers={"Accept": "text/event-stream"}).text
    first = streamed.split("\n\n")[0]
    assert first.startswith("event: hits") and '"caller_profile"' in first and "기초수급" in first
