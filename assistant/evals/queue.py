"""Evaluation on every manual update, inside the service.

Every create, edit, retire or import queues a run (a row of ``eval_run``; bursts coalesce into the
one run still waiting). A worker thread runs one at a time, across replicas too (the claim happens
under a cluster-wide lock): first the questions whose gold entries or previous top hits touch the
changed entries (seconds), then the whole set, then the quality gates. Results stay in the
database, so every replica serves the same history and a queued run survives a restart.

A run belongs to the agency whose edit queued it ("" = the center's: manual runs, edits by tokens of
no agency); runs of different agencies never coalesce. The reading methods take ``agencies``, the
agency values a caller may read (``None`` = all; ``agencies.codes.readable``): another agency's run is
not found.

>>> queue = EvalQueue(engine, advisor, queries_path=Path("evals/dev/queries.jsonl"))   # doctest: +SKIP
>>> queue.enqueue("entry.update WLF1", ["WLF1"]); queue.run_pending()                   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.advisor.service import Advisor
from assistant.errors import AssistantError, NotFound
from assistant.evals.compare import compare_runs
from assistant.evals.datasets import EvalQuery, load_queries
from assistant.evals.gates import Gate, GateResult, check_gates, load_gates
from assistant.evals.models import EvalRun
from assistant.evals.runner import advisor_over, dataset_hash, evaluate_answers, run_metadata
from assistant.kb.changes import exclusive
from assistant.kb.db import session_scope
from assistant.kb.models import utcnow

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent.parent


class RunNotComparable(AssistantError):
    """A run that is not finished, or has no finished run before it, has nothing to compare yet."""


class EvalRunNotFound(NotFound):
    def __init__(self, run_id: int) -> None:
        super().__init__(f"evaluation run not found: {run_id}")


def affected_questions(queries: Sequence[EvalQuery], previous_rows: Iterable[dict[str, Any]],
                       changed: Iterable[str]) -> list[EvalQuery]:
    """Questions whose gold entries, or whose previous ranking or citations, touch a changed entry (pure)."""
    touched = set(changed)
    prev = {r["qid"]: r for r in previous_rows}
    out = []
    for q in queries:
        r = prev.get(q.qid, {})
        seen = set(q.gold) | set(r.get("ranked", ())) | {c["entry_id"] for c in r.get("citations", ())}
        if seen & touched:
            out.append(q)
    return out


def gate_rows(failed: Sequence[GateResult]) -> list[dict[str, Any]]:
    return [{"path": f.gate.path, "bound": f.gate.bound, "limit": f.gate.value, "actual": f.actual,
             "message": f.message} for f in failed]


def evaluate(advisor: Advisor, queries: Sequence[EvalQuery], top_k: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``evaluate_answers``: one snapshot, a bad question reported in the summary's ``errors``."""
    return evaluate_answers(advisor, queries, top_k=top_k)


def headline(summary: dict[str, Any]) -> dict[str, float]:
    """The few scores a list of runs shows (and /metrics exports)."""
    out: dict[str, float] = {}
    for part, names in (("retrieval", ("hit@1", "hit@5", "mrr@10")),
                        ("answer", ("key_fact_coverage", "citation_precision", "grounded_sentence_rate",
                                    "abstention_recall", "false_abstention_rate"))):
        overall = (summary.get(part) or {}).get("overall") or {}
        for n in names:
            if isinstance(overall.get(n), int | float):
                out[f"{part}.{n}"] = float(overall[n])
    return out


