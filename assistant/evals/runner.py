"""End-to-end evaluation runs: retrieval and the advisor together, one row per question, and a
``run.json`` recording what the run ran on (KB version, index manifest, embedder, generators,
prompt version, code version, dataset hash) and its scores.

A run folder holds ``results.jsonl`` (written first) and ``run.json`` (written last: a folder with
a ``run.json`` is a complete run).

>>> rows, summary = evaluate_answers(rt.advisor, load_queries(path), top_k=10)   # doctest: +SKIP
>>> write_run(Path("runs/dev-1"), rows, {"summary": summary})                      # doctest: +SKIP
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.advisor.service import Advisor
from assistant.errors import AssistantError
from assistant.evals.answers import answer_report, case_of, check_numbers
from assistant.evals.datasets import EvalQuery
from assistant.evals.normalize import fact_covered
from assistant.evals.retrieval import NoQuestionEvaluated, region_group, retrieval_report, row_error
from assistant.evals.uncertainty import intervals
from assistant.files import replace_atomic
from assistant.index.snapshot import IndexHolder, Snapshot

RUN_FILE, RESULTS_FILE = "run.json", "results.jsonl"


class RunError(AssistantError):
    """A run folder is missing, incomplete or unreadable; or no question of a run could be evaluated."""


def dataset_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise RunError(f"cannot read {path}: {exc}") from exc


def code_version(root: Path) -> dict[str, Any]:
    """Package version, and the git commit and dirty flag when git and a repository are there."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg = version("counselor-assistant")
    except PackageNotFoundError:
        pkg = "unknown"
    out: dict[str, Any] = {"package": pkg, "git_commit": None, "git_dirty": None}
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        if head.returncode == 0:
            out["git_commit"] = head.stdout.strip()
            status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                    capture_output=True, text=True, timeout=10)
            out["git_dirty"] = bool(status.stdout.strip()) if status.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        pass
    return out


def _hit_row(h: Any) -> dict[str, Any]:
    return {"entry_id": h.entry_id, "version": h.version, "score": h.score,
            "dense": h.scores.dense_score, "lexical": h.scores.lexical_score}


def evaluate_one(advisor: Advisor, q: EvalQuery, *, top_k: int) -> dict[str, Any]:
    """One question through retrieval (top ``top_k`` for the ranking metrics) and the advisor (which sees
    its own ``top_k`` of the same ranking, as in production). The result is one ``results.jsonl`` row."""
    t0 = time.perf_counter()
    masked, result = advisor.retrieve(q.question, q.region, max(top_k, advisor.top_k))
    t1 = time.perf_counter()
    answer = advisor.answer(masked, dataclasses.replace(result, hits=result.hits[: advisor.top_k]))
    t2 = time.perf_counter()
    ranked = [h.entry_id for h in result.hits[:top_k]]
    entries = (result.snapshot or advisor.retriever.holder.snapshot).entries
    cited_texts = [f"{e.title}\n{e.region_label}\n{e.content}\n{e.department}\n{e.contact}"
                   for e in (entries.get(c.entry_id) for c in answer.citations) if e is not None]
    nums, missing = check_numbers(answer.text, cited_texts)
    written = answer.grounding.sentences
    return {
        "qid": q.qid, "question": q.question, "region": q.region, "type": q.type, "lang": q.lang,
        "gold": list(q.gold), "key_facts": list(q.key_facts),
        "rank": next((i for i, e in enumerate(ranked, start=1) if e in q.gold), None),
        "ranked": ranked,
        "hits": [_hit_row(h) for h in result.hits[:top_k]],
        "answer": answer.text, "mode": answer.mode, "abstained": answer.abstained,
        # what the abstention policy saw: QA recalibrates its thresholds from these
        "confidence": answer.confidence, "confidence_level": answer.confidence_level,
        "declined_by": answer.declined_by,
        "citations": [{"entry_id": c.entry_id, "version": c.version} for c in answer.citations],
        "grounding": {"sentences": written, "supported": answer.grounding.supported,
                      "unsupported": answer.grounding.unsupported, "reasons": list(answer.grounding.reasons)},
        "key_facts_found": [fact_covered(f, answer.text) and not answer.abstained for f in q.key_facts],
        "numbers": list(nums), "numbers_missing": list(missing),
        "errors": list(answer.errors),
        "latency_ms": {"retrieval": round((t1 - t0) * 1000, 2), "total": round((t2 - t0) * 1000, 2)},
    }


