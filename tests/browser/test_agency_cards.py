"""Another agency's entries in the widget, in a real Chromium: apart from the counselor's own cards and
marked as that agency's, with where to transfer ('이관 권장: 국세청 (126)').

Expected cards come from the API (the same question over HTTP with the same token), never hard-coded.
How a token is tied to an agency is the tenancy's business: here the live runtime's token check gives one
counselor's principal the welfare agency, which is all the search needs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.auth.service import Principal
from tests.browser.conftest import LiveServer, ask, screenshot, serve
from tests.conftest import make_settings
from tests.retrieval.agencies import NTS, TAX_QUESTION, WELFARE, add_agencies, agency_records

pytestmark = [pytest.mark.browser, pytest.mark.integration]

WELFARE_COUNSELOR = "상담사 복지센터"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, subset_records) -> Iterator[LiveServer]:
    with serve(make_settings(tmp_path_factory.mktemp("agency-cards")), subset_records + agency_records()) as live:
        add_agencies(live.rt.engine)
        live.tokens["welfare"] = live.rt.tokens.create(name=WELFARE_COUNSELOR, role="counselor", created_by="tests")
        check = live.rt.tokens.authenticate

        def authenticate(token: str | None) -> Principal:
            p = check(token)
            return dataclasses.replace(p, agency=WELFARE) if p.name == WELFARE_COUNSELOR else p

        live.rt.tokens.authenticate = authenticate  # type: ignore[method-assign]
        yield live


def cards(page: Any, selector: str) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(selector, """nodes => nodes.map(n => ({
        entry_id: n.dataset.entryId, other_agency: n.dataset.otherAgency || "", text: n.innerText}))""")


def test_an_agency_counselor_sees_the_other_agencys_entry_apart_with_the_transfer_hint(
        open_page: Any, server: LiveServer) -> None:
    expected = server.api("POST", "/v1/advise", role="welfare", json={"question": TAX_QUESTION, "top_k": 5}).json()
    assert expected["other_agency_hits"], "the tax office's entry answers the tax question clearly better"
    page = ask(open_page("/widget/", role="welfare"), TAX_QUESTION)
    page.wait_for_selector("#other-agency-box:not([hidden]) li.card")
    own = cards(page, "#cards li.card")
    assert [c["entry_id"] for c in own] == [h["entry_id"] for h in expected["hits"]]
    assert all(c["other_agency"] == "" and "이관 권장" not in c["text"] for c in own)
    others = cards(page, "#other-agency-cards li.card")
    assert [c["entry_id"] for c in others] == [h["entry_id"] for h in expected["other_agency_hits"]]
    for shown, hit in zip(others, expected["other_agency_hits"], strict=True):
        assert shown["other_agency"] == hit["other_agency"] == NTS
        assert hit["transfer_hint"] == "이관 권장: 국세청 (126)" and hit["transfer_hint"] in shown["text"]
        assert f"타 기관 · {NTS}" in shown["text"] and hit["title"] in shown["text"]
    assert "다른 기관" in page.inner_text("#other-agency-box")
    screenshot(page, "widget-other-agency")

    # a question of the common layer: no other agency's box
    ask(page, "출산장려금 지원 받고 싶어요", "서울특별시 중구")
    page.wait_for_function("() => document.querySelector('#other-agency-box').hidden")


def test_a_counselor_of_no_agency_sees_agency_entries_marked_among_the_cards(open_page: Any, server: LiveServer) -> None:
    expected = server.api("POST", "/v1/advise", role="counselor", json={"question": TAX_QUESTION, "top_k": 5}).json()
    marked = [h for h in expected["hits"] if h["other_agency"]]
    assert marked and not expected["other_agency_hits"]
    page = ask(open_page("/widget/", role="counselor"), TAX_QUESTION)
    shown = {c["entry_id"]: c for c in cards(page, "#cards li.card")}
    for hit in marked:
        card = shown[hit["entry_id"]]
        assert card["other_agency"] == hit["other_agency"] and hit["transfer_hint"] in card["text"]
    assert page.locator("#other-agency-box").is_hidden()
