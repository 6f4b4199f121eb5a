"""The widget's live connection against a real server (uvicorn on loopback): a final citizen utterance posted
through the API arrives as a ``suggestion`` event for the call's counselor only; a reconnect with
``Last-Event-ID`` gets what was missed; two replicas sharing PostgreSQL and Redis deliver across; a revoked
token's stream ends."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from assistant.types import EntryRecord
from tests.browser.conftest import LiveServer, serve
from tests.conftest import make_settings, token_for
from tests.ops.push.test_log import REDIS_URL, redis_log

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def events(server: LiveServer, token: str, *, last_id: str = "", region: str = "", timeout: float = 30.0):
    """Open the stream; yields (id, kind, data) as they come."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    if last_id:
        headers["Last-Event-ID"] = last_id
    params = {"region": region} if region else {}
    with httpx.stream("GET", server.url + "/v1/events", headers=headers, params=params,
                      timeout=httpx.Timeout(timeout, connect=5)) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream"), r.read()
        frame: dict[str, str] = {}
        for line in r.iter_lines():
            if line:
                key, _, value = line.partition(":")
                frame[key] = value.strip()
                continue
            if "data" in frame:
                yield frame.get("id", ""), frame.get("event", "message"), json.loads(frame["data"])
            frame = {}


def until(stream, kind: str) -> tuple[str, dict]:
    for event_id, k, data in stream:
        if k == kind:
            return event_id, data
    raise AssertionError(f"the stream ended before a {kind} event")


def open_call(server: LiveServer, token: str) -> str:
    r = httpx.post(server.url + "/v1/calls", json={"region": "서울특별시 강남구"},
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["call_id"]


def say(server: LiveServer, token: str, call_id: str, text: str) -> dict:
    r = httpx.post(f"{server.url}/v1/calls/{call_id}/utterances", json={"speaker": "citizen", "text": text, "final": True},
                   headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, subset_records: list[EntryRecord]) -> Iterator[LiveServer]:
    settings = make_settings(tmp_path_factory.mktemp("push"), push_heartbeat_seconds=0.5, token_cache_seconds=0)
    with serve(settings, subset_records) as live:
        yield live


def test_a_posted_utterance_reaches_its_counselor_and_a_reconnect_resumes(server):
    token = server.tokens["counselor"]
    call_id = open_call(server, token)
    stream = events(server, token)
    ready_id, ready = until(stream, "ready")
    assert ready["user"] == "상담사 김하늘" and not ready["resumed"] and ready_id
    posted = say(server, token, call_id, "애기 낳으면 구에서 주는 돈 있어요? 제 번호는 010-1234-5678")
    first_id, pushed = until(stream, "suggestion")
    stream.close()
    assert pushed["call_id"] == call_id and pushed["suggestion_id"] == posted["suggestion_id"]
    assert pushed["suggestion"] == posted["suggestion"]  # exactly what the API answered
    assert "010-1234-5678" not in json.dumps(pushed, ensure_ascii=False)  # masked, like everything stored
    # while the widget is away: another suggestion; reconnecting after the first gets it, and only it
    missed = say(server, token, call_id, "출산축하금 신청은 어디서 해요")
    resumed = events(server, token, last_id=first_id)
    _, ready = until(resumed, "ready")
    assert ready["resumed"] and not ready["lost"]
    _, again = until(resumed, "suggestion")
    resumed.close()
    assert again["suggestion_id"] == missed["suggestion_id"] != posted["suggestion_id"]


def test_another_counselor_never_receives_the_suggestion(server):
    other = token_for(server.rt, "counselor", "상담사 이모래")
    start = httpx.get(server.url + "/v1/events", headers={"Authorization": f"Bearer {other}"}).json()["last_event_id"]
    token = server.tokens["counselor"]
    say(server, token, open_call(server, token), "기초연금 신청하려면요")
    r = httpx.get(server.url + "/v1/events", params={"after": start}, headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 200 and [e["kind"] for e in r.json()["data"]] == []
    mine = httpx.get(server.url + "/v1/events", params={"after": start}, headers={"Authorization": f"Bearer {token}"})
    assert [e["kind"] for e in mine.json()["data"]] == ["suggestion"]


def test_a_revoked_token_ends_its_stream_at_the_next_heartbeat(server):
    plain, row = server.rt.tokens.issue(name="곧 퇴사", role="counselor", created_by="tests")
    stream = events(server, plain, timeout=10)
    until(stream, "ready")
    server.rt.tokens.revoke(row.id, by="tests")
    _, error = until(stream, "error")
    assert error["code"] == "Unauthorized"
    assert list(stream) == []  # and the server closed it


@pytest.mark.parametrize("bad", ["yesterday", "1-2-3", "9" * 30])
def test_a_bad_last_event_id_is_422(server, bad):
    r = httpx.get(server.url + "/v1/events", headers={"Authorization": f"Bearer {server.tokens['counselor']}",
                                                     "Accept": "text/event-stream", "Last-Event-ID": bad})
    assert r.status_code == 422 and r.json()["error"]["code"] in ("BadEventId", "ValidationError"), r.text


@pytest.mark.postgres
def test_two_replicas_over_redis_an_utterance_on_one_reaches_a_widget_on_the_other(
        tmp_path, subset_records, own_postgres_db):
    key = f"assistant-test:{uuid.uuid4().hex}"
    redis_log(100).close()  # skips without a Redis
    with ExitStack() as stack:
        a, b = (stack.enter_context(serve(make_settings(tmp_path / n, database_url=own_postgres_db,
                                                        push_storage=REDIS_URL, push_key=key), subset_records))
                for n in ("a", "b"))
        assert a.rt.push.log is not b.rt.push.log
        stream = events(b, b.tokens["counselor"])  # the same counselor's widget, connected to replica b
        until(stream, "ready")
        posted = say(a, a.tokens["counselor"], open_call(a, a.tokens["counselor"]), "출산장려금 얼마예요")
        _, pushed = until(stream, "suggestion")
        stream.close()
        assert pushed["suggestion_id"] == posted["suggestion_id"]
    import redis

    redis.Redis.from_url(REDIS_URL).delete(key)
