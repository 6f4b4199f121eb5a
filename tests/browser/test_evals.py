"""The editor's evaluation screens in a real Chromium: drafts gated by the evaluation (refused, overridden by
an admin with a reason, or published), what an ordinary save changed in the answers, and the QA tab.

The module serves its own knowledge base with evaluation on: ten questions that ask for the subset's own
Seoul entries by title, and a gate on hit@1 just below what they score now, so gutting one entry fails it.
The tests run in file order and share that knowledge base (the last ones read the runs the first ones made).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from assistant.evals.queue import evaluate
from assistant.types import EntryRecord
from tests.browser.conftest import LiveServer, screenshot, serve, wait_for
from tests.conftest import make_settings

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

EVAL_WAIT = 150_000  # ms: a draft or a run scores ten questions twice on two busy cores
ADDED = "문의는 구청 복지정책과로 해 주세요."


@dataclass
class EvalServer(LiveServer):
    """The live service plus the evaluation questions' entries and their rank of gold before any edit."""

    picked: list[EntryRecord] = field(default_factory=list)
    rank: dict[str, int | None] = field(default_factory=dict)  # entry id → rank of gold at the start

    def qid(self, entry_id: str) -> str:
        return f"t{[r.entry_id for r in self.picked].index(entry_id)}"

    def ranked_first(self) -> list[EntryRecord]:
        return [r for r in self.picked if self.rank[r.entry_id] == 1]

    def entry(self, entry_id: str) -> dict[str, Any]:
        res = self.api("GET", f"/v1/entries/{entry_id}", role="editor")
        assert res.status_code == 200, res.text
        return res.json()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, subset_records: list[EntryRecord]) -> Iterator[EvalServer]:
    """The subset served with evaluation on every change, a small question set and a hit@1 gate."""
    tmp = tmp_path_factory.mktemp("browser-evals")
    picked = [r for r in subset_records if r.sido == "서울특별시"][:10]
    queries = tmp / "queries.jsonl"
    queries.write_text("".join(json.dumps({
        "qid": f"t{i}", "question": f"{r.title} 어떻게 신청해요", "region": f"{r.sido} {r.sigungu}".strip(),
        "gold": [r.entry_id], "type": "direct" if i % 2 else "region", "lang": "ko",
        "key_facts": [r.department] if r.department else []}, ensure_ascii=False) + "\n"
        for i, r in enumerate(picked)), encoding="utf-8")
    gates = tmp / "gates.toml"  # written below, from the baseline, before anything reads it
    settings = make_settings(tmp, eval_on_change=True, eval_queries=queries, eval_gates=gates)
    with serve(settings, subset_records) as live:
        rows, summary = evaluate(live.rt.advisor, live.rt.evals.queries(), 10)
        hit1 = summary["retrieval"]["overall"]["hit@1"]
        gates.write_text(f'[min]\n"retrieval.overall.hit@1" = {hit1 - 0.001}\n', encoding="utf-8")
        # one finished run before the tests, so every later run has one to be compared with
        first = live.rt.evals.enqueue("baseline", [])
        wait_for(lambda: live.rt.evals.get(first).status == "done", "the baseline run", timeout=180)
        rank = {r["gold"][0]: r["rank"] for r in rows}
        yield EvalServer(live.url, live.rt, live.tokens, picked=picked, rank=rank)


def open_entry(page: Any, entry_id: str) -> Any:
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#find-q", entry_id)
    page.keyboard.press("Enter")
    page.click(f"#find-results button[data-entry-id='{entry_id}']")
    page.wait_for_selector("#edit-box:not([hidden])")
    page.wait_for_function(f"() => document.querySelector('#edit-id').textContent === {entry_id!r}")
    return page


