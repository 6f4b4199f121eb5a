"""Search, advice and call suggestions per agency over HTTP: an agency's counselor never gets another
agency's entry in their own list, and gets it marked with a transfer hint when it answers clearly better.

The principal's agency is set with ``app.dependency_overrides`` over a real counselor token, so the test
needs nothing of how a token is tied to an agency (``assistant token create --agency``)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.deps import get_principal
from assistant.runtime import Runtime
from tests.conftest import indexed_runtime, make_settings, token_for
from tests.retrieval.agencies import (
    AGENCIES,
    NTS,
    OWN_QUESTION,
    TAX_QUESTION,
    WELFARE,
    add_agencies,
    agency_records,
)

pytestmark = pytest.mark.integration

QUESTIONS = (TAX_QUESTION, OWN_QUESTION, "연말정산 자료 조회", "출산장려금 지원 받고 싶어요")


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory, subset_records) -> Runtime:
    runtime = indexed_runtime(make_settings(tmp_path_factory.mktemp("agency_search")), subset_records + agency_records())
    add_agencies(runtime.engine)
    return runtime


def client_of(app: FastAPI, rt: Runtime, agency: str) -> TestClient:
    """A counselor of ``agency`` ("" = of no agency): a real token, its principal given the agency."""
    token = token_for(rt, "counselor", name=f"상담사 {agency or 'center'}")
    principal = dataclasses.replace(rt.tokens.authenticate(token), agency=agency)
    app.dependency_overrides[get_principal] = lambda: principal
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture()
def welfare(app: FastAPI, rt: Runtime) -> Iterator[TestClient]:
    with client_of(app, rt, WELFARE) as c:
        yield c
    app.dependency_overrides.clear()


def agency_of(rt: Runtime, entry_id: str) -> str:
    return rt.manager.holder.snapshot.entries[entry_id].agency


def check_response(rt: Runtime, body: dict[str, Any], agency: str) -> list[dict[str, Any]]:
    """Every hit of another agency is in ``other_agency_hits``, marked, with its agency's transfer hint."""
    for h in body["hits"]:
        assert agency_of(rt, h["entry_id"]) in ("", agency), f"{h['entry_id']} mixed into {agency}'s own list"
        assert h["other_agency"] == "" and h["transfer_hint"] == ""
    others = body["other_agency_hits"]
    for h in others:
        code = agency_of(rt, h["entry_id"])
        name, contact = AGENCIES[code]
        assert code != agency and h["other_agency"] == code
        assert h["transfer_hint"] == f"이관 권장: {name} ({contact})"
    return others


def sse(text: str) -> dict[str, Any]:
    events = {}
    for block in text.strip().split("\n\n"):
        name, data = (line.split(": ", 1)[1] for line in block.splitlines())
        events[name] = json.loads(data)
    return events


@pytest.mark.parametrize("question", QUESTIONS)
def test_an_agency_counselor_never_gets_another_agencys_entry_unmarked(welfare: TestClient, rt: Runtime,
                                                                        question: str) -> None:
    for region in (None, "서울특별시 중구"):
        ask = {"question": question, "region": region, "top_k": 10}
        check_response(rt, welfare.post("/v1/search", json=ask).json(), WELFARE)
        check_response(rt, welfare.post("/v1/advise", json=ask).json(), WELFARE)
        streamed = welfare.post("/v1/advise", json=ask, headers={"Accept": "text/event-stream"})
        check_response(rt, sse(streamed.text)["hits"], WELFARE)


def test_the_tax_offices_answer_comes_marked_with_where_to_transfer(welfare: TestClient, rt: Runtime) -> None:
    for path in ("/v1/search", "/v1/advise"):
        others = check_response(rt, welfare.post(path, json={"question": TAX_QUESTION}).json(), WELFARE)
        assert [h["other_agency"] for h in others][:1] == [NTS]
        assert others[0]["transfer_hint"] == "이관 권장: 국세청 (126)"


def test_call_suggestions_are_scoped_to_the_counselors_agency(welfare: TestClient, rt: Runtime) -> None:
    cid = welfare.post("/v1/calls", json={}).json()["call_id"]
    r = welfare.post(f"/v1/calls/{cid}/utterances", json={"speaker": "citizen", "text": TAX_QUESTION}).json()
    others = check_response(rt, r["suggestion"], WELFARE)
    assert others and others[0]["other_agency"] == NTS


def test_a_counselor_of_no_agency_sees_agency_entries_marked_in_the_list(app: FastAPI, rt: Runtime) -> None:
    try:
        with client_of(app, rt, "") as center:
            body = center.post("/v1/search", json={"question": TAX_QUESTION, "top_k": 10}).json()
    finally:
        app.dependency_overrides.clear()
    marked = [h for h in body["hits"] if agency_of(rt, h["entry_id"])]
    assert marked and body["other_agency_hits"] == []
    for h in marked:
        assert h["other_agency"] == agency_of(rt, h["entry_id"]) and h["transfer_hint"].startswith("이관 권장: ")


def test_a_token_of_the_agency_searches_as_that_agency(app: FastAPI, rt: Runtime) -> None:
    """The whole path without overrides: a token tied to the agency, the agency's name read from its row,
    and an agency created after the first hint was shown is named at once (the directory reads again)."""
    from sqlmodel import Session

    from assistant.agencies.models import Agency

    token = rt.tokens.create(name="상담사 복지 실토큰", role="counselor", agency=WELFARE, created_by="tests")
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as c:
        others = check_response(rt, c.post("/v1/search", json={"question": TAX_QUESTION}).json(), WELFARE)
        assert others and others[0]["other_agency"] == NTS
    with Session(rt.engine) as s:
        s.add(Agency(code="later", name="나중 기관", contact="1000", created_by="tests"))
        s.commit()
    import time

    time.sleep(1.0)
    assert rt.agency_directory.transfer_hint("later") == "이관 권장: 나중 기관 (1000)"
