"""The trends and 현행화 screen and the editor's gap → new entry button in a real Chromium: the plots are drawn
with the questions the service answered, each CSV downloads what the API returns, the 현행화 tab and its HTML
report list a stale entry made here, and a gap group becomes a published entry through draft and evaluation."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.types import EntryRecord
from tests.browser.conftest import OFF_TOPIC, LiveServer, screenshot, serve
from tests.conftest import make_settings, write_quick_eval

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

ASKED: list[tuple[str, str]] = []  # filled by the server fixture: the subset's own Seoul titles, and off-topic ones
STALE = {"entry_id": "test:browser-stale", "title": "옛 번호로 안내하는 항목 (브라우저 시험)", "scope": "sigungu",
         "sido": "서울특별시", "sigungu": "강남구", "department": "서울특별시 강남구 복지정책과", "contact": "016-555-1234",
         "updated": "20230301", "content": "신청은 2023년 12월 31일까지입니다. 문의 016-555-1234"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, subset_records: list[EntryRecord]) -> Iterator[LiveServer]:
    """The subset served with a supervisor's token too, and three evaluation questions (a draft scores quickly)."""
    tmp = tmp_path_factory.mktemp("browser-trends")
    seoul = [r for r in subset_records if r.sido == "서울특별시" and r.sigungu in ("강남구", "중구")]
    ASKED[:] = [(f"{r.title} 어떻게 신청해요", f"{r.sido} {r.sigungu}") for r in seoul[:2] + seoul[-2:]]
    ASKED.extend([("기초연금 받을 수 있나요", ""), *((q, "서울특별시 강남구") for q in OFF_TOPIC)])
    with serve(make_settings(tmp, **write_quick_eval(tmp, subset_records)), subset_records) as live:
        live.tokens["supervisor"] = live.rt.tokens.create(name="감독자 박새벽", role="supervisor")
        for question, region in ASKED:
            r = live.api("POST", "/v1/advise", role="counselor", json={"question": question, "region": region or None})
            assert r.status_code == 200, r.text
        assert live.api("POST", "/v1/entries", role="editor", json=STALE).status_code == 201
        yield live


def downloaded(page: Any, selector: str) -> str:
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_text(encoding="utf-8-sig")


def line_pixels(page: Any, selector: str) -> int:
    """Coloured pixels on the plot's canvas: drawn data lines, not the grey axes and grid. Any line's colour
    counts: two topics with the same counts draw one line over the other, so the first colour can be hidden."""
    return page.evaluate("""(sel) => {
      const c = document.querySelector(sel + ' canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        const hi = Math.max(d[i], d[i + 1], d[i + 2]), lo = Math.min(d[i], d[i + 1], d[i + 2]);
        if (d[i + 3] > 200 && hi - lo > 70) n++;
      }
      return n;
    }""", selector)


def test_the_plots_show_the_questions_and_each_csv_is_the_apis_table(open_page: Any, server: LiveServer) -> None:
    api = server.api("GET", "/v1/trends", role="supervisor").json()
    assert api["questions"] == len(ASKED) and api["entries"], "some questions were answered with entries"
    page = open_page("/trends/", role="supervisor")
    page.wait_for_selector("body[data-ready=true]")
    for chart in ("#chart-hourly", "#chart-daily", "#chart-abstentions"):
        page.wait_for_selector(f"{chart} canvas")
    assert page.get_attribute("#chart-daily", "data-total") == str(len(ASKED))
    assert page.get_attribute("#chart-hourly", "data-total") == str(len(ASKED))
    assert page.get_attribute("#chart-abstentions", "data-total") == str(api["abstained"])
    assert line_pixels(page, "#chart-daily") > 20 and line_pixels(page, "#chart-hourly") > 20
    page.select_option("#daily-by", "district")
    page.wait_for_function("() => document.querySelector('#chart-daily').dataset.lines === '3'")  # 강남구, 중구, 지역 모름
    rows = page.locator("#entries-table tbody tr")
    assert rows.count() == len(api["entries"]) and rows.first.inner_text().startswith(api["entries"][0]["title"])
    screenshot(page, "trends")

    entries = list(csv.DictReader(io.StringIO(downloaded(page, "[data-csv=entries]"))))
    assert [(r["항목 ID"], int(r["질문 수"])) for r in entries] == [(e["entry_id"], e["count"]) for e in api["entries"]]
    daily = list(csv.DictReader(io.StringIO(downloaded(page, "[data-csv=daily]"))))
    assert sum(int(r["질문 수"]) for r in daily if r["구분"] == "지역") == len(ASKED)
    days = list(csv.DictReader(io.StringIO(downloaded(page, "[data-csv=abstentions]"))))
    assert sum(int(r["답변 보류"]) for r in days) == api["abstained"]


def test_the_currency_tab_and_its_report_list_the_stale_entry(open_page: Any, server: LiveServer) -> None:
    page = open_page("/trends/#currency", role="supervisor")
    row = page.wait_for_selector(f"#attention-table tr[data-entry-id='{STALE['entry_id']}']")
    text = row.inner_text()
    assert "폐지된 휴대전화 국번" in text and "지난 기한" in text and "서울특별시 강남구" in text
    assert page.locator("#units-table tr[data-unit='서울특별시 강남구']").count() == 1
    screenshot(page, "currency")
    report = downloaded(page, "#report-html")
    assert STALE["entry_id"] in report and STALE["title"] in report and "표준상담DB 현행화 보고서" in report
    todo = list(csv.DictReader(io.StringIO(downloaded(page, "#report-entries-csv"))))
    assert STALE["entry_id"] in {r["항목 ID"] for r in todo}


def test_a_counselor_sees_that_the_screen_is_not_theirs(open_page: Any) -> None:
    page = open_page("/trends/", role="counselor")
    page.wait_for_selector("body[data-ready=true]")
    assert "볼 수 없습니다" in page.inner_text("#trends-status")


def test_a_gap_becomes_a_published_entry_through_a_draft(open_page: Any, server: LiveServer) -> None:
    page = open_page("/editor/", role="editor")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-gaps")
    page.click("#gaps-list [data-gap-draft] >> nth=0")
    page.wait_for_function("() => document.querySelector('#gapdraft-title').value !== ''")
    entry_id = page.input_value("#gapdraft-id")
    assert any(q in page.input_value("#gapdraft-content") for q, _ in ASKED)
    content = "대형폐기물은 구청 누리집에서 배출 신고 후 스티커를 붙여 내놓습니다. 문의 02-3423-5114"
    page.fill("#gapdraft-content", content)
    page.click("#gapdraft-stage")
    page.wait_for_selector("#gapdraft-verdict[data-passed=true]", timeout=150_000)
    screenshot(page, "editor-gap-draft")
    page.click("#gapdraft-publish")
    page.wait_for_selector("#gapdraft-published")
    entry = server.api("GET", f"/v1/entries/{entry_id}", role="editor").json()
    assert entry["content"] == content and entry["version"] == 1
