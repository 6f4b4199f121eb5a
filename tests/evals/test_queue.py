"""Evaluation on every manual update, and drafts gated by it (service level and over HTTP)."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.evals.datasets import EvalQuery
from assistant.evals.queue import affected_questions, evaluate
from assistant.kb.repo import import_records
from assistant.runtime import Runtime
from tests.conftest import auth_headers, make_settings


def test_affected_questions_are_those_whose_gold_or_previous_hits_touch_a_change():
    qs = [EvalQuery("a", "x", None, ("e1",)), EvalQuery("b", "y", None, ("e2",)), EvalQuery("c", "z", None, ())]
    prev = [{"qid": "b", "ranked": ["e9", "e3"], "citations": []}, {"qid": "c", "ranked": [], "citations": [{"entry_id": "e3"}]}]
    assert [q.qid for q in affected_questions(qs, prev, ["e3"])] == ["b", "c"]
    assert [q.qid for q in affected_questions(qs, [], ["e1"])] == ["a"]
    assert affected_questions(qs, prev, []) == []


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture()
def rt(tmp_path, subset_records) -> Runtime:
    """A runtime whose evaluation set asks for a dozen of its own entries by title."""
    picked = [r for r in subset_records if r.sido == "서울특별시"][:12]
    queries = tmp_path / "queries.jsonl"
    queries.write_text("".join(json.dumps({
        "qid": f"t{i}", "question": f"{r.title} 어떻게 신청해요", "region": f"{r.sido} {r.sigungu}".strip(),
        "gold": [r.entry_id], "type": "direct", "lang": "ko", "key_facts": []}, ensure_ascii=False) + "\n"
        for i, r in enumerate(picked)), encoding="utf-8")
    rt = Runtime(make_settings(tmp_path, eval_on_change=True, eval_queries=queries, eval_gates=None))
    import_records(rt.engine, subset_records, "", author="test", dry_run=False, prune=False)
    rt.manager.rebuild()
    rt.start()
    rt.picked = picked  # type: ignore[attr-defined]
    return rt


@pytest.mark.integration
def test_bursts_coalesce_and_runs_score_affected_questions_first(rt):
    first = rt.evals.enqueue("entry.update A", ["A"])
    assert rt.evals.enqueue("entry.update B", ["B"]) == first, "a burst joins the run still waiting"
    assert rt.evals.run_pending() == 1
    run = rt.evals.get(first)
    assert run.status == "done" and sorted(run.changed) == ["A", "B"] and run.passed is True
    assert run.summary["retrieval"]["overall"]["n"] == 12 and len(run.results) == 12
    assert rt.evals.latest_summary() == run.summary
    target = rt.picked[0]
    second = rt.evals.enqueue(f"entry.update {target.entry_id}", [target.entry_id])
    rt.evals.run_pending()
    run2 = rt.evals.get(second)
    assert "t0" in run2.affected and run2.affected_summary["retrieval"]["overall"]["n"] == len(run2.affected)
    again = rt.evals.compare(second)
    assert again["with_id"] == first and again["same_dataset"]
    assert again["scores"]["retrieval.mrr@10"]["delta"] == 0, "nothing changed: identical scores"


@pytest.mark.integration
def test_an_edit_over_http_queues_a_run_and_drafts_are_gated(rt, tmp_path):
    target = rt.picked[0]
    rows, summary = evaluate(rt.advisor, rt.evals.queries(), 10)
    hit1 = summary["retrieval"]["overall"]["hit@1"]
    gates = tmp_path / "gates.toml"
    gates.write_text(f'[min]\n"retrieval.overall.hit@1" = {hit1 - 0.001}\n', encoding="utf-8")
    rt.evals.gates_path = gates
    with TestClient(create_app(rt.settings, runtime=rt)) as client:
        editor, admin, qa = (auth_headers(rt, role) for role in ("editor", "admin", "qa"))
        entry = client.get(f"/v1/entries/{target.entry_id}", headers=editor).json()
        ok = client.patch(f"/v1/entries/{target.entry_id}", headers=editor,
                          json={"expected_version": entry["version"], "note": "표현 다듬기",
                                "content": entry["content"] + "\n문의는 구청으로 해 주세요."})
        assert ok.status_code == 200
        runs = wait_for(lambda: [r for r in client.get("/v1/evals", headers=qa).json() if r["status"] == "done"])
        assert target.entry_id in runs[0]["changed"] and runs[0]["scores"]["retrieval.hit@1"] >= 0
        detail = client.get(f"/v1/evals/{runs[0]['id']}", params={"results": "true"}, headers=qa).json()
        assert len(detail["results"]) == 12 and detail["meta"]["kb_version"] >= 1

        # a draft that guts the entry: evaluated, fails the gate, shows the question it breaks
        current = client.get(f"/v1/entries/{target.entry_id}", headers=editor).json()
        bad = client.post("/v1/drafts", headers=editor, json={
            "action": "update", "entry_id": target.entry_id, "base_version": current["version"],
            "changes": {"title": "폐지 예정 안내", "content": "해당 없음"}, "note": "정리"}).json()
        assert bad["status"] == "evaluating"
        bad = wait_for(lambda: (d := client.get(f"/v1/drafts/{bad['id']}", headers=editor).json())["status"] != "evaluating" and d)
        assert bad["status"] == "ready" and bad["passed"] is False and bad["evaluation"]["gates"]
        listed = client.get("/v1/drafts", params={"entry_id": target.entry_id}, headers=editor).json()
        assert [d["id"] for d in listed] == [bad["id"]]
        first_run = client.get("/v1/evals", headers=qa).json()[-1]["id"]
        not_yet = client.get(f"/v1/evals/{first_run}/compare", headers=qa)
        assert not_yet.status_code == 409 and not_yet.json()["error"]["code"] == "RunNotComparable"
        assert any(q["qid"] == "t0" for q in bad["evaluation"]["regressed"])
        assert bad["evaluation"]["regressed"][0]["answer_before"]
        refused = client.post(f"/v1/drafts/{bad['id']}/publish", headers=editor, json={})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "GateFailed"
        assert client.post(f"/v1/drafts/{bad['id']}/publish", headers=editor,
                           json={"override": True, "reason": "x"}).status_code == 403, "only admins override"
        assert client.post(f"/v1/drafts/{bad['id']}/publish", headers=admin,
                           json={"override": True}).status_code == 422, "an override needs a reason"
        unchanged = client.get(f"/v1/entries/{target.entry_id}", headers=editor).json()
        assert unchanged["version"] == current["version"], "refused publishes write nothing"
        done = client.post(f"/v1/drafts/{bad['id']}/publish", headers=admin,
                           json={"override": True, "reason": "사업 종료 공지가 먼저 나가야 함"})
        assert done.status_code == 200 and done.json()["entry"]["version"] == current["version"] + 1
        audit = client.get("/v1/audit", params={"target": target.entry_id}, headers=qa).json()["data"]
        assert {"draft.override", "draft.publish"} <= {a["action"] for a in audit}
        stale = client.post("/v1/drafts", headers=editor, json={
            "action": "update", "entry_id": target.entry_id, "base_version": current["version"],
            "changes": {"title": "x"}})
        assert stale.status_code == 409 and stale.json()["error"]["current_version"] == current["version"] + 1
        assert client.post("/v1/drafts", headers=editor, json={
            "action": "update", "entry_id": target.entry_id, "base_version": current["version"] + 1,
            "changes": {"scope": "planet"}}).status_code == 422
