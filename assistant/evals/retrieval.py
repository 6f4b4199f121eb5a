"""Retrieval evaluation: run each query through a retriever, score by entry id, time each call.

>>> report = evaluate_retrieval(retriever, queries, top_k=10)     # doctest: +SKIP
>>> report["overall"]["hit@5"]                                     # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from assistant.errors import AssistantError
from assistant.evals.datasets import EvalQuery, to_qrels
from assistant.evals.metrics import percentile, summarize
from assistant.retrieval.hybrid import Retriever


class NoQuestionEvaluated(AssistantError):
    """Every question of a set failed (the reasons of the first few are in the message)."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        shown = "; ".join(f"{e['qid']}: {e['reason']}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"no question could be evaluated: {shown}{more}")
        self.errors = errors


def group_summaries(queries: list[EvalQuery], run: dict[str, list[str]], key: Callable[[EvalQuery], str]
                    ) -> dict[str, dict[str, float | int]]:
    groups: dict[str, list[EvalQuery]] = defaultdict(list)
    for q in queries:
        if q.in_kb:
            groups[key(q)].append(q)
    return {name: summarize(to_qrels(qs), {q.qid: run[q.qid] for q in qs}) for name, qs in sorted(groups.items())}


def row_error(q: EvalQuery, exc: Exception) -> dict[str, str]:
    """A question that could not be evaluated (an unknown region, ...): reported, left out of the scores."""
    return {"qid": q.qid, "reason": f"{type(exc).__name__}: {exc}"}


def evaluate_retrieval(retriever: Retriever, queries: list[EvalQuery], *, top_k: int = 10,
                       search_kwargs: dict[str, Any] | None = None,
                       progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Scores over the questions that could be searched; the others are listed in ``errors``."""
    run: dict[str, list[str]] = {}
    latencies: list[float] = []
    per_query: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    scored: list[EvalQuery] = []
    for q in queries:
        t0 = time.perf_counter()
        try:
            result = retriever.search(q.question, region=q.region, top_k=top_k, **(search_kwargs or {}))
        except AssistantError as exc:
            errors.append(row_error(q, exc))
            if progress:
                progress(1)
            continue
        latencies.append((time.perf_counter() - t0) * 1000)
        scored.append(q)
        run[q.qid] = [h.entry_id for h in result.hits]
        rank = next((i for i, e in enumerate(run[q.qid], start=1) if e in q.gold), None)
        per_query.append({"qid": q.qid, "type": q.type, "lang": q.lang, "region": q.region,
                          "gold": list(q.gold), "rank": rank, "top": run[q.qid][:5],
                          "top1_score": result.hits[0].score if result.hits else None,
                          "latency_ms": round(latencies[-1], 2)})
        if progress:
            progress(1)
    if not scored:
        raise NoQuestionEvaluated(errors)
    return retrieval_report(scored, run, latencies, top_k=top_k, per_query=per_query, errors=errors)


def region_group(q: EvalQuery) -> str:
    """The caller's city (sido), or '(none)' when the question comes without a region."""
    return q.region.split()[0] if q.region else "(none)"


def retrieval_report(queries: list[EvalQuery], run: dict[str, list[str]], latencies: list[float], *,
                     top_k: int, per_query: list[dict[str, Any]],
                     errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The shape ``assistant eval retrieval --json`` prints (plus ``per_query``); ``queries`` are
    the scored ones, ``errors`` the questions left out (qid, reason)."""
    qrels = to_qrels(queries)
    return {
        "overall": summarize(qrels, run),
        "by_type": group_summaries(queries, run, lambda q: q.type),
        "by_lang": group_summaries(queries, run, lambda q: q.lang),
        "by_region": group_summaries(queries, run, region_group),
        "n_queries": len(queries),
        "n_without_gold": sum(1 for q in queries if not q.in_kb),
        "top_k": top_k,
        "latency_ms": {"p50": round(percentile(latencies, 50), 2), "p95": round(percentile(latencies, 95), 2)},
        "per_query": per_query,
        "errors": list(errors or []),
    }
