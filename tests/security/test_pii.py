"""Personal data (tests/security/pii_corpus.py) sent every way a counselor's screen sends it: search
and advice questions (JSON and server-sent events), live-call utterances and transfer notes,
feedback comments. None of it may reach the LLM, a log line (every logger at DEBUG, and through the
service's JSON formatter), a database row (suggestion, call, call_event, feedback, audit_event), or
a response that echoes text back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from assistant.api.observability import JsonFormatter
from assistant.runtime import Runtime
from tests.conftest import token_for
from tests.fakes.openai_chat import FakeChatServer
from tests.security.conftest import Model, first_source_sentence
from tests.security.pii_corpus import CASES, Pii

pytestmark = [pytest.mark.integration]

TABLES = ("suggestion", "call", "call_event", "feedback", "audit_event")
REGION = "서울특별시 중구"


@pytest.fixture(scope="module")
def h(llm_runtime: Runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(llm_runtime, 'counselor')}"}


@pytest.fixture(scope="module")
def supervisor(llm_runtime: Runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(llm_runtime, 'supervisor')}"}


@pytest.fixture()
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG (libraries included: openai, httpx, sqlalchemy), captured."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


@pytest.fixture(scope="module", autouse=True)
def echoing_model(model: Model) -> None:
    """A model that repeats what it was given: anything personal in the prompt would come back."""
    model.behaviour = lambda body: f"{first_source_sentence(body) or '안내'}[1]. {body['messages'][-1]['content'][:300]}"


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    fmt = JsonFormatter()
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(fmt.format(record))
        lines.append(repr(getattr(record, "http", "")))
    return "\n".join(lines)


def rows_text(rt: Runtime) -> str:
    with rt.engine.connect() as conn:
        return "\n".join(repr(row) for t in TABLES for row in conn.execute(text(f'SELECT * FROM "{t}"')))


def sse(client: TestClient, h: dict[str, str], body: dict[str, Any]) -> str:
    r = client.post("/v1/advise", json=body, headers={**h, "Accept": "text/event-stream"})
    assert r.status_code == 200 and "event: done" in r.text
    return r.text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_personal_data_reaches_no_model_log_row_or_echo(case: Pii, client: TestClient, h: dict[str, str],
                                                        supervisor: dict[str, str],
                                                        llm_runtime: Runtime, chat: FakeChatServer,
                                                        all_logs: pytest.LogCaptureFixture) -> None:
    assert case.found_in(case.text), "the corpus case carries its needle"
    before = len(chat.requests)
    responses: list[str] = []
    ask = {"question": case.text, "region": REGION}

    r = client.post("/v1/search", json=ask, headers=h)
    assert r.status_code == 200
    responses.append(r.text)
    if CASES.index(case) % 2:  # every other case over server-sent events
        stream = sse(client, h, ask)
        advice = json.loads(stream.split("event: done\ndata: ", 1)[1].split("\n\n", 1)[0])
        responses.append(stream)
    else:
        r = client.post("/v1/advise", json=ask, headers=h)
        assert r.status_code == 200
        advice = r.json()
        responses.append(r.text)

    call = client.post("/v1/calls", json={"region": REGION}, headers=h).json()["call_id"]
    for speaker in ("citizen", "counselor")[: 1 + CASES.index(case) % 2]:
        r = client.post(f"/v1/calls/{call}/utterances", json={"speaker": speaker, "text": case.text}, headers=h)
        assert r.status_code == 200
        responses.append(r.text)
    r = client.post(f"/v1/calls/{call}/transfer", json={"to": "복지정책과 상담사", "note": case.text}, headers=h)
    assert r.status_code == 200
    responses.append(r.text)
    for path in (f"/v1/calls/{call}", f"/v1/calls/{call}/record"):  # the call is the agency's now: a supervisor reads
        r = client.get(path, headers=supervisor)
        assert r.status_code == 200
        responses.append(r.text)

    if advice["suggestion_id"] is not None:
        r = client.post("/v1/feedback", json={"suggestion_id": advice["suggestion_id"], "kind": "thumbs_down",
                                              "reason": "other", "comment": case.text[:1000]}, headers=h)
        assert r.status_code == 201
        responses.append(r.text)

    sent = json.dumps(chat.requests[before:], ensure_ascii=False)
    assert chat.requests[before:] or advice["abstained"], "the model was asked unless the question was declined"
    assert not case.found_in(sent), f"{case.id} reached the LLM"
    assert not case.found_in(log_text(all_logs)), f"{case.id} reached a log line"
    assert not case.found_in(rows_text(llm_runtime)), f"{case.id} reached the database"
    for body in responses:
        assert not case.found_in(body), f"{case.id} echoed in a response: {body[:300]}"


def test_personal_data_in_the_region_field_is_not_echoed(client: TestClient, h: dict[str, str],
                                                         all_logs: pytest.LogCaptureFixture) -> None:
    """A phone number typed into the region box: refused (422) without repeating it."""
    case = next(c for c in CASES if c.id == "mobile-hyphen")
    for path, body in (("/v1/search", {"question": "기초연금", "region": "010-2345-6789"}),
                       ("/v1/calls", {"region": "010-2345-6789"})):
        r = client.post(path, json=body, headers=h)
        assert r.status_code == 422
        assert not case.found_in(r.text), (path, r.text)
    assert not case.found_in(log_text(all_logs))