class EvalQueue:
    """Queues, runs and serves evaluation runs. Light constructor; ``start()`` starts the worker."""

    def __init__(self, engine: Engine, advisor: Advisor, *, queries_path: Path, gates_path: Path | None = None,
                 top_k: int = 10, poll_seconds: float = 5.0, stale_seconds: float = 1800.0) -> None:
        self.engine, self.advisor = engine, advisor
        self.queries_path, self.gates_path, self.top_k = queries_path, gates_path, top_k
        self.poll_seconds, self.stale_seconds = poll_seconds, stale_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._queries: tuple[str, list[EvalQuery]] | None = None
        self._gates: list[Gate] | None = None

    # ------------------------------------------------------------------ data
    def queries(self) -> list[EvalQuery]:
        sha = dataset_hash(self.queries_path)
        if self._queries is None or self._queries[0] != sha:
            self._queries = (sha, load_queries(self.queries_path))
        return self._queries[1]

    def gates(self) -> list[Gate]:
        if self._gates is None:
            self._gates = load_gates(self.gates_path) if self.gates_path else []
        return self._gates

    def check(self, summary: dict[str, Any]) -> list[dict[str, Any]]:
        return gate_rows(check_gates(self.gates(), summary)) if self.gates() else []

    # ------------------------------------------------------------------ queue
    def enqueue(self, trigger: str, changed: Iterable[str] = (), agency: str = "") -> int:
        """Queue a run for these changed entries (``agency``'s edits); joins that agency's run still waiting,
        if there is one."""
        changed = list(changed)
        with exclusive(self.engine, "eval-queue"), session_scope(self.engine) as s:
            waiting = s.exec(select(EvalRun).where(EvalRun.status == "queued", EvalRun.agency == agency)
                             .order_by(col(EvalRun.id))).first()
            if waiting is not None:
                waiting.changed = sorted(set(waiting.changed) | set(changed))
                waiting.trigger = (waiting.trigger + "; " + trigger)[-300:] if trigger else waiting.trigger
                s.add(waiting)
                s.flush()
                run_id = waiting.id
            else:
                run = EvalRun(trigger=trigger[:300], changed=sorted(set(changed)), dataset=str(self.queries_path),
                              agency=agency)
                s.add(run)
                s.flush()
                run_id = run.id
        self._wake.set()
        assert run_id is not None
        return run_id

    def claim(self) -> int | None:
        """Take the oldest queued run if no run is running anywhere (a run dead for ``stale_seconds`` is failed)."""
        with exclusive(self.engine, "eval-queue"), session_scope(self.engine) as s:
            running = s.exec(select(EvalRun).where(EvalRun.status == "running")).all()
            now = datetime.now(UTC)
            for r in running:
                started = r.started_at if r.started_at and r.started_at.tzinfo else (
                    r.started_at.replace(tzinfo=UTC) if r.started_at else now)
                if now - started > timedelta(seconds=self.stale_seconds):
                    r.status, r.error, r.finished_at = "failed", "abandoned: its worker stopped", utcnow()
                    s.add(r)
                else:
                    return None
            run = s.exec(select(EvalRun).where(EvalRun.status == "queued").order_by(col(EvalRun.id))).first()
            if run is None:
                return None
            run.status, run.started_at = "running", utcnow()
            s.add(run)
            return run.id

    def _update(self, run_id: int, **values: Any) -> None:
        with session_scope(self.engine) as s:
            run = s.get(EvalRun, run_id)
            assert run is not None
            for k, v in values.items():
                setattr(run, k, v)
            s.add(run)

    def previous(self, before: int | None = None, agencies: Sequence[str] | None = None) -> EvalRun | None:
        """The latest finished run (before run ``before``, of ``agencies``)."""
        with Session(self.engine) as s:
            stmt = select(EvalRun).where(EvalRun.status == "done")
            if before is not None:
                stmt = stmt.where(col(EvalRun.id) < before)
            if agencies is not None:
                stmt = stmt.where(col(EvalRun.agency).in_(agencies))
            return s.exec(stmt.order_by(col(EvalRun.id).desc())).first()

    def latest_summary(self) -> dict[str, Any] | None:
        """The latest finished run's scores, without loading its per-question rows (for metrics scrapes)."""
        with Session(self.engine) as s:
            summary = s.exec(select(EvalRun.summary).where(EvalRun.status == "done")
                             .order_by(col(EvalRun.id).desc())).first()
        return dict(summary) if summary is not None else None

    def execute(self, run_id: int) -> None:
        """Run a claimed run: the affected questions first, then the whole set, then the gates."""
        try:
            with Session(self.engine) as s:
                run = s.get(EvalRun, run_id)
                assert run is not None
                changed = list(run.changed)
            queries = self.queries()
            prev = self.previous(before=run_id)
            advisor = advisor_over(self.advisor)  # one snapshot for both phases and the metadata
            kb_version = advisor.retriever.holder.snapshot.kb_version
            affected = affected_questions(queries, prev.results if prev else [], changed)
            self._update(run_id, phase="affected", kb_version=kb_version, dataset_sha256=dataset_hash(self.queries_path),
                         affected=[q.qid for q in affected])
            if affected:
                rows, summary = evaluate(advisor, affected, self.top_k)
                self._update(run_id, affected_summary={**summary, "results": rows})
            self._update(run_id, phase="full")
            rows, summary = evaluate(advisor, queries, self.top_k)
            failed = self.check(summary)
            meta = run_metadata(advisor, queries_path=self.queries_path, n_queries=len(queries), top_k=self.top_k,
                                kb_version=kb_version, root=ROOT)
            self._update(run_id, status="done", phase="", summary=summary, results=rows, gates=failed,
                         passed=not failed, meta={**meta, "summary": summary}, finished_at=utcnow())
            log.info("eval run %s done: %d questions, %d affected, gates %s", run_id, len(queries), len(affected),
                     "passed" if not failed else f"FAILED ({len(failed)})")
        except Exception as exc:  # noqa: BLE001 - a failed run is recorded, never kills the worker
            log.exception("eval run %s failed", run_id)
            self._update(run_id, status="failed", phase="", error=f"{type(exc).__name__}: {exc}"[:2000],
                         finished_at=utcnow())

    def run_pending(self) -> int:
        """Run queued runs until none is left (or another worker holds the running one); returns how many."""
        n = 0
        while (run_id := self.claim()) is not None:
            self.execute(run_id)
            n += 1
        return n

    # ------------------------------------------------------------------ worker
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="eval-queue", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pending()
            except Exception:  # noqa: BLE001 - e.g. the database is down: try again later
                log.exception("eval queue")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    # ------------------------------------------------------------------ reading
    def list(self, limit: int = 20, agencies: Sequence[str] | None = None) -> list[EvalRun]:
        with Session(self.engine) as s:
            stmt = select(EvalRun)
            if agencies is not None:
                stmt = stmt.where(col(EvalRun.agency).in_(agencies))
            return list(s.exec(stmt.order_by(col(EvalRun.id).desc()).limit(limit)))

    def get(self, run_id: int, agencies: Sequence[str] | None = None) -> EvalRun:
        with Session(self.engine) as s:
            run = s.get(EvalRun, run_id)
            if run is None or (agencies is not None and run.agency not in agencies):
                raise EvalRunNotFound(run_id)
            return run

    def compare(self, run_id: int, with_id: int | None = None, agencies: Sequence[str] | None = None) -> dict[str, Any]:
        """Per-question improvements and regressions of run ``run_id`` against ``with_id`` (default:
        the finished run before it), with the before and after answers."""
        run = self.get(run_id, agencies)
        base = self.get(with_id, agencies) if with_id else self.previous(before=run_id, agencies=agencies)
        if run.status != "done" or base is None or base.status != "done":
            raise RunNotComparable(f"run {run_id} cannot be compared yet: it and an earlier run must both be done")
        return {"run_id": run_id, "with_id": base.id,
                **compare_runs({**base.meta, "summary": base.summary}, base.results,
                               {**run.meta, "summary": run.summary}, run.results)}
