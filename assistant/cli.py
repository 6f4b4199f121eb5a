"""The ``assistant`` command line. Errors print as one readable line and exit with status 2."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from tqdm import tqdm

from assistant.auth.roles import Role
from assistant.auth.service import Principal
from assistant.config import ROOT, Settings
from assistant.errors import AssistantError, IndexNotReady
from assistant.kb import importers, repo
from assistant.kb.changes import exclusive
from assistant.kb.db import session_scope
from assistant.kb.importers import Format, read_source
from assistant.kb.models import EntryUpdate
from assistant.runtime import Runtime
from assistant.types import Status

app = typer.Typer(help="Counselor-assist: knowledge base, indexes, search and evaluation.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
kb_app = typer.Typer(help="The versioned knowledge base of consultation manuals.", no_args_is_help=True)
index_app = typer.Typer(help="BM25 and dense indexes.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluation.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")
token_app = typer.Typer(help="API tokens (roles: counselor, editor, qa, admin).", no_args_is_help=True)
app.add_typer(token_app, name="token")



class Mode(StrEnum):
    hybrid = "hybrid"
    lexical = "lexical"
    dense = "dense"


def _runtime() -> Runtime:
    return Runtime(Settings())


def _echo_err(msg: str) -> None:
    typer.echo(msg, err=True)


def _operator(author: str) -> Principal:
    """Whoever runs the command line has the database itself: an admin, named as they say."""
    return Principal(author, Role.admin)


def _update_index(rt: Runtime) -> None:
    """After an edit: bring the saved index up to date incrementally, if there is one."""
    try:
        rt.manager.load()
        version = rt.manager.holder.snapshot.kb_version
        if rt.manager.save(wait=30.0) is None:
            _echo_err(f"note: index at KB version {version} in memory only; another process is writing the "
                      "saved one (it catches up when loaded)")
        else:
            typer.echo(f"index updated to KB version {version}")
    except IndexNotReady as exc:
        _echo_err(f"note: index not updated: {exc}")


@kb_app.command("import")
def kb_import(
    path: Annotated[Path, typer.Argument(help="File or folder to import")],
    fmt: Annotated[Format, typer.Option("--format", help="Source format; auto guesses from the path")] = Format.auto,
    mapping: Annotated[Path | None, typer.Option(help="Column mapping (TOML) for CSV/TSV/XLSX/JSONL exports")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would change; write nothing")] = False,
    prune: Annotated[bool, typer.Option(help="Retire entries of the same source that the file no longer has")] = False,
    author: Annotated[str, typer.Option(help="Recorded on every new version")] = "import",
    show: Annotated[int, typer.Option(help="List up to N ids per kind of change")] = 10,
) -> None:
    """Import manuals: idempotent (unchanged rows make no new version); any bad row aborts the whole import."""
    rt = _runtime()
    records, source = read_source(path, fmt, mapping)
    reports, _ = rt.editor.import_records(records, source, actor=_operator(author), dry_run=dry_run, prune=prune)
    for rep in reports:
        typer.echo(rep.summary())
        for label, ids in (("+", rep.added), ("~", rep.changed), ("-", rep.removed)):
            for eid in ids[:show]:
                typer.echo(f"  {label} {eid}")
            if len(ids) > show:
                typer.echo(f"  {label} ... {len(ids) - show} more")
    if not dry_run and any(r.touched for r in reports):
        _update_index(rt)


@kb_app.command("export")
def kb_export(path: Annotated[Path, typer.Argument(help="JSONL file to write (current versions)")]) -> None:
    """Write the current version of every entry, retired ones included, as the project's JSONL format."""
    rt = _runtime()
    with session_scope(rt.engine) as s:
        records = repo.current_records(s, include_retired=True)
    n = importers.write_kb_jsonl(records, path)
    typer.echo(f"wrote {n} entries to {path}")


@kb_app.command("backup")
def kb_backup(path: Annotated[Path, typer.Argument(help="JSONL file to write")]) -> None:
    """Back up every version of every entry (author, note, time, hash, status) and the current pointers."""
    from assistant.kb.backup import write_backup

    summary = write_backup(_runtime().engine, path)
    typer.echo(f"backed up {summary} to {path}")


@kb_app.command("restore")
def kb_restore(path: Annotated[Path, typer.Argument(help="A file written by `assistant kb backup`")]) -> None:
    """Restore a backup into an EMPTY database (checked first, all or nothing), then rebuild the index."""
    from assistant.kb.backup import restore_backup

    rt = _runtime()
    summary = restore_backup(rt.engine, path)
    typer.echo(f"restored {summary} from {path}")
    try:
        snap = rt.manager.rebuild()
        typer.echo(f"index rebuilt at KB version {snap.kb_version}")
    except AssistantError as exc:
        _echo_err(f"note: index not rebuilt ({exc}); run `assistant index build`")