def test_a_stale_draft_keeps_the_text_like_a_stale_save(open_page: Any, server: EvalServer) -> None:
    entry = server.entry(server.picked[3].entry_id)
    page = open_entry(open_page("/editor/", role="editor"), entry["entry_id"])
    mine = entry["content"] + "\n내가 쓰던 초안 문장입니다."
    page.fill("#edit-content", mine)
    other = server.api("PATCH", f"/v1/entries/{entry['entry_id']}", role="admin",
                       json={"expected_version": entry["version"], "content": entry["content"] + "\n다른 사람의 수정."})
    assert other.status_code == 200, other.text

    page.click("#draft-btn")
    page.wait_for_selector("#conflict-message")
    page.wait_for_selector("#draft-stale")
    assert page.input_value("#edit-content") == mine, "the editor's text is kept"
    page.click("#load-current")
    page.wait_for_selector("#current-box:not([hidden])")
    assert "다른 사람의 수정." in page.inner_text("#current-content")


def test_a_draft_made_stale_before_publishing_keeps_the_text(open_page: Any, server: EvalServer) -> None:
    entry = server.entry(server.picked[4].entry_id)
    page = open_entry(open_page("/editor/", role="editor"), entry["entry_id"])
    mine = entry["content"] + "\n" + ADDED
    page.fill("#edit-content", mine)
    page.click("#draft-btn")
    page.wait_for_selector("#draft-verdict", timeout=EVAL_WAIT)
    other = server.api("PATCH", f"/v1/entries/{entry['entry_id']}", role="admin",
                       json={"expected_version": entry["version"], "department": "다른 부서"})
    assert other.status_code == 200, other.text

    page.click("#draft-publish")
    page.wait_for_selector("#draft-stale")
    page.wait_for_selector("#conflict-message")
    assert page.input_value("#edit-content") == mine, "the editor's text is kept"
    assert server.entry(entry["entry_id"])["department"] == "다른 부서", "the other edit stands"


def test_an_ordinary_save_shows_what_it_changed_in_the_answers(open_page: Any, server: EvalServer) -> None:
    entry = server.entry(server.picked[2].entry_id)
    page = open_entry(open_page("/editor/", role="editor"), entry["entry_id"])
    page.fill("#edit-content", entry["content"] + "\n" + ADDED)
    page.click("#save-btn")
    page.wait_for_selector("#saved-version")
    # the watch has started; its status line may already be hidden again, because with the query
    # vectors of the previous run kept the whole evaluation can finish before the first poll
    page.wait_for_selector("#save-eval-status", state="attached")
    page.wait_for_selector("#save-eval-verdict", timeout=EVAL_WAIT)
    run_id = int(page.get_attribute("#save-eval-verdict", "data-run-id"))
    run = server.api("GET", f"/v1/evals/{run_id}", role="qa").json()
    assert run["status"] == "done" and entry["entry_id"] in run["changed"]
    assert page.locator("#save-eval-scores tbody tr").count() >= 3
    hit1 = page.inner_text("#save-eval-scores tr[data-metric='retrieval.hit@1']")
    assert f"{run['scores']['retrieval.hit@1']:.3f}" in hit1
    regressed = page.locator("#save-eval-regressed")
    if regressed.evaluate("e => e.tagName") == "P":
        assert regressed.inner_text() == "나빠진 질문 없음"
    else:  # an added sentence may still move another question: then both answers are shown
        assert page.locator("#save-eval-regressed li .ab .before").count() >= 1
    screenshot(page, "editor-save-eval")


def test_a_good_draft_passes_and_publishes(open_page: Any, server: EvalServer) -> None:
    entry = server.entry(server.ranked_first()[1].entry_id)
    page = open_entry(open_page("/editor/", role="editor"), entry["entry_id"])
    page.fill("#edit-content", entry["content"] + "\n" + ADDED)
    page.fill("#edit-note", "문의처 안내 추가")
    page.click("#draft-btn")
    page.wait_for_selector("#draft-status")
    assert "평가 중" in page.inner_text("#draft-body")
    screenshot(page, "editor-draft-evaluating")
    page.wait_for_selector("#draft-verdict", timeout=EVAL_WAIT)
    assert page.get_attribute("#draft-verdict", "data-passed") == "true", page.inner_text("#draft-body")
    assert page.locator("#draft-gates").count() == 0
    assert page.locator("#draft-scores tbody tr").count() >= 3
    assert server.entry(entry["entry_id"])["version"] == entry["version"], "a draft writes nothing"
    screenshot(page, "editor-draft-passed")

    page.click("#draft-publish")
    page.wait_for_selector("#draft-published")
    assert page.inner_text("#edit-version") == f"v{entry['version'] + 1}"
    assert page.inner_text("#saved-version") == f"v{entry['version'] + 1}"
    after = server.entry(entry["entry_id"])
    assert after["version"] == entry["version"] + 1 and ADDED in after["content"]
    assert after["change_note"] == "문의처 안내 추가"
    page.wait_for_selector("#saved-diff .diff .add")


