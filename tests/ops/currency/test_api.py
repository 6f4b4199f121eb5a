"""GET /v1/currency and the quarterly report against entries made and edited through the API and questions asked
through it: a stale entry is listed with its reasons, an edit counts as this quarter's update, a much-asked entry
not updated is flagged, the HTML and CSV agree with the JSON, and bad input is a 422 naming the accepted form."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from assistant.ops.currency.report import CSP
from assistant.ops.currency.rules import parse_quarter, quarter_of
from assistant.ops.trends.counting import KST

pytestmark = pytest.mark.integration

NOW = quarter_of(datetime.now(KST).date())
BEFORE = parse_quarter(f"{NOW.year - 1}Q{NOW.q}")
STALE = {"entry_id": "test:stale-contact", "title": "옛 번호 <출산> 안내 (테스트)", "scope": "sigungu",
         "sido": "서울특별시", "sigungu": "강남구", "department": "서울특별시 강남구 복지정책과",
         "contact": "017-123-4567", "updated": f"{NOW.year - 2}0105",
         "content": f"신청은 {NOW.year - 2}년 12월 31일까지 받습니다. 문의는 017-123-4567로 해 주세요."}


@pytest.fixture(scope="module")
def stale(editor) -> dict:
    r = editor.post("/v1/entries", json=STALE)
    assert r.status_code == 201, r.text
    return r.json()["entry"]


def currency(client, **params) -> dict:
    r = client.get("/v1/currency", params={"quarter": NOW.label, "limit": 1000, **params})
    assert r.status_code == 200, r.text
    return r.json()


def entry(report: dict, entry_id: str, key: str = "by_last_update") -> dict | None:
    return next((e for e in report[key] if e["entry_id"] == entry_id), None)


def test_a_stale_entry_is_listed_with_its_reasons(supervisor, stale):
    found = entry(currency(supervisor, region="서울특별시 강남구"), stale["entry_id"], "attention")
    assert found is not None and found["unit"] == "서울특별시 강남구"
    assert {f["rule"] for f in found["findings"]} == {"phone_retired", "deadline_past", "year_past"}
    assert not found["updated_in_quarter"]


def test_an_edit_counts_as_this_quarters_update_and_not_last_years(supervisor, editor, rt):
    # not a 출산 entry: the next test needs those much asked and not updated
    target = next(e for e in rt.manager.holder.snapshot.entries.values()
                  if e.sigungu == "중구" and e.sido == "서울특별시" and "출산" not in e.title)
    unit = f"{target.sido} {target.sigungu}"

    def state(quarter: str) -> tuple[int, bool]:
        report = currency(supervisor, quarter=quarter, region=unit)
        u = next(u for u in report["units"] if u["unit"] == unit)
        return u["updated_in_quarter"], entry(report, target.entry_id)["updated_in_quarter"]

    count, updated = state(NOW.label)
    assert not updated
    r = editor.patch(f"/v1/entries/{target.entry_id}", json={"expected_version": target.version,
                                                              "title": target.title + " (현행화)", "note": "현행화"})
    assert r.status_code == 200, r.text
    assert state(NOW.label) == (count + 1, True)
    assert state(BEFORE.label)[1] is False  # the edit is not in a quarter that ended before it


def test_a_much_asked_entry_not_updated_is_flagged_until_it_is(supervisor, counselor, editor, rt):
    asked_for = next(e for e in rt.manager.holder.snapshot.entries.values()
                     if e.sigungu == "중구" and e.sido == "서울특별시" and "출산" in e.title)
    answers = [counselor.post("/v1/advise", json={"question": f"{asked_for.title} 어떻게 신청해요",
                                                  "region": "서울특별시 중구"}).json() for _ in range(4)]
    answered = [a for a in answers if not a["abstained"]]
    assert answered, "the question is answered (an abstention counts for no entry)"
    top = answered[0]["hits"][0]["entry_id"]
    asked = sum(a["hits"][0]["entry_id"] == top for a in answered)
    found = entry(currency(supervisor), top, "attention")
    assert found is not None and found["high_demand"] and found["demand"] >= asked >= 3
    current = editor.get(f"/v1/entries/{top}").json()
    assert editor.patch(f"/v1/entries/{top}", json={"expected_version": current["version"],
                                                    "content": current["content"] + "\n(분기 점검 완료)"}).status_code == 200
    after = currency(supervisor)
    assert entry(after, top, "attention") is None or entry(after, top, "attention")["findings"]
    assert entry(after, top)["updated_in_quarter"]


def test_the_html_report_lists_the_stale_entry_escaped_under_its_own_policy(supervisor, stale):
    r = supervisor.get("/v1/reports/currency", params={"quarter": NOW.label, "format": "html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP and "script" not in CSP
    page = r.text
    assert stale["entry_id"] in page and "옛 번호 &lt;출산&gt; 안내" in page and "<출산>" not in page
    assert "폐지된 휴대전화 국번" in page and NOW.label in page


def test_the_csv_reports_agree_with_the_json(supervisor, stale):
    report = currency(supervisor)
    r = supervisor.get("/v1/reports/currency", params={"quarter": NOW.label, "format": "csv", "table": "units"})
    assert r.status_code == 200 and r.text.startswith("\ufeff") and "attachment" in r.headers["content-disposition"]
    units = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert sum(int(u["항목 수"]) for u in units) == report["entries"]
    assert [(u["기관"], int(u["분기 내 갱신"])) for u in units] == \
        [(u["unit"], u["updated_in_quarter"]) for u in report["units"]]
    r = supervisor.get("/v1/reports/currency", params={"quarter": NOW.label, "format": "csv", "table": "entries"})
    rows = {row["항목 ID"]: row for row in csv.DictReader(io.StringIO(r.text.lstrip("\ufeff")))}
    assert set(rows) == {e["entry_id"] for e in report["attention"]}
    assert "지난 기한" in rows[stale["entry_id"]]["점검 사유"]


@pytest.mark.parametrize("path", ["/v1/currency", "/v1/reports/currency"])
@pytest.mark.parametrize(("params", "says"), [
    ({"quarter": "2026Q5"}, "YYYYQn, e.g. 2026Q4"), ({"quarter": "2026-4"}, "YYYYQn"), ({"quarter": "Q4"}, "YYYYQn"),
    ({"region": "없는시 없는구"}, "Accepted forms"),
])
def test_bad_input_is_a_422_naming_the_accepted_form(supervisor, path, params, says):
    r = supervisor.get(path, params=params)
    assert r.status_code == 422 and says in r.json()["error"]["message"], r.text


@pytest.mark.parametrize(("params", "says"), [({"format": "pdf"}, "format"), ({"table": "all"}, "table")])
def test_bad_report_options_are_a_422(supervisor, params, says):
    r = supervisor.get("/v1/reports/currency", params=params)
    assert r.status_code == 422 and says in r.json()["error"]["message"], r.text


def test_counselors_may_not_read_the_reports(counselor):
    assert counselor.get("/v1/currency").status_code == 403
    assert counselor.get("/v1/reports/currency").status_code == 403
