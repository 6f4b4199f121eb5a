"""``assistant eval``: score retrieval and answers, compare and report runs, judge, BEIR import/export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from tqdm import tqdm

from assistant.cli.common import Mode, echo_err, runtime
from assistant.config import ROOT, Settings
from assistant.errors import AssistantError
from assistant.kb import repo
from assistant.kb.db import session_scope

app = typer.Typer(name="eval", help="Evaluation.", no_args_is_help=True)


def echo_row_errors(errors: list[dict[str, str]]) -> None:
    """The questions left out of the scores, one line each on stderr."""
    if errors:
        echo_err(f"{len(errors)} question(s) not evaluated, scored without them:")
    for e in errors:
        echo_err(f"  {e['qid']}: {e['reason']}")


# the default follows the settings (an installed package has no checkout to find evals/ in)
QUERIES_HELP = "Query file, one JSON object per line [default: ASSISTANT_EVAL_QUERIES, HOME/evals/dev/queries.jsonl]"


def run_meta(rt: Any, advisor: Any, queries: Path, n_queries: int, top_k: int) -> dict[str, Any]:
    """What a run ran on (``runner.run_metadata``) with the ranking settings that shape it."""
    from assistant.evals.runner import run_metadata

    s = rt.settings
    return run_metadata(advisor, queries_path=queries, n_queries=n_queries, top_k=top_k,
                        kb_version=advisor.retriever.holder.snapshot.kb_version, root=ROOT,
                        settings={"rrf_k": s.rrf_k, "weight_lexical": s.weight_lexical, "weight_dense": s.weight_dense,
                                  "weight_local": s.weight_local, "weight_national": s.weight_national,
                                  "candidate_k": s.candidate_k, "llm_model": s.llm_model or None})


@app.command("retrieval")
def eval_retrieval(
    queries: Annotated[Path | None, typer.Option(help=QUERIES_HELP)] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
    mode: Annotated[Mode, typer.Option(help="hybrid, or one retriever alone")] = Mode.hybrid,
    per_query: Annotated[Path | None, typer.Option(help="Also write per-question results (JSONL) here")] = None,
) -> None:
    """Score retrieval: hit@1/3/5, MRR@10, nDCG@10 overall, by type and by language, plus latency."""
    from assistant.evals.datasets import load_queries
    from assistant.evals.retrieval import evaluate_retrieval

    queries = queries or Settings().eval_queries
    qs = load_queries(queries)
    rt = runtime()
    rt.start()
    rt.retriever.search("워밍업", top_k=1)  # first call pays one-off costs; keep it out of the latency figures
    with tqdm(total=len(qs), desc="questions", disable=as_json or None) as bar:
        report = evaluate_retrieval(rt.retriever, qs, top_k=top_k, search_kwargs={"mode": mode.value},
                                    progress=bar.update)
    rows = report.pop("per_query")
    echo_row_errors(report["errors"])
    if per_query:
        per_query.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    o = report["overall"]
    typer.echo(f"overall (n={o['n']}): hit@1 {o['hit@1']:.3f}  hit@3 {o['hit@3']:.3f}  hit@5 {o['hit@5']:.3f}  "
               f"MRR@10 {o['mrr@10']:.3f}  nDCG@10 {o['ndcg@10']:.3f}")
    for group in ("by_type", "by_lang"):
        for name, m in report[group].items():
            typer.echo(f"  {group[3:]}={name:<12} n={m['n']:<4} hit@1 {m['hit@1']:.3f}  hit@5 {m['hit@5']:.3f}  "
                       f"MRR@10 {m['mrr@10']:.3f}")
    typer.echo(f"latency ms: p50 {report['latency_ms']['p50']}  p95 {report['latency_ms']['p95']}")


@app.command("run")
def eval_run(
    out: Annotated[Path, typer.Option(help="New folder for results.jsonl and run.json")],
    queries: Annotated[Path | None, typer.Option(help=QUERIES_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
    gate: Annotated[Path | None, typer.Option(help="Quality gates (TOML); a failed gate exits with status 1")] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="Ranking depth for retrieval metrics")] = 10,
) -> None:
    """Run retrieval and the advisor on every question; write per-question results and what the run ran on."""
    from assistant.evals.datasets import load_queries
    from assistant.evals.gates import check_gates, load_gates
    from assistant.evals.runner import advisor_over, evaluate_answers, now_utc, prepare_out_dir, write_run

    gates = load_gates(gate) if gate else []  # a bad gates file fails before minutes of work
    queries = queries or Settings().eval_queries
    qs = load_queries(queries)
    prepare_out_dir(out)
    rt = runtime()
    rt.start()
    started = now_utc()
    advisor = advisor_over(rt.advisor)  # one snapshot: every question, and the manifest recorded
    with tqdm(total=len(qs), desc="questions", disable=as_json or None) as bar:
        rows, summary = evaluate_answers(advisor, qs, top_k=top_k, progress=bar.update)
    echo_row_errors(summary["errors"])
    meta = {"run_id": out.name, "started_at": started, "finished_at": now_utc(),
            **run_meta(rt, advisor, queries, len(qs), top_k), "summary": summary}
    failed = check_gates(gates, summary)
    if gate:
        meta["gates"] = {"file": str(gate), "failed": [f.message for f in failed]}
    write_run(out, rows, meta)
    if as_json:
        typer.echo(json.dumps({**summary, "run_dir": str(out)}, ensure_ascii=False))
    else:
        from assistant.evals.report import fmt

        a, r = summary["answer"], summary["retrieval"]["overall"]
        typer.echo(f"retrieval (n={r['n']}): hit@1 {r['hit@1']:.3f}  hit@5 {r['hit@5']:.3f}  MRR@10 {r['mrr@10']:.3f}")
        typer.echo(f"answers (n={a['n']}): key facts {fmt(a['key_fact_coverage'])}  citation P/R "
                   f"{fmt(a['citation_precision'])}/{fmt(a['citation_recall'])}  grounded {fmt(a['grounded_sentence_rate'])} "
                   f"(unsupported {a['unsupported_sentences']})  numbers {fmt(a['numeric_exactness'])}")
        typer.echo(f"abstention: precision {fmt(a['abstention_precision'])}  recall {fmt(a['abstention_recall'])}  "
                   f"false {fmt(a['false_abstention_rate'])}  latency ms p50 {a['latency_ms']['p50']} p95 {a['latency_ms']['p95']}")
        for name, m in a["by_type"].items():
            typer.echo(f"  type={name:<12} n={m['n']:<4} key facts {fmt(m['key_fact_coverage'])}  citation P "
                       f"{fmt(m['citation_precision'])}  false abst. {fmt(m['false_abstention_rate'])}  "
                       f"abst. recall {fmt(m['abstention_recall'])}")
        spans = [f"{k.split('.', 1)[1]} {v['low']:.3f}–{v['high']:.3f}" for k, v in summary["intervals"].items()]
        typer.echo(f"95% intervals over questions (another set of this size could score): {', '.join(spans)}")
        typer.echo(f"run written to {out}")
    for f in failed:
        echo_err(f.message)
    if failed:
        raise typer.Exit(1)


@app.command("sets")
def eval_sets(
    sets_file: Annotated[Path | None, typer.Option("--sets-file", help="The sets registry (TOML) "
                                                   "[default: HOME/evals/sets.toml]")] = None,
    names: Annotated[list[str] | None, typer.Option("--set", help="A set to score (repeatable; default: all)")] = None,
    out: Annotated[Path | None, typer.Option(help="Also keep each set's run as OUT/<set> (for eval compare)")] = None,
    baseline: Annotated[Path | None, typer.Option(help="An earlier --out folder: per set, how many questions got "
                                                       "better and worse, and whether beyond noise")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
) -> None:
    """Score every question set on one index, side by side: each score with its 95% interval, hit@1 per type,
    and the gap between the training sets and the held-out ones (aggregates only)."""
    from assistant.evals.datasets import load_queries
    from assistant.evals.runner import advisor_over, evaluate_answers, load_run, now_utc, prepare_out_dir, write_run
    from assistant.evals.sets import load_sets, pick, render, side_by_side
    from assistant.evals.uncertainty import compare

    if baseline is not None and not baseline.is_dir():
        raise typer.BadParameter(f"no folder at {baseline} (give an earlier `eval sets --out` folder)",
                                 param_hint="--baseline")
    registry = sets_file or Settings().home / "evals" / "sets.toml"
    chosen = pick(load_sets(registry), names or [])
    present = [s for s in chosen if s.path.is_file()]
    for s in chosen:
        if s not in present:  # named on the command line: an error; from the registry: said and skipped
            if names:
                raise typer.BadParameter(f"set {s.name!r}: no file at {s.path}", param_hint="--set")
            echo_err(f"{s.name}: no file at {s.path}; skipped")
    loaded = [(s, load_queries(s.path)) for s in present]  # every file is read before minutes of work
    if out:
        for s, _ in loaded:
            prepare_out_dir(out / s.name)
    rt = runtime()
    rt.start()
    advisor = advisor_over(rt.advisor)  # one snapshot for every set
    # the baseline's runs are read before minutes of work too (a broken one is an error now, not at the end)
    before = {s.name: load_run(baseline / s.name)[1] for s, _ in loaded
              if baseline is not None and (baseline / s.name).is_dir()}
    results = []
    against: dict[str, dict[str, Any]] | None = {} if baseline is not None else None
    for s, qs in loaded:
        started = now_utc()
        with tqdm(total=len(qs), desc=s.name, disable=as_json or None) as bar:
            rows, summary = evaluate_answers(advisor, qs, top_k=10, progress=bar.update)
        echo_row_errors(summary["errors"])
        if out:
            write_run(out / s.name, rows, {"run_id": s.name, "started_at": started, "finished_at": now_utc(),
                                           **run_meta(rt, advisor, s.path, len(qs), 10), "summary": summary})
        results.append((s, summary))
        if against is not None and s.name in before:
            against[s.name] = compare(before[s.name], rows)
    table = side_by_side(results, against)
    typer.echo(json.dumps(table, ensure_ascii=False) if as_json else render(table))


@app.command("compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="The earlier run folder")],
    run_b: Annotated[Path, typer.Argument(help="The later run folder")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
    limit: Annotated[int, typer.Option(min=1, help="Questions listed per kind of change")] = 30,
) -> None:
    """Per-question improvements and regressions between two runs, and the entries whose version changed."""
    from assistant.evals.compare import compare_runs, render_comparison
    from assistant.evals.runner import load_run

    (meta_a, rows_a), (meta_b, rows_b) = load_run(run_a), load_run(run_b)
    c = compare_runs(meta_a, rows_a, meta_b, rows_b)
    typer.echo(json.dumps(c, ensure_ascii=False) if as_json else render_comparison(c, limit=limit))


@app.command("report")
def eval_report(
    run: Annotated[Path, typer.Argument(help="A run folder written by `assistant eval run`")],
    trend: Annotated[int, typer.Option(min=1, help="Runs beside it (same parent folder) shown in the trend plot")] = 10,
) -> None:
    """Write report.html (plots inline) and report.md into the run folder."""
    from assistant.evals.report import write_report
    from assistant.evals.runner import load_run

    meta, rows = load_run(run)
    html_path, md_path = write_report(run, meta, rows, trend=trend)
    typer.echo(f"wrote {html_path} and {md_path}")


@app.command("judge")
def eval_judge(
    run: Annotated[Path, typer.Argument(help="A run folder written by `assistant eval run`")],
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible server, e.g. http://127.0.0.1:8001/v1")],
    model: Annotated[str, typer.Option(help="The judge model (pinned: recorded in judge.json)")],
    api_key: Annotated[str, typer.Option(envvar="ASSISTANT_JUDGE_API_KEY", help="If the server needs one")] = "",
    runs: Annotated[int, typer.Option(min=1, max=10, help="Judgements per question (mean and spread)")] = 3,
    limit: Annotated[int, typer.Option(min=0, help="Only the first N questions (0: all)")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
) -> None:
    """Optional LLM judge of a run: temperature 0, several runs, mean and spread, written to judge.json
    beside the run and never mixed into its deterministic scores or gates."""
    from assistant.advisor.prompts import Prompt
    from assistant.evals.judge import judge_rows, write_judgement
    from assistant.evals.runner import load_run

    _, rows = load_run(run)
    rows = rows[:limit] if limit else rows
    rt = runtime()

    def sources_of(row: dict[str, Any]) -> list[str]:
        """The cited versions' text (for a declined answer: the closest entries it listed)."""
        refs = row.get("citations") or [{"entry_id": h["entry_id"], "version": h["version"]}
                                        for h in (row.get("hits") or [])[:3]]
        out = []
        with session_scope(rt.engine) as s:
            for ref in refs:
                try:
                    v = repo.get_version(s, ref["entry_id"], int(ref["version"]))
                except AssistantError:
                    continue
                out.append(f"{v.title}\n{v.content}\n{v.department} {v.contact}".strip())
        return out

    with tqdm(total=len(rows) * runs, desc="judging", disable=as_json or None) as bar:
        result = judge_rows(rows, sources_of, base_url=base_url, model=model, api_key=api_key,
                            prompt=Prompt.load(rt.settings.judge_prompt_file), runs=runs, progress=bar.update)
    path = write_judgement(run, result)
    if as_json:
        typer.echo(json.dumps({k: v for k, v in result.items() if k != "per_query"}, ensure_ascii=False))
        return
    for key in ("score", "faithful", "answers"):
        m = result[key]
        typer.echo(f"{key:<9} mean {m['mean']}  spread {m['spread']}  runs {m['per_run']}")
    typer.echo(f"{result['questions']} questions × {runs} runs by {model} ({result['prompt_version']}); "
               f"unparsed replies {result['unparsed']}; written to {path}")


