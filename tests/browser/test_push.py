"""The widget's live connection in a real Chromium: a suggestion for the counselor's call posted through the
API (as the speech-to-text does) appears without a click; a notice posted by an editor appears as a banner
and above the answer of a matching question; a dropped connection resumes with Last-Event-ID and shows what
was published meanwhile."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer, screenshot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def post_line(server: LiveServer, call_id: str, text: str) -> dict[str, Any]:
    r = server.api("POST", f"/v1/calls/{call_id}/utterances", role="counselor",
                   json={"speaker": "citizen", "text": text, "final": True})
    assert r.status_code == 200, r.text
    return r.json()


def live(page: Any) -> Any:
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("body[data-live=open]")
    return page


def test_a_posted_utterance_shows_its_suggestion_without_a_click(open_page: Any, server: LiveServer) -> None:
    page = live(open_page("/widget/"))
    call = server.api("POST", "/v1/calls", role="counselor", json={"region": "서울특별시 중구"}).json()
    out = post_line(server, call["call_id"], "애기 낳으면 구에서 주는 출산장려금 있어요")
    sid = out["suggestion_id"]
    page.wait_for_function(f"() => document.querySelector('#answer').dataset.suggestionId === '{sid}'")
    assert page.inner_text("#call-id") == call["call_id"] and page.inner_text("#call-state") == "통화 중"
    assert "출산장려금 있어요" in page.inner_text("#transcript")
    titles = [c["title"] for c in out["suggestion"]["citations"]]
    assert titles and all(t in page.inner_text("#cards") for t in titles)
    screenshot(page, "widget-pushed-suggestion")
    # another counselor's widget shows nothing of it
    assert server.rt.push.connected >= 1


def test_a_notice_appears_at_once_and_above_a_matching_answer(open_page: Any, server: LiveServer) -> None:
    page = live(open_page("/widget/"))
    body = {"region": "서울특별시 중구", "text": "신당동 일대 정전, 15시 복구 예정, 문의 한전 123",
            "topics": ["정전"], "duration_minutes": 120}
    notice = server.api("POST", "/v1/notices", role="editor", json=body).json()
    banner = page.locator(f"#live-notices [data-notice-id='{notice['id']}']")
    banner.wait_for(state="visible")
    assert body["text"] in banner.inner_text() and "편집자 이바다" in banner.inner_text()
    # a widget following another region does not show it
    elsewhere = open_page("/widget/?region=부산광역시")
    live(elsewhere)
    assert elsewhere.locator(f"[data-notice-id='{notice['id']}']").count() == 0
    # a question on the topic: the notice first, cited with its author and time
    page.select_option("#region", "서울특별시 중구")
    page.fill("#question", "신당동인데 정전됐어요 언제 복구돼요")
    page.keyboard.press("Enter")
    cited = page.locator(f"#answer-notices [data-notice-id='{notice['id']}']")
    cited.wait_for(state="visible")
    assert notice["cite"] in cited.inner_text()
    screenshot(page, "widget-notice")
    # ended early: the banner goes
    server.api("POST", f"/v1/notices/{notice['id']}/end", role="editor", json={"reason": "복구"})
    banner.wait_for(state="detached")


def test_a_dropped_connection_resumes_and_shows_what_was_missed(open_page: Any, server: LiveServer) -> None:
    page = live(open_page("/widget/"))
    sent: list[dict[str, str]] = []
    page.on("request", lambda r: sent.append(r.headers) if "/v1/events" in r.url else None)
    call = server.api("POST", "/v1/calls", role="counselor", json={}).json()
    first = post_line(server, call["call_id"], "기초연금 신청하려고요")
    page.wait_for_function(f"() => document.querySelector('#answer').dataset.suggestionId === '{first['suggestion_id']}'")

    # the network drops: the stream ends (the server's hub stops and starts again) and reconnects fail
    page.route("**/v1/events*", lambda route: route.abort())
    server.rt.push.stop()
    server.rt.push.start()
    page.wait_for_selector("body[data-live=closed]")
    missed = post_line(server, call["call_id"], "출산축하금은 어디서 신청해요")
    assert server.rt.push.connected == 0  # nobody was connected when it was published
    page.unroute("**/v1/events*")
    page.wait_for_function(f"() => document.querySelector('#answer').dataset.suggestionId === '{missed['suggestion_id']}'",
                           timeout=30_000)
    wait_for(lambda: any(h.get("last-event-id") for h in sent), "a reconnect with Last-Event-ID")
    assert "출산축하금은 어디서 신청해요" in page.inner_text("#transcript")
