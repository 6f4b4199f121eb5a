"""One request, one snapshot: an entry retired (and the index refreshed) between the search and the
answer must not break the answer, and the answer uses the entry as the search saw it."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from assistant.advisor.service import AbstentionPolicy
from assistant.evals.datasets import EvalQuery
from assistant.evals.runner import evaluate_answers, evaluate_one
from assistant.kb import repo
from assistant.kb.db import session_scope
from assistant.runtime import Runtime

pytestmark = pytest.mark.integration


@pytest.fixture()
def rt(fresh_runtime: Runtime) -> Runtime:
    fresh_runtime.advisor.policy = AbstentionPolicy.never()  # the answer path, whatever the confidence
    return fresh_runtime


def retire_and_refresh(rt: Runtime, entry_id: str) -> None:
    with Session(rt.engine) as s:
        version = repo.get_entry(s, entry_id).version
    with session_scope(rt.engine) as s:
        repo.retire_entry(s, entry_id, expected_version=version, author="test")
    rt.manager.refresh()


def test_answer_reads_the_snapshot_its_search_ran_on(rt):
    advisor = rt.advisor
    masked, result = advisor.retrieve("출산장려금 얼마나 받을 수 있어요?", "부산광역시 중구", None)
    top = result.hits[0]
    before = rt.manager.holder.snapshot
    retire_and_refresh(rt, top.entry_id)
    assert top.entry_id not in rt.manager.holder.snapshot.entries  # the live index moved on

    answer = advisor.answer(masked, result)
    cited = {(c.entry_id, c.version) for c in answer.citations}
    assert (top.entry_id, top.version) in cited
    assert before.entries[top.entry_id].title in answer.text or answer.key_facts


def test_streamed_answer_reads_the_pinned_snapshot(rt):
    masked, result = rt.advisor.retrieve("출산장려금 얼마예요", "서울특별시 중구", None)
    events = rt.advisor.answer_events(masked, result)
    assert "hits" in next(events)
    retire_and_refresh(rt, result.hits[0].entry_id)
    final = [e["answer"] for e in events if "answer" in e]
    assert final and final[0].citations[0].entry_id == result.hits[0].entry_id


def test_an_eval_run_reads_one_snapshot_throughout(rt, monkeypatch):
    """Retiring an entry while a run is under way: every question is answered on the run's snapshot."""
    target = next(e for e in rt.manager.holder.snapshot.entries.values() if e.sigungu == "강남구")
    queries = [EvalQuery(f"q{i}", f"{target.title} 알려주세요", "서울특별시 강남구", (target.entry_id,), "direct", "ko", ())
               for i in range(3)]
    seen: list[int] = []
    real = evaluate_one

    def one_then_retire(advisor, q, *, top_k):
        row = real(advisor, q, top_k=top_k)
        seen.append(advisor.retriever.holder.snapshot.kb_version)
        if q.qid == "q0":
            retire_and_refresh(rt, target.entry_id)
        return row

    monkeypatch.setattr("assistant.evals.runner.evaluate_one", one_then_retire)
    rows, summary = evaluate_answers(rt.advisor, queries, top_k=5)
    assert len(set(seen)) == 1 and rt.manager.holder.snapshot.kb_version > seen[0]
    assert [r["rank"] for r in rows] == [1, 1, 1]  # the retired entry is still the run's top hit
    assert all(r["citations"] and r["citations"][0]["entry_id"] == target.entry_id for r in rows)
