"""Run the benchmark suite and print the figures (see ``bench/__init__.py`` for the options).

>>> python -m bench.run --quick        # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from assistant.evals.datasets import EvalQuery
from assistant.runtime import Runtime
from bench import builds, quality, report, updates
from bench.env import load_average, machine_facts, memory_mb
from bench.scale import SIZES
from bench.worker import run_worker
from bench.workspace import dev_queries, import_shipped, log, make_runtime, shipped_records


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke run: a quarter of the dev questions, small samples (~2 min)")
    p.add_argument("--scale", action="store_true", help="add the scale curve (derived corpus) at "
                   + ", ".join(f"{s:,}" for s in SIZES) + " entries")
    p.add_argument("--full-cold", action="store_true", help="embed the whole KB with an empty cache (~11 min)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it (default: temp dir)")
    return p.parse_args(argv)


def measure_builds(rt: Runtime, workdir: Path, cold_sample: int) -> dict[str, Any]:
    log("full build from the shipped embedding cache (tokenization cold)")
    from_cache = builds.time_manager_rebuild(rt)
    log("rebuild reusing tokens and vectors")
    rebuild = builds.time_manager_rebuild(rt)
    log("loading the saved index")
    load = builds.time_load(rt)
    log(f"cold embedding of {cold_sample} sampled chunks with an empty cache")
    cold = builds.time_cold_sample(rt, cold_sample, workdir, from_cache["seconds"])
    return {"from_cache": from_cache, "rebuild_reuse": rebuild, "load": load, "cold_sample": cold}


def measure_langchain(rt: Runtime, queries: list[EvalQuery], ours: dict[str, Any]) -> dict[str, Any]:
    from bench import langchain_baseline as lcb

    log("building the LangChain assembly")
    assembly, build_s = lcb.time_build(rt.manager.holder.snapshot, rt.embedder, rt.cache)
    log("LangChain queries")
    quality.warm_up(assembly, queries)
    m = quality.measure(assembly, queries)
    return {
        **m, "build_s": build_s, "ensemble_from": lcb.ENSEMBLE_FROM, "region_filter": False,
        "ratios": {"p50": round(m["p50_ms"] / ours["p50_ms"], 2), "p95": round(m["p95_ms"] / ours["p95_ms"], 2)},
        "quality_diff": {k: round(ours[k] - m[k], 4) for k in ("hit@1", "hit@5", "mrr@10")},
    }


def measure_scale(workdir: Path, quick: bool) -> list[dict[str, Any]]:
    points = []
    for size in SIZES:
        log(f"scale point {size:,} entries (fresh process)")
        points.append(run_worker("scale", str(size), str(workdir / f"scale-{size}"), "1" if quick else "0"))
    return points


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    quick = args.quick
    results: dict[str, Any] = {
        "machine": machine_facts(),
        "run": {"mode": " ".join(["quick" if quick else "default"] + ["--scale"] * args.scale
                                 + ["--full-cold"] * args.full_cold),
                "note": "quarter of the dev questions, small samples" if quick else "all dev questions"},
    }
    queries = dev_queries(quick)
    log(f"work dir {workdir}; importing the shipped KB")
    rt = make_runtime(workdir)
    results["setup"] = {"import": import_shipped(rt, shipped_records())}
    results["build"] = measure_builds(rt, workdir, cold_sample=64 if quick else 200)
    log(f"our retriever: lexical, dense, hybrid over {len(queries)} questions")
    results["queries"] = quality.measure_modes(rt.retriever, queries)
    log("query embedding alone (configured threads, and one thread)")
    results["query_embedding"] = quality.embedding_diagnostic(rt.embedder, queries)
    log("embedding, first stage and both stages back to back on each question (the ratios)")
    results["paired"] = quality.paired_latency(rt.retriever, rt.embedder, queries, rounds=1 if quick else 3)
    results["langchain"] = measure_langchain(rt, queries, results["queries"]["hybrid"])
    log("resident memory of a fresh serving process")
    serving = run_worker("memory", str(workdir), str(len(queries)))
    results["memory"] = {"serving": serving, "bench_process": memory_mb()}
    log("edit / create to searchable")
    reps = 2 if quick else 5
    results["updates"] = {"edit": updates.summarize(updates.edit_to_searchable(rt, reps)),
                          "create": updates.summarize(updates.create_to_searchable(rt, 1 if quick else 3))}
    if args.full_cold:
        log("FULL cold build (empty cache): about 11 minutes")
        results["build"]["full_cold"] = builds.time_full_cold(rt, workdir)
    results["scale"] = measure_scale(workdir, quick) if args.scale else None
    results["machine"]["load_average_at_end"] = load_average()
    results["targets"] = report.judge_targets(results)
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        results = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
            results = run(args, Path(tmp))
    print(json.dumps(results, ensure_ascii=False, indent=1) if args.json else report.render(results))


if __name__ == "__main__":
    main()