def test_a_draft_that_guts_an_entry_fails_the_gate_and_only_an_admin_with_a_reason_publishes_it(
        open_page: Any, server: EvalServer) -> None:
    target = server.ranked_first()[0]
    qid = server.qid(target.entry_id)
    entry = server.entry(target.entry_id)

    def stage_gutted(role: str) -> Any:
        page = open_entry(open_page("/editor/", role=role), entry["entry_id"])
        page.fill("#edit-title-input", "폐지 예정 안내")
        page.fill("#edit-content", "해당 없음")
        page.fill("#edit-note", "정리")
        page.click("#draft-btn")
        page.wait_for_selector("#draft-verdict", timeout=EVAL_WAIT)
        return page

    page = stage_gutted("editor")
    assert page.get_attribute("#draft-verdict", "data-passed") == "false"
    gates = page.inner_text("#draft-gates")
    assert "품질 기준을 통과하지 못했습니다" in gates and "1위 적중률" in gates and "최소 기준" in gates
    assert "gate failed" not in gates, "the gate is said in Korean"
    assert "worse" in (page.get_attribute("#draft-scores tr[data-metric='retrieval.hit@1']", "class") or "")
    case = page.locator(f"#draft-regressed li[data-qid='{qid}']")
    assert case.count() == 1
    before = case.locator(".ab .before .text").inner_text()
    after = case.locator(".ab .after .text").inner_text()
    assert before and after and before != after
    assert "정답 항목 순위 1위" in case.inner_text()
    assert page.locator("#draft-override").count() == 0, "an editor cannot override"
    screenshot(page, "editor-draft-failed")

    page.click("#draft-publish")
    page.wait_for_selector("#publish-refused")
    assert "관리자에게" in page.inner_text("#publish-refused")
    assert server.entry(entry["entry_id"])["version"] == entry["version"], "a refused publish writes nothing"
    screenshot(page, "editor-draft-refused")

    # the draft stays on the server: opening the entry again lists it, and it opens with its evaluation
    again = open_entry(open_page("/editor/", role="editor"), entry["entry_id"])
    again.wait_for_selector("#entry-drafts button[data-draft-id]")
    screenshot(again, "editor-entry-drafts")
    again.click("#entry-drafts button[data-draft-id]")
    again.wait_for_selector(f"#draft-regressed li[data-qid='{qid}']")
    assert again.get_attribute("#draft-verdict", "data-passed") == "false"
    assert again.input_value("#edit-title-input") == "폐지 예정 안내", "the form shows what the draft would publish"

    page.click("#draft-discard")
    page.wait_for_selector("#draft-discarded")
    assert page.input_value("#edit-content") == "해당 없음", "discarding keeps the form"

    admin = stage_gutted("admin")
    admin.click("#draft-override")
    admin.click("#override-confirm")  # no reason yet
    admin.wait_for_selector("#draft-message .msg.bad")
    assert "사유" in admin.inner_text("#draft-message")
    assert server.entry(entry["entry_id"])["version"] == entry["version"]
    admin.fill("#override-reason", "사업 종료 공지가 먼저 나가야 함")
    screenshot(admin, "editor-draft-override")
    admin.click("#override-confirm")
    admin.wait_for_selector("#draft-published")
    assert "관리자 권한" in admin.inner_text("#draft-published")
    published = server.entry(entry["entry_id"])
    assert published["version"] == entry["version"] + 1 and published["title"] == "폐지 예정 안내"
    audit = server.api("GET", "/v1/audit", role="admin", params={"target": entry["entry_id"]}).json()["data"]
    override = [a for a in audit if a["action"] == "draft.override"]
    assert override and override[0]["detail"]["reason"] == "사업 종료 공지가 먼저 나가야 함"
    # the editor's own view of the run this publish queued: the gutted entry's question got worse
    admin.wait_for_selector("#save-eval-verdict", timeout=EVAL_WAIT)
    assert admin.get_attribute("#save-eval-verdict", "data-passed") == "false"
    admin.wait_for_selector(f"#save-eval-regressed li[data-qid='{qid}']")
    screenshot(admin, "editor-override-published")