@app.command("export-beir")
def eval_export_beir(
    out: Annotated[Path, typer.Argument(help="Folder to write corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv")],
    queries: Annotated[Path | None, typer.Option(help=QUERIES_HELP)] = None,
    split: Annotated[str, typer.Option(help="Name of the qrels file")] = "test",
    queries_only: Annotated[bool, typer.Option("--queries-only", help="Skip corpus.jsonl")] = False,
) -> None:
    """Export a query file and the knowledge base (current active versions) in BEIR's layout."""
    from assistant.evals.beir import write_beir
    from assistant.evals.datasets import load_queries

    queries = queries or Settings().eval_queries
    qs = load_queries(queries)
    corpus = None
    if not queries_only:
        with session_scope(runtime().engine) as s:
            corpus = repo.current_records(s)
    counts = write_beir(out, qs, corpus, split=split)
    typer.echo(f"wrote {', '.join(f'{n} {k}' for k, n in counts.items())} to {out}")


@app.command("import-beir")
def eval_import_beir(
    folder: Annotated[Path, typer.Argument(help="A BEIR folder with queries.jsonl and qrels/SPLIT.tsv")],
    out: Annotated[Path, typer.Option(help="Query file to write (our format)")],
    split: Annotated[str, typer.Option(help="Which qrels file to read")] = "test",
) -> None:
    """Convert BEIR queries + qrels into a query file for `assistant eval run` / `eval retrieval`."""
    from assistant.evals.beir import query_line, read_beir

    if out.exists():
        raise AssistantError(f"{out} exists; pass a new --out file")
    qs, skipped = read_beir(folder, split=split)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(query_line(q) + "\n" for q in qs), encoding="utf-8")
    typer.echo(f"wrote {len(qs)} queries to {out}" + (f"; skipped {skipped} without judgements" if skipped else ""))
