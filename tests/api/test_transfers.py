"""Transfers with a summary over HTTP: to a counselor (the same call) and to an agency (a linked call of
that agency), the summary stored masked and pushed to the receiving counselor, both records linked, 422s.

The principals' agencies are given with ``app.dependency_overrides`` over real counselor tokens, so the
test needs nothing of how a token is tied to an agency."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlmodel import Session

from assistant.agencies.models import Agency
from assistant.api.deps import get_principal
from assistant.auth.service import Principal
from assistant.kb.models import utcnow
from assistant.runtime import Runtime
from assistant.text.pii import contains_pii
from tests.conftest import token_for

pytestmark = pytest.mark.integration

QUESTION = "애기 낳으면 구에서 주는 출산장려금 있어요? 제 번호는 010-2345-6789예요"


@pytest.fixture(scope="module")
def people(app: FastAPI, rt: Runtime) -> Iterator[dict[str, TestClient]]:
    """Counselors by name: kim and lee of seoul120, park of nts; each a real token, given its agency."""
    with Session(rt.engine) as s:
        s.add(Agency(code="nts", name="국세청", contact="126"))
        s.add(Agency(code="seoul120", name="서울 120", contact="120"))
        s.add(Agency(code="gone", name="없어진 기관", deleted_at=utcnow()))
        s.commit()
    agencies = AGENCY_OF
    principals: dict[str, Principal] = {}
    clients: dict[str, TestClient] = {}
    for name, agency in agencies.items():
        token = token_for(rt, "counselor", name=name)
        principals[f"Bearer {token}"] = dataclasses.replace(rt.tokens.authenticate(token), agency=agency)
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})

    def principal(request: Request) -> Principal:
        return principals[request.headers["Authorization"]]

    app.dependency_overrides[get_principal] = principal
    yield clients
    app.dependency_overrides.pop(get_principal, None)


def a_call(kim: TestClient) -> str:
    cid = kim.post("/v1/calls", json={"region": "서울특별시 강남구"}).json()["call_id"]
    assert kim.post(f"/v1/calls/{cid}/utterances", json={"speaker": "citizen", "text": QUESTION}).status_code == 200
    return cid


AGENCY_OF = {"kim": "seoul120", "lee": "seoul120", "park": "nts"}


def pushed(rt: Runtime, user: str) -> list[dict]:
    """The transfers a widget of ``user`` (of their agency) is sent."""
    return [e.data for e in rt.push.backlog("0-0", user, [], AGENCY_OF[user])[0] if e.kind == "transfer"]


def test_a_transfer_to_a_counselor_hands_over_a_masked_summary_and_pushes_it(people, rt):
    kim, lee = people["kim"], people["lee"]
    cid = a_call(kim)
    r = kim.post(f"/v1/calls/{cid}/transfer", json={"to": "lee", "note": "연결 010-2345-6789"})
    assert r.status_code == 200
    out = r.json()
    assert (out["call_id"], out["counselor"], out["status"]) == (cid, "lee", "transferred")
    summary = out["summary"]
    assert summary["mode"] == "extractive" and "출산장려금" in summary["question"]
    # the call ids are random UUIDs, which look like account numbers to the masker now and then (about one in
    # sixteen): they are the service's, not the caller's, so the scan covers everything else returned
    said = {k: v for k, v in out.items() if k not in ("call_id", "linked_call_id")}
    assert not contains_pii(str(said)), "the summary and everything returned is masked"
    assert "2345-6789" not in str(out)

    history = lee.get(f"/v1/calls/{cid}").json()
    suggestion = next(e for e in history["events"] if e["kind"] == "suggestion")["payload"]
    event = next(e for e in history["events"] if e["kind"] == "transfer")
    assert event["payload"]["summary"] == summary, "stored in the transfer event, as returned"
    told = [c["entry_id"] for t in summary["told"] for c in t["citations"]]
    assert told == ([c["entry_id"] for c in suggestion["citations"]] if not suggestion["abstained"] else [])
    assert [p["summary"] for p in pushed(rt, "lee") if p["call_id"] == cid] == [summary]
    assert not [p for p in pushed(rt, "kim") if p["call_id"] == cid], "pushed to the receiver only"
    record = lee.get(f"/v1/calls/{cid}/record").json()
    assert "kim" in record["이관"] and "lee" in record["이관"]


def test_a_transfer_to_an_agency_opens_a_linked_call_and_both_records_link(people, rt):
    kim, park = people["kim"], people["park"]
    cid = a_call(kim)
    out = kim.post(f"/v1/calls/{cid}/transfer", json={"to_agency": "nts", "to": "park"}).json()
    linked = out["linked_call_id"]
    assert linked and linked != cid and out["to_agency"] == "nts"
    assert (out["counselor"], out["status"]) == ("kim", "transferred"), "the sending call stays its counselor's"

    received = park.get(f"/v1/calls/{linked}").json()
    assert (received["call"]["counselor"], received["call"]["status"]) == ("park", "open")
    first = received["events"][0]
    assert first["kind"] == "transfer" and first["payload"]["summary"] == out["summary"]
    said = [e["text"] for e in kim.get(f"/v1/calls/{cid}").json()["events"] if e["kind"] == "utterance"]
    assert [h["text"] for h in first["payload"]["history"]] == said, "the citizen's lines come along, masked"
    assert park.get(f"/v1/calls/{cid}").status_code == 404, "another agency's call stays hidden"
    assert [p["call_id"] for p in pushed(rt, "park")] == [linked]

    sending, receiving = kim.get(f"/v1/calls/{cid}/record").json(), park.get(f"/v1/calls/{linked}/record").json()
    assert linked in sending["이관"] and "국세청" in sending["이관"]
    assert cid in receiving["이관"] and "kim" in receiving["이관"] and "서울 120" in receiving["이관"]
    assert receiving["문의"] == out["summary"]["question"]


def test_an_agency_transfer_without_a_counselor_queues_the_linked_call(people, rt):
    kim = people["kim"]
    cid = a_call(kim)
    out = kim.post(f"/v1/calls/{cid}/transfer", json={"to_agency": "nts"}).json()
    with Session(rt.engine) as s:
        from assistant.calls.models import Call

        linked = s.get(Call, out["linked_call_id"])
        assert linked is not None and (linked.counselor, linked.status, linked.agency) == ("", "queued", "nts")


@pytest.mark.parametrize("body, says", [
    ({"to_agency": "nope"}, "unknown agency"),
    ({"to_agency": "gone", "to": "park"}, "deleted"),
    ({"to": "", "to_agency": ""}, "to_agency"),
    ({"note": "누구에게?"}, "to_agency"),
])
def test_a_bad_agency_is_422_listing_the_valid_codes_and_changes_nothing(people, body, says):
    kim = people["kim"]
    cid = a_call(kim)
    before = kim.get(f"/v1/calls/{cid}").json()
    r = kim.post(f"/v1/calls/{cid}/transfer", json=body)
    assert r.status_code == 422 and says in r.json()["error"]["message"]
    if body.get("to_agency"):
        message = r.json()["error"]["message"]
        assert "nts" in message and "seoul120" in message and "gone" not in message.split("valid:")[1]
    assert kim.get(f"/v1/calls/{cid}").json() == before
