"""How fast the service's evaluation follows a manual update, and whether reruns are identical.

    python -m bench.evals            # shipped KB, dev set
    python -m bench.evals --json

Measured in one process on the shipped knowledge base: an editor's change through the editor
service, then the queued run: seconds from the edit to the affected-questions pass being stored,
and to the whole dev set being scored; then a second run with nothing changed, whose scores must
equal the first's (latency aside).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from assistant.auth.roles import Role
from assistant.auth.service import Principal
from assistant.kb.models import EntryUpdate
from bench.env import machine_facts
from bench.workspace import DEV_QUERIES, import_shipped, log, make_runtime, shipped_records

TARGETS = {"affected_s": 10.0, "full_s": 120.0}


def scores_only(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary without timings, which legitimately differ between runs."""
    def strip(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("latency_ms", "p50", "p95")}
        return x
    return strip(summary)  # type: ignore[no-any-return]


def run(workdir: Path) -> dict[str, Any]:
    # as in the service: query vectors of questions already asked are kept, so a rerun does not re-embed them
    rt = make_runtime(workdir, query_cache_size=10_000)
    rt.settings = rt.settings.model_copy(update={"eval_queries": DEV_QUERIES, "eval_on_change": True})
    import_shipped(rt, shipped_records())
    rt.manager.rebuild()
    rt.start()
    queue = rt.evals
    log("baseline run (the first full pass the next run compares with)")
    t0 = time.perf_counter()
    queue.enqueue("bench baseline")
    queue.run_pending()
    baseline_s = time.perf_counter() - t0
    target = next(q.gold[0] for q in queue.queries() if q.gold)
    current = rt.manager.holder.snapshot.entries[target]
    log(f"edit {target} and follow its run")
    t_edit = time.perf_counter()
    rt.editor.update(target, EntryUpdate(content=current.content + "\n문의는 담당 부서로 해 주세요."),
                     expected_version=current.version, actor=Principal("bench", Role.editor), note="bench")
    run_id = queue.claim()
    assert run_id is not None
    worker = threading.Thread(target=queue.execute, args=(run_id,))
    worker.start()
    affected_s = None
    while worker.is_alive():
        r = queue.get(run_id)
        if affected_s is None and r.phase == "full":
            affected_s = time.perf_counter() - t_edit
        time.sleep(0.05)
    full_s = time.perf_counter() - t_edit
    first = queue.get(run_id)
    log("rerun with nothing changed")
    again_id = queue.enqueue("bench rerun")
    queue.run_pending()
    again = queue.get(again_id)
    identical = scores_only(first.summary) == scores_only(again.summary)
    per_question_same = [(r["qid"], r["rank"], r["answer"]) for r in first.results] == \
                        [(r["qid"], r["rank"], r["answer"]) for r in again.results]
    return {
        "machine": machine_facts(), "questions": len(queue.queries()), "affected_questions": len(first.affected),
        "baseline_run_s": round(baseline_s, 1), "edit_to_affected_s": round(affected_s or full_s, 2),
        "edit_to_full_s": round(full_s, 1), "rerun_identical_scores": identical,
        "rerun_identical_answers": per_question_same,
        "targets": {"affected_s": TARGETS["affected_s"], "full_s": TARGETS["full_s"]},
    }


def render(r: dict[str, Any]) -> str:
    ok_a = r["edit_to_affected_s"] <= TARGETS["affected_s"]
    ok_f = r["edit_to_full_s"] <= TARGETS["full_s"]
    return "\n".join([
        f"evaluation on update ({r['questions']} dev questions, shipped KB)",
        f"  edit → affected-questions pass stored ({r['affected_questions']} questions): {r['edit_to_affected_s']} s "
        f"(target ≤ {TARGETS['affected_s']:g} s: {'met' if ok_a else 'NOT met'})",
        f"  edit → whole dev set scored: {r['edit_to_full_s']} s (target ≤ {TARGETS['full_s']:g} s: "
        f"{'met' if ok_f else 'NOT met'}); first full run {r['baseline_run_s']} s",
        f"  rerun with nothing changed: identical scores {r['rerun_identical_scores']}, identical answers and ranks "
        f"{r['rerun_identical_answers']}",
    ])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.evals", description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="assistant-bench-evals-") as tmp:
        result = run(Path(tmp))
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else render(result))


if __name__ == "__main__":
    main()
