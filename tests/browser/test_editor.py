"""The editor screens in a real Chromium: edit → new version, diff and searchable at once; stale saves lose nothing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.browser.conftest import OFF_TOPIC, LiveServer, ask, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.integration]

REGION = "서울특별시 강남구"
NEW_SENTENCE = "추가 안내: 반딧불이 야간돌봄 쿠폰을 함께 드립니다."
NEW_WORDS = "반딧불이 야간돌봄 쿠폰"


def entries(server: LiveServer, region: str = REGION) -> list[dict[str, Any]]:
    res = server.api("GET", "/v1/entries", role="editor", params={"region": region, "status": "active", "limit": 50})
    assert res.status_code == 200, res.text
    return [e for e in res.json()["data"] if e["sigungu"]]  # the district's own entries


def open_entry(page: Any, entry_id: str) -> Any:
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#find-q", entry_id)
    page.keyboard.press("Enter")
    page.click(f"#find-results button[data-entry-id='{entry_id}']")
    page.wait_for_selector("#edit-box:not([hidden])")
    page.wait_for_function(f"() => document.querySelector('#edit-id').textContent === {entry_id!r}")
    return page


def test_an_edit_shows_the_new_version_and_its_diff_and_the_widget_finds_the_new_words(
        open_page: Any, server: LiveServer) -> None:
    entry = entries(server)[0]
    page = open_entry(open_page("/editor/", role="editor"), entry["entry_id"])
    assert page.inner_text("#edit-version") == f"v{entry['version']}"
    assert page.input_value("#edit-content") == entry["content"]

    page.fill("#edit-content", entry["content"] + "\n" + NEW_SENTENCE)
    page.fill("#edit-note", "야간돌봄 쿠폰 안내 추가")
    page.click("#save-btn")
    page.wait_for_selector("#saved-version")
    new_version = entry["version"] + 1
    assert page.inner_text("#saved-version") == f"v{new_version}"
    assert page.inner_text("#edit-version") == f"v{new_version}"
    message = page.inner_text("#edit-message")
    assert "검색에 바로 반영" in message
    indexed = int(re.search(r"색인 KB 버전 (\d+)", message).group(1))  # type: ignore[union-attr]
    assert indexed == server.rt.kb_version()  # the index already holds this save

    page.wait_for_selector("#saved-diff .diff .add")
    added = page.locator("#saved-diff .diff .add").all_inner_texts()
    assert any(NEW_SENTENCE in line for line in added)
    current = server.api("GET", f"/v1/entries/{entry['entry_id']}", role="editor").json()
    assert current["version"] == new_version and NEW_SENTENCE in current["content"]
    assert current["change_note"] == "야간돌봄 쿠폰 안내 추가"
    screenshot(page, "editor-saved")

    # "위젯에서 검색" opens the widget on the entry's title, in its region
    with page.context.expect_page() as popup:
        page.click("#try-in-widget")
    widget = popup.value
    widget.wait_for_selector(f"#cards li.card[data-entry-id='{entry['entry_id']}']")

    # and a counselor finds the entry by the words just added
    counselor = ask(open_page("/widget/"), NEW_WORDS, REGION)
    card = counselor.locator(f"#cards li.card[data-entry-id='{entry['entry_id']}']")
    assert card.count() == 1
    assert f"v{new_version}" in card.inner_text()
    screenshot(counselor, "widget-finds-edit")


def test_a_stale_save_keeps_the_text_and_offers_the_current_version_beside_it(
        open_page: Any, server: LiveServer) -> None:
    entry = entries(server)[1]
    page = open_entry(open_page("/editor/", role="editor"), entry["entry_id"])
    mine = entry["content"] + "\n내가 고친 문장: 신청은 주민센터에서도 받습니다."
    page.fill("#edit-content", mine)
    page.fill("#edit-title-input", entry["title"] + " (개정)")

    # another editor saves first
    theirs = entry["content"] + "\n다른 편집자의 변경: 문의처가 바뀌었습니다."
    other = server.api("PATCH", f"/v1/entries/{entry['entry_id']}", role="admin",
                       json={"expected_version": entry["version"], "content": theirs, "note": "동시 편집"})
    assert other.status_code == 200, other.text

    page.click("#save-btn")
    page.wait_for_selector("#conflict-message")
    text = page.inner_text("#conflict-message")
    assert "다른 사람이 먼저" in text and f"v{entry['version'] + 1}" in text
    assert page.input_value("#edit-content") == mine  # nothing lost
    assert page.input_value("#edit-title-input") == entry["title"] + " (개정)"
    assert server.api("GET", f"/v1/entries/{entry['entry_id']}", role="editor").json()["content"] == theirs
    screenshot(page, "editor-conflict")

    page.click("#load-current")
    page.locator("#current-box").wait_for(state="visible")
    assert page.inner_text("#current-version") == f"v{entry['version'] + 1}"
    assert "다른 편집자의 변경" in page.inner_text("#current-content")
    assert page.input_value("#edit-content") == mine
    screenshot(page, "editor-conflict-current")

    page.click("#rebase-btn")
    assert page.inner_text("#edit-version") == f"v{entry['version'] + 1}"
    page.focus("#edit-content")
    page.keyboard.press("Control+s")  # saves like the button
    page.wait_for_selector("#saved-version")
    assert page.inner_text("#saved-version") == f"v{entry['version'] + 2}"
    saved = server.api("GET", f"/v1/entries/{entry['entry_id']}", role="editor").json()
    assert saved["content"] == mine and saved["title"] == entry["title"] + " (개정)"


def test_history_diffs_any_two_versions(open_page: Any, server: LiveServer) -> None:
    entry = entries(server)[2]
    eid, v = entry["entry_id"], entry["version"]
    for i, line in enumerate(("첫째 추가 문장입니다.", "둘째 추가 문장입니다.")):
        res = server.api("PATCH", f"/v1/entries/{eid}", role="admin",
                         json={"expected_version": v + i, "content": entry["content"] + "\n" + line, "note": f"수정 {i + 1}"})
        assert res.status_code == 200, res.text

    page = open_entry(open_page("/editor/", role="editor"), eid)
    page.click("#history-btn")
    page.wait_for_selector("#history-rows tr")
    assert page.locator("#history-rows tr").count() == v + 2
    page.check(f"#history-rows input[name=from][value='{v}']")
    page.check(f"#history-rows input[name=to][value='{v + 2}']")
    page.click("#compare-btn")
    page.wait_for_selector("#history-diff .diff")
    added = " ".join(page.locator("#history-diff .diff .add").all_inner_texts())
    assert "둘째 추가 문장입니다." in added and "첫째" not in added  # v → v+2 skips the intermediate line
    assert f"v{v} → v{v + 2}" in page.inner_text("#history-diff")
    assert "수정 1" in page.inner_text("#history-rows")
    screenshot(page, "editor-history")


def test_create_then_retire_an_entry(open_page: Any, server: LiveServer) -> None:
    page = open_page("/editor/", role="editor")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-new")
    page.fill("#new-id", "test:browser-0001")
    page.fill("#new-title-input", "은하수 어르신 말벗 전화 서비스")
    page.fill("#new-content", "홀로 사는 어르신께 주 2회 말벗 전화를 드립니다.\n신청 방법: 동 주민센터 방문")
    page.select_option("#new-scope", "sigungu")
    page.select_option("#new-region", REGION)
    page.fill("#new-department", "강남구 어르신복지과")
    page.click("#new-form button[type=submit]")
    page.wait_for_selector("#new-message .msg.ok")
    assert "test:browser-0001" in page.inner_text("#new-message")
    created = server.api("GET", "/v1/entries/test:browser-0001", role="editor").json()
    assert created["version"] == 1 and created["sigungu"] == "강남구" and created["scope"] == "sigungu"
    screenshot(page, "editor-new")

    page.click("#new-message button")  # 편집 화면에서 열기
    page.wait_for_function("() => document.querySelector('#edit-id').textContent === 'test:browser-0001'")
    page.click("#retire-btn")
    page.fill("#retire-note", "시범 사업 종료")
    page.click("#retire-form button[type=submit]")
    page.locator("#edit-retired").wait_for(state="visible")
    assert server.api("GET", "/v1/entries/test:browser-0001", role="editor").json()["status"] == "retired"


def test_the_gaps_tab_lists_what_the_manuals_could_not_answer(open_page: Any, server: LiveServer) -> None:
    asked = [q for q in OFF_TOPIC
             if server.api("POST", "/v1/advise", role="counselor", json={"question": q}).json()["abstained"]]
    if not asked:
        pytest.skip("the service answers every off-topic question here; no gap to show")
    page = open_page("/editor/", role="editor")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-gaps")
    page.wait_for_selector("#gaps-list .gap-group")
    listed = page.inner_text("#gaps-list")
    assert asked[0] in listed and "답변 보류" in listed
    screenshot(page, "editor-gaps")


def test_a_counselor_token_reads_but_cannot_save(open_page: Any, server: LiveServer) -> None:
    entry = entries(server)[3]
    page = open_entry(open_page("/editor/", role="counselor"), entry["entry_id"])
    assert page.is_disabled("#save-btn") and page.is_disabled("#retire-btn")
    assert page.is_hidden("#tab-new")


def test_a_citation_to_an_entry_edited_since_says_so(open_page: Any, server: LiveServer) -> None:
    entry = entries(server)[4]
    page = ask(open_page("/widget/"), entry["title"], REGION)
    cite = page.locator("#answer-text button.cite").first
    cited = server.api("POST", "/v1/advise", role="counselor",
                       json={"question": entry["title"], "region": REGION}).json()["citations"][0]
    res = server.api("PATCH", f"/v1/entries/{cited['entry_id']}", role="admin",
                     json={"expected_version": cited["version"], "contact": "02-120", "note": "문의처 추가"})
    assert res.status_code == 200, res.text

    cite.click()
    page.wait_for_selector("#entry-newer")
    assert page.inner_text("#entry-version") == f"v{cited['version']}"  # still the version the answer used
    assert f"v{cited['version'] + 1}" in page.inner_text("#entry-newer")
    screenshot(page, "widget-entry-newer", full_page=False)
    page.click("#entry-newer button")
    page.wait_for_function(f"() => document.querySelector('#entry-version')?.textContent === 'v{cited['version'] + 1}'")
    assert "02-120" in page.inner_text("#entry-body")


def test_import_previews_first_then_writes(open_page: Any, server: LiveServer, tmp_path: Any) -> None:
    row = {"entry_id": "test:import-0001", "title": "별빛 청소년 야간 상담 지원", "scope": "sigungu",
           "content": "청소년에게 밤 10시까지 상담을 제공합니다.\n신청 방법: 전화", "sido": "서울특별시",
           "sigungu": "강남구", "department": "강남구 청소년과", "contact": "", "source_url": "", "category": "청소년",
           "tags": [], "status": "active", "source": "browser-test", "updated": "20261125"}
    upload = tmp_path / "new.jsonl"
    upload.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"entry_id": "", "title": ""}\n', encoding="utf-8")

    page = open_page("/editor/", role="editor")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-import")
    page.set_input_files("#import-file", str(bad))
    page.click("#import-preview")
    page.wait_for_selector("#import-error")
    assert page.is_disabled("#import-apply")

    page.set_input_files("#import-file", str(upload))
    page.select_option("#import-format", "kb-jsonl")
    assert page.is_disabled("#import-apply")  # only a previewed file can be imported
    page.click("#import-preview")
    page.wait_for_selector("#import-summary.warn")
    assert "추가 1" in page.inner_text("#import-result")
    assert server.api("GET", "/v1/entries/test:import-0001", role="editor").status_code == 404  # a dry run

    page.click("#import-apply")
    page.wait_for_selector("#import-summary.ok")
    assert "검색에 바로 반영" in page.inner_text("#import-summary")
    entry = server.api("GET", "/v1/entries/test:import-0001", role="editor").json()
    assert entry["title"] == row["title"] and entry["version"] == 1
    screenshot(page, "editor-import")