@kb_app.command("convert-shared")
def kb_convert_shared(
    data_dir: Annotated[Path, typer.Argument(help="The shared data folder")] = ROOT.parent / "shared" / "data",
    out: Annotated[Path, typer.Option(help="Where to write the shipped knowledge base")] = ROOT / "knowledge_base" / "entries.jsonl",
) -> None:
    """(Maintainers) convert the public sample data into the shipped knowledge base file."""
    n = importers.write_kb_jsonl(importers.read_shared_data(data_dir), out)
    typer.echo(f"wrote {n} entries to {out}")


@kb_app.command("list")
def kb_list(
    q: Annotated[str, typer.Option(help="Substring of title or id")] = "",
    region: Annotated[str, typer.Option(help="Only this region's own entries, e.g. '서울특별시 강남구'")] = "",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    retired: Annotated[bool, typer.Option(help="Show retired entries instead of active ones")] = False,
) -> None:
    """List entries (current versions)."""
    rt = _runtime()
    reg = rt.regions().parse(region) if region else None
    with session_scope(rt.engine) as s:
        rows, count = repo.list_entries(
            s, q=q, sido=reg.sido if reg else None, sigungu=reg.sigungu if reg else None,
            status=Status.retired if retired else Status.active, limit=limit)
    for v in rows:
        typer.echo(f"{v.entry_id}\tv{v.version}\t{v.scope}\t{' '.join(p for p in (v.sido, v.sigungu) if p) or '전국'}\t{v.title}")
    typer.echo(f"({len(rows)} of {count})")


@kb_app.command("show")
def kb_show(entry_id: str, version: Annotated[int | None, typer.Option(help="A past version")] = None) -> None:
    """Print one entry as JSON."""
    rt = _runtime()
    with session_scope(rt.engine) as s:
        v = repo.get_version(s, entry_id, version) if version else repo.get_entry(s, entry_id)
        typer.echo(json.dumps(v.model_dump(mode="json"), ensure_ascii=False, indent=1))


@kb_app.command("history")
def kb_history(entry_id: str) -> None:
    """Every version of an entry: who, when, why."""
    rt = _runtime()
    with session_scope(rt.engine) as s:
        for v in repo.history(s, entry_id):
            typer.echo(f"v{v.version}\t{v.created_at:%Y-%m-%d %H:%M}\t{v.author}\t{v.status}\t{v.change_note}")


@kb_app.command("edit")
def kb_edit(
    entry_id: str,
    expected_version: Annotated[int, typer.Option(help="The version you edited; a newer one is a conflict")],
    title: Annotated[str | None, typer.Option()] = None,
    content_file: Annotated[Path | None, typer.Option(help="File with the new content")] = None,
    department: Annotated[str | None, typer.Option()] = None,
    contact: Annotated[str | None, typer.Option()] = None,
    note: Annotated[str, typer.Option(help="Change note")] = "edited",
    author: Annotated[str, typer.Option()] = "editor",
) -> None:
    """Append a new version with the given fields changed, then update the index."""
    rt = _runtime()
    content = content_file.read_text(encoding="utf-8") if content_file else None
    data = EntryUpdate(title=title, content=content, department=department, contact=contact)
    v = rt.editor.update(entry_id, data, expected_version=expected_version, actor=_operator(author), note=note).version
    typer.echo(f"{entry_id} is now at version {v.version}")
    _update_index(rt)


@kb_app.command("retire")
def kb_retire(
    entry_id: str,
    expected_version: Annotated[int, typer.Option(help="The version you saw")],
    note: Annotated[str, typer.Option()] = "retired",
    author: Annotated[str, typer.Option()] = "editor",
) -> None:
    """Retire an entry (a new version with status retired; history is kept)."""
    rt = _runtime()
    v = rt.editor.retire(entry_id, expected_version=expected_version, actor=_operator(author), note=note).version
    typer.echo(f"{entry_id} retired at version {v.version}")
    _update_index(rt)


@index_app.command("build")
def index_build() -> None:
    """Full rebuild from the database; embeds only text the cache has not seen."""
    rt = _runtime()
    bar = tqdm(desc="embedding new text", unit="chunk", total=0, disable=None)

    def progress(n: int) -> None:
        if bar.total == 0:
            bar.total = None
        bar.update(n)

    snap = rt.manager.rebuild(progress=progress)
    bar.close()
    m = snap.manifest
    typer.echo(f"index built: KB version {m.kb_version}, {m.n_entries} entries, {m.n_chunks} chunks, "
               f"embedder {m.embedder}")