def test_the_qa_tab_lists_runs_shows_one_compares_and_queues_a_run(open_page: Any, server: EvalServer) -> None:
    counselor = open_page("/editor/", role="counselor")
    counselor.wait_for_selector("body[data-ready=true]")
    assert counselor.locator("#tab-evals").is_hidden(), "counselors have no evaluation reports"

    page = open_page("/editor/", role="qa")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-evals")
    page.wait_for_selector("#evals-runs li")
    runs = server.api("GET", "/v1/evals", role="qa").json()
    assert page.locator("#evals-runs li").count() == len(runs)
    assert "기준 통과" in page.inner_text("#evals-runs") and "1위 적중" in page.inner_text("#evals-runs")
    assert "기준 미달" in page.inner_text("#evals-runs"), "the overridden publish's run failed the gate"
    screenshot(page, "editor-evals-list")

    failing = next(r for r in runs if r["status"] == "done" and r["passed"] is False)
    page.click(f"#evals-runs button[data-run-id='{failing['id']}']")
    page.wait_for_selector("#eval-questions li")
    assert page.locator("#eval-by-type tbody tr").count() == 2  # direct and region
    assert page.locator("#eval-by-lang tbody tr").count() == 1
    assert "최소 기준" in page.inner_text("#eval-gates")
    total = page.locator("#eval-questions li").count()
    assert total == 10
    page.check("#eval-only-failed")
    failed = page.locator("#eval-questions li").count()
    assert 1 <= failed < total and page.locator("#eval-questions li:not(.failed)").count() == 0
    page.locator("#eval-questions li summary").first.click()
    shown = server.api("GET", f"/v1/evals/{failing['id']}", role="qa").json()["summary"]["intervals"]["retrieval.hit@1"]
    assert page.inner_text("#eval-scores tr[data-metric='retrieval.hit@1'] td.ci") == \
        f"{shown['low']:.3f}–{shown['high']:.3f}", "each score with how far another set of its size could move it"
    screenshot(page, "editor-eval-run")

    page.click("#eval-compare-btn")
    page.wait_for_selector("#eval-compare-scores")
    assert page.locator("#eval-compare-regressed li").count() >= 1
    row = "#eval-compare-scores tr[data-metric='retrieval.hit@1']"
    assert "worse" in (page.get_attribute(row, "class") or "")
    sig = server.api("GET", f"/v1/evals/{failing['id']}/compare", role="qa").json()["significance"]["retrieval.hit@1"]
    assert page.get_attribute(row, "data-verdict") == sig["verdict"] and sig["worse"] >= 1
    assert f"▼{sig['worse']}" in page.inner_text(f"{row} td.verdict")
    assert f"나빠진 질문 {sig['worse']}개" in (page.get_attribute(f"{row} td.verdict", "title") or "")
    page.locator("#eval-compare").scroll_into_view_if_needed()
    screenshot(page, "editor-eval-compare")

    newest = runs[0]["id"]
    page.click("#evals-run")
    page.wait_for_function("() => document.querySelector('#evals-status').textContent.includes('대기열')")
    queued = int(page.inner_text("#evals-status").split("#")[1].split(")")[0])
    assert queued >= newest
    page.wait_for_selector(f"#evals-runs button[data-run-id='{queued}']")