def summarize_rows(queries: Sequence[EvalQuery], rows: Sequence[dict[str, Any]], top_k: int,
                   errors: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """{"retrieval": as ``eval retrieval --json``, "answer": the answer metrics, "errors": the questions
    left out (qid, reason), "intervals": the headline scores' 95 % bootstrap intervals}, from the rows alone
    (questions without a row are not scored)."""
    done = {r["qid"] for r in rows}
    queries = [q for q in queries if q.qid in done]
    run = {r["qid"]: r["ranked"] for r in rows}
    per_query = [{"qid": r["qid"], "rank": r["rank"]} for r in rows]
    retrieval = retrieval_report(queries, run, [r["latency_ms"]["retrieval"] for r in rows],
                                 top_k=top_k, per_query=per_query)
    retrieval.pop("per_query")
    retrieval.pop("errors")
    return {"retrieval": retrieval, "answer": answer_report([case_of(r) for r in rows]), "errors": list(errors),
            "intervals": intervals(rows)}


def advisor_over(advisor: Advisor, snapshot: Snapshot | None = None) -> Advisor:
    """The same advisor reading one fixed snapshot (default: the live one, as it is now), sharing
    models, tokenizer and settings: an evaluation run, or a draft's shadow index, answers every
    question on one index even while edits move the live one on."""
    snapshot = snapshot if snapshot is not None else advisor.retriever.holder.snapshot
    retriever = copy.copy(advisor.retriever)
    retriever.holder = IndexHolder(snapshot)
    shadow = copy.copy(advisor)
    shadow.retriever = retriever
    return shadow


def evaluate_answers(advisor: Advisor, queries: Sequence[EvalQuery], *, top_k: int = 10,
                     progress: Callable[[int], None] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every question on one snapshot: the live one as the run starts (or the one ``advisor`` is
    pinned to with ``advisor_over``, whose KB version and manifest the caller then records)."""
    advisor = advisor_over(advisor)
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for q in queries:
        try:
            rows.append(evaluate_one(advisor, q, top_k=top_k))
        except AssistantError as exc:  # e.g. an unknown region: reported, the rest still scored
            errors.append(row_error(q, exc))
        if progress:
            progress(1)
    if not rows:
        raise RunError(str(NoQuestionEvaluated(errors)))
    return rows, summarize_rows(queries, rows, top_k, errors)


def queries_of(rows: Sequence[dict[str, Any]]) -> list[EvalQuery]:
    """The questions a run was made of, rebuilt from its rows (for re-scoring without the query file)."""
    return [EvalQuery(r["qid"], r["question"], r["region"], tuple(r["gold"]), r["type"], r["lang"],
                      tuple(r["key_facts"])) for r in rows]


def prepare_out_dir(out: Path) -> None:
    """Refuse a folder that already holds a run (nothing is overwritten), before any work is done."""
    if (out / RUN_FILE).exists():
        raise RunError(f"{out} already holds a run; pass a new --out folder")
    if out.exists() and not out.is_dir():
        raise RunError(f"{out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"cannot create {out}: {exc}") from exc


def write_run(out: Path, rows: Sequence[dict[str, Any]], meta: dict[str, Any]) -> None:
    replace_atomic(out / RESULTS_FILE, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    replace_atomic(out / RUN_FILE, json.dumps(meta, ensure_ascii=False, indent=1) + "\n")


def load_run(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A run's ``run.json`` and its rows; a clear error when the folder is not a complete run."""
    if not folder.is_dir():
        raise RunError(f"{folder} is not a run folder (no such directory)")
    if not (folder / RUN_FILE).is_file():
        raise RunError(f"{folder} has no {RUN_FILE}: not a complete run of `assistant eval run`")
    try:
        meta = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
        rows = [json.loads(line) for line in (folder / RESULTS_FILE).read_text(encoding="utf-8").splitlines()
                if line.strip()]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RunError(f"cannot read the run in {folder}: {exc}") from exc
    if not isinstance(meta, dict) or "summary" not in meta or not all(isinstance(r, dict) and "qid" in r for r in rows):
        raise RunError(f"{folder}: {RUN_FILE} or {RESULTS_FILE} is not in the format `assistant eval run` writes")
    return meta, rows


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fields(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) and not isinstance(obj, type) else {}


def run_metadata(advisor: Advisor, *, queries_path: Path, n_queries: int, top_k: int, kb_version: int,
                 root: Path, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a run ran on: everything needed to tell two runs' differences apart."""
    manifest = dict(advisor.retriever.holder.snapshot.manifest.as_dict())
    return {
        "dataset": {"path": str(queries_path), "sha256": dataset_hash(queries_path), "n": n_queries},
        "kb_version": kb_version,
        "index_manifest": manifest,
        "embedder": manifest.get("embedder"),
        "generators": [g.name for g in advisor.generators],
        "prompt_version": advisor.prompt.version,
        "abstention": {"policy": type(advisor.policy).__name__, **_fields(advisor.policy)},
        "advisor": {"max_sources": advisor.max_sources, "top_k": advisor.top_k},
        "top_k": top_k,
        "settings": settings or {},
        "code": code_version(root),
    }


__all__ = ["RunError", "advisor_over", "case_of", "code_version", "dataset_hash", "evaluate_answers", "evaluate_one", "load_run",
           "now_utc", "prepare_out_dir", "queries_of", "region_group", "run_metadata", "summarize_rows", "write_run"]