@index_app.command("status")
def index_status() -> None:
    """Show the saved index's manifest and whether it matches the database."""
    from assistant.index.snapshot import read_manifest

    rt = _runtime()
    folder, manifest = read_manifest(rt.settings.index_dir)
    kb = rt.kb_version()
    manifest.pop("checksums", None)
    typer.echo(json.dumps({"folder": str(folder), "database_kb_version": kb, **manifest}, ensure_ascii=False, indent=1))


@app.command("setup")
def setup(
    rebuild: Annotated[bool, typer.Option(help="Rebuild the index even if one exists")] = False,
) -> None:
    """First run: create the database, import the shipped knowledge base if empty, build the index."""
    rt = _runtime()
    with exclusive(rt.engine, "setup"):  # replicas starting together: the first imports, the others find it done
        if rt.kb_version() == 0:
            records = importers.read_kb_jsonl(rt.settings.kb_dir / "entries.jsonl")
            for rep in repo.import_records(rt.engine, records, "", author="setup", dry_run=False, prune=False):
                typer.echo(rep.summary())
    try:
        if rebuild:
            raise IndexNotReady("rebuild requested")
        rt.manager.load()
        rt.manager.save()
        typer.echo(f"index ready at KB version {rt.manager.holder.snapshot.kb_version}")
    except IndexNotReady:
        index_build()


@app.command("search")
def search(
    question: Annotated[str, typer.Argument(help="What the caller asked")],
    region: Annotated[str, typer.Option(help="Caller's region, e.g. '서울특별시 강남구' or '서울특별시'")] = "",
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
    mode: Annotated[Mode, typer.Option(help="hybrid, or one retriever alone")] = Mode.hybrid,
) -> None:
    """Find the manual entries for a question."""
    rt = _runtime()
    rt.start()
    result = rt.retriever.search(question, region=region or None, top_k=top_k, mode=mode.value)
    for n in result.notices:
        _echo_err(f"notice: {n}")
    if as_json:
        typer.echo(json.dumps({"hits": [h.as_dict() for h in result.hits], "region": result.region.label,
                               "notices": result.notices}, ensure_ascii=False))
        return
    if not result.hits:
        typer.echo("no entries found")
    for i, h in enumerate(result.hits, start=1):
        where = " ".join(p for p in (h.sido, h.sigungu) if p) or "전국"
        typer.echo(f"{i:>2}. {h.title}  [{where} · {h.scope} · v{h.version}]  {h.entry_id}  score={h.score:.4f}")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="counselor, editor, qa or admin")],
    name: Annotated[str, typer.Option(help="Who or what uses it (shown in the audit log)")],
) -> None:
    """Print a new API token (only its hash is stored: keep it now)."""
    typer.echo(_runtime().tokens.create(name=name, role=role, created_by="cli"))


@token_app.command("list")
def token_list() -> None:
    """Every token: id, name, role, prefix, created, revoked."""
    for t in _runtime().tokens.list():
        revoked = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        typer.echo(f"{t.id}\t{t.name}\t{t.role}\t{t.prefix}…\t{t.created_at:%Y-%m-%d %H:%M}\t{revoked}")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The id shown by `assistant token list`")]) -> None:
    """Revoke a token (services notice within the token cache time)."""
    t = _runtime().tokens.revoke(token_id, by="cli")
    typer.echo(f"token {t.id} ({t.name}) revoked")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (one per core); each keeps its "
                                         "index in step with the others like a replica")] = 1,
) -> None:
    """Run the HTTP service (API and OpenAPI docs at /docs)."""
    import uvicorn

    from assistant.api.app import create_app, create_app_from_env
    from assistant.api.observability import configure_logging

    settings = Settings()
    configure_logging(json_lines=settings.log_json, level=settings.log_level)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)
        return
    uvicorn.run(f"{create_app_from_env.__module__}:{create_app_from_env.__name__}", factory=True, workers=workers,
                host=host, port=port, log_config=None, access_log=False)


