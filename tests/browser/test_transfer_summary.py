"""The receiving counselor's widget in a real Chromium shows the transfer summary first: pushed the moment
the call is handed over, and on opening the call by its number. What it shows is compared with the
summary the API returned for the same transfer, never with hard-coded text."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTION = "아기 낳으면 구에서 주는 출산장려금 얼마예요"
PERSONAL = "신청서는 제 번호 010-2345-6789로 문자 주세요"
RECEIVER = "상담사 이도윤"


def handed_over(server: LiveServer) -> dict[str, Any]:
    """A call of the counselor token's holder, one citizen question, transferred to the receiver."""
    cid = server.api("POST", "/v1/calls", role="counselor", json={"region": "서울특별시 중구"}).json()["call_id"]
    for line in (QUESTION, PERSONAL):
        assert server.api("POST", f"/v1/calls/{cid}/utterances", role="counselor",
                          json={"speaker": "citizen", "text": line}).status_code == 200
    r = server.api("POST", f"/v1/calls/{cid}/transfer", role="counselor", json={"to": RECEIVER, "note": "서류 문의"})
    assert r.status_code == 200
    return r.json()


def check_shows(page: Any, summary: dict[str, Any]) -> None:
    box = page.locator("#transfer-summary")
    box.wait_for(state="visible")
    assert summary["question"] in page.inner_text("#transfer-question")
    assert "010-2345-6789" not in box.inner_text(), "masked"
    shown = [(li.get_attribute("data-entry-id"), int(li.get_attribute("data-version") or 0))
             for li in page.locator("#transfer-summary .transfer-cite").all()]
    assert shown == [(c["entry_id"], c["version"]) for t in summary["told"] for c in t["citations"]]
    assert [li.get_attribute("data-kind") for li in page.locator("#transfer-open li").all()] == \
        [o["kind"] for o in summary["open"]]
    label = summary["situation"].get("label")
    assert (page.locator("#transfer-situation").count() == 1) == bool(label)


def test_the_receiver_sees_the_pushed_summary_first_and_opens_the_call(open_page: Any, server: LiveServer) -> None:
    token = server.rt.tokens.create(name=RECEIVER, role="counselor")
    page = open_page("/widget/", token=token)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("body[data-live=open]")
    out = handed_over(server)
    check_shows(page, out["summary"])  # pushed: no click, no polling

    page.click("#transfer-open-call")
    page.wait_for_function(f"() => document.querySelector('#call-id').textContent === {out['call_id']!r}")
    check_shows(page, out["summary"])
    first = page.locator("#transfer-summary").bounding_box()
    assert first and first["y"] < page.locator("#transcript").bounding_box()["y"], "the summary before the transcript"
    assert first["y"] < page.locator("#ask-form").bounding_box()["y"], "and before everything else on the panel"
    screenshot(page, "widget-transfer-summary")


def test_opening_a_transferred_call_by_number_shows_its_summary(open_page: Any, server: LiveServer) -> None:
    out = handed_over(server)
    token = server.rt.tokens.create(name=RECEIVER, role="counselor")
    page = open_page("/widget/", token=token)
    page.wait_for_selector("body[data-ready=true]")
    page.click("#call-resume")
    page.fill("#resume-id", out["call_id"])
    page.click("#resume-form button[type=submit]")
    check_shows(page, out["summary"])
    page.click("#call-start")  # a new call of the receiver's own: the summary goes
    page.locator("#transfer-summary").wait_for(state="hidden")


def test_a_transfer_to_an_agency_from_the_widget_reaches_that_agencys_counselor(
        open_page: Any, server: LiveServer) -> None:
    from sqlmodel import Session

    from assistant.agencies.models import Agency

    with Session(server.rt.engine) as s:
        if s.get(Agency, "nts") is None:
            s.add(Agency(code="nts", name="국세청", contact="126"))
            s.commit()
    receiver = open_page("/widget/", token=server.rt.tokens.create(name="국세청 상담사 박", role="counselor", agency="nts"))
    receiver.wait_for_selector("body[data-live=open]")

    sender = open_page("/widget/", role="counselor")
    sender.wait_for_selector("body[data-ready=true]")
    sender.click("#call-start")
    sender.wait_for_selector("#line-form:not([hidden])")
    sender.fill("#line", QUESTION)
    sender.keyboard.press("Enter")
    sender.wait_for_function("() => document.querySelector('#answer').dataset.suggestionId !== ''")
    cid = sender.inner_text("#call-id")
    sender.click("#call-transfer")
    sender.fill("#transfer-agency", "nts")
    sender.fill("#transfer-to", "국세청 상담사 박")
    sender.click("#transfer-form button[type=submit]")
    sender.wait_for_function("() => document.querySelector('#call-state').textContent === '이관됨'")

    sent = next(e for e in server.api("GET", f"/v1/calls/{cid}", role="counselor").json()["events"]
                if e["kind"] == "transfer")["payload"]
    check_shows(receiver, sent["summary"])
    receiver.click("#transfer-open-call")
    receiver.wait_for_function(f"() => document.querySelector('#call-id').textContent === {sent['linked_call_id']!r}")
    assert QUESTION in receiver.inner_text("#transcript"), "the citizen's lines came along"
    receiver.click("#call-record")
    receiver.locator("#record-box").wait_for(state="visible")
    assert cid in receiver.inner_text("#record"), "the receiving record links to the sending call"
    sender.click("#call-record")
    sender.locator("#record-box").wait_for(state="visible")
    assert sent["linked_call_id"] in sender.inner_text("#record"), "and the sending record to the receiving call"


def test_a_call_queued_for_an_agency_is_taken_by_one_of_its_counselors(open_page: Any, server: LiveServer) -> None:
    """Handed to an agency with no counselor named: every widget of that agency shows it with a button that
    takes it; the one who takes it gets the call, the other is told it is gone."""
    from sqlmodel import Session

    from assistant.agencies.models import Agency

    with Session(server.rt.engine) as s:
        if s.get(Agency, "mois") is None:
            s.add(Agency(code="mois", name="행정안전부", contact="110"))
            s.commit()
    pages = {name: open_page("/widget/", token=server.rt.tokens.create(name=name, role="counselor", agency="mois"))
             for name in ("행안부 상담사 김", "행안부 상담사 이")}
    for page in pages.values():
        page.wait_for_selector("body[data-live=open]")
    cid = server.api("POST", "/v1/calls", role="counselor", json={}).json()["call_id"]
    assert server.api("POST", f"/v1/calls/{cid}/utterances", role="counselor",
                      json={"speaker": "citizen", "text": QUESTION}).status_code == 200
    out = server.api("POST", f"/v1/calls/{cid}/transfer", role="counselor", json={"to_agency": "mois"}).json()
    first, second = pages.values()
    for page in pages.values():
        check_shows(page, out["summary"])
        assert page.inner_text("#transfer-open-call") == "대기 통화 가져오기"
    first.click("#transfer-open-call")
    first.wait_for_function(f"() => document.querySelector('#call-id').textContent === {out['linked_call_id']!r}")
    second.wait_for_selector("#transfer-claimed")  # pushed to the colleague: no click
    assert "행안부 상담사 김" in second.inner_text("#transfer-claimed")