@app.command("advise")
def advise(
    question: Annotated[str, typer.Argument(help="What the caller asked")],
    region: Annotated[str, typer.Option(help="Caller's region, e.g. '서울특별시 강남구'")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
) -> None:
    """A grounded answer with citations, as the counselor's side panel shows it."""
    rt = _runtime()
    rt.start()
    answer = rt.advisor.advise(question, region=region or None)
    if as_json:
        typer.echo(json.dumps(answer.as_dict(), ensure_ascii=False))
        return
    typer.echo(f"[{answer.mode}] {answer.text}")
    for c in answer.citations:
        typer.echo(f"  [{c.n}] {c.title} ({c.entry_id} v{c.version})")
    for k, v in answer.key_facts.items():
        typer.echo(f"  · {k}: {v}")
    for e in answer.errors:
        _echo_err(f"note: {e}")


@eval_app.command("retrieval")
def eval_retrieval(
    queries: Annotated[Path, typer.Option(help="Query file, one JSON object per line")] = ROOT / "evals" / "dev" / "queries.jsonl",
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
    mode: Annotated[Mode, typer.Option(help="hybrid, or one retriever alone")] = Mode.hybrid,
    per_query: Annotated[Path | None, typer.Option(help="Also write per-question results (JSONL) here")] = None,
) -> None:
    """Score retrieval: hit@1/3/5, MRR@10, nDCG@10 overall, by type and by language, plus latency."""
    from assistant.evals.datasets import load_queries
    from assistant.evals.retrieval import evaluate_retrieval

    qs = load_queries(queries)
    rt = _runtime()
    rt.start()
    rt.retriever.search("워밍업", top_k=1)  # first call pays one-off costs; keep it out of the latency figures
    with tqdm(total=len(qs), desc="questions", disable=as_json or None) as bar:
        report = evaluate_retrieval(rt.retriever, qs, top_k=top_k, search_kwargs={"mode": mode.value},
                                    progress=bar.update)
    rows = report.pop("per_query")
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


@eval_app.command("run")
def eval_run(
    out: Annotated[Path, typer.Option(help="New folder for results.jsonl and run.json")],
    queries: Annotated[Path, typer.Option(help="Query file, one JSON object per line")] = ROOT / "evals" / "dev" / "queries.jsonl",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
    gate: Annotated[Path | None, typer.Option(help="Quality gates (TOML); a failed gate exits with status 1")] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="Ranking depth for retrieval metrics")] = 10,
) -> None:
    """Run retrieval and the advisor on every question; write per-question results and what the run ran on."""
    from assistant.evals.datasets import load_queries
    from assistant.evals.gates import check_gates, load_gates
    from assistant.evals.runner import evaluate_answers, now_utc, prepare_out_dir, run_metadata, write_run

    gates = load_gates(gate) if gate else []  # a bad gates file fails before minutes of work
    qs = load_queries(queries)
    prepare_out_dir(out)
    rt = _runtime()
    rt.start()
    started = now_utc()
    with tqdm(total=len(qs), desc="questions", disable=as_json or None) as bar:
        rows, summary = evaluate_answers(rt.advisor, qs, top_k=top_k, progress=bar.update)
    s = rt.settings
    meta = {"run_id": out.name, "started_at": started, "finished_at": now_utc(),
            **run_metadata(rt.advisor, queries_path=queries, n_queries=len(qs), top_k=top_k,
                           kb_version=rt.kb_version(), root=ROOT,
                           settings={"rrf_k": s.rrf_k, "weight_lexical": s.weight_lexical, "weight_dense": s.weight_dense,
                                     "weight_local": s.weight_local, "weight_national": s.weight_national,
                                     "candidate_k": s.candidate_k, "llm_model": s.llm_model or None}),
            "summary": summary}
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
        typer.echo(f"run written to {out}")
    for f in failed:
        _echo_err(f.message)
    if failed:
        raise typer.Exit(1)


@eval_app.command("compare")
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


@eval_app.command("report")
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


@eval_app.command("judge")
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
    rt = _runtime()

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
                            prompt=Prompt.load(ROOT / "prompts" / "judge-v1.md"), runs=runs, progress=bar.update)
    path = write_judgement(run, result)
    if as_json:
        typer.echo(json.dumps({k: v for k, v in result.items() if k != "per_query"}, ensure_ascii=False))
        return
    for key in ("score", "faithful", "answers"):
        m = result[key]
        typer.echo(f"{key:<9} mean {m['mean']}  spread {m['spread']}  runs {m['per_run']}")
    typer.echo(f"{result['questions']} questions × {runs} runs by {model} ({result['prompt_version']}); "
               f"unparsed replies {result['unparsed']}; written to {path}")


@eval_app.command("export-beir")
def eval_export_beir(
    out: Annotated[Path, typer.Argument(help="Folder to write corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv")],
    queries: Annotated[Path, typer.Option(help="Query file, one JSON object per line")] = ROOT / "evals" / "dev" / "queries.jsonl",
    split: Annotated[str, typer.Option(help="Name of the qrels file")] = "test",
    queries_only: Annotated[bool, typer.Option("--queries-only", help="Skip corpus.jsonl")] = False,
) -> None:
    """Export a query file and the knowledge base (current active versions) in BEIR's layout."""
    from assistant.evals.beir import write_beir
    from assistant.evals.datasets import load_queries

    qs = load_queries(queries)
    corpus = None
    if not queries_only:
        with session_scope(_runtime().engine) as s:
            corpus = repo.current_records(s)
    counts = write_beir(out, qs, corpus, split=split)
    typer.echo(f"wrote {', '.join(f'{n} {k}' for k, n in counts.items())} to {out}")


@eval_app.command("import-beir")
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


def main() -> None:
    try:
        app()
    except AssistantError as exc:
        _echo_err(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
