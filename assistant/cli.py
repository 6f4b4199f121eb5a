"""The ``assistant`` command line. Errors print as one readable line and exit with status 2."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from assistant.config import ROOT, Settings
from assistant.errors import AssistantError, IndexNotReady
from assistant.kb import importers, repo
from assistant.kb.db import session_scope
from assistant.kb.models import EntryUpdate
from assistant.runtime import Runtime
from assistant.types import EntryRecord, Status

app = typer.Typer(help="Counselor-assist: knowledge base, indexes, search and evaluation.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
kb_app = typer.Typer(help="The versioned knowledge base of consultation manuals.", no_args_is_help=True)
index_app = typer.Typer(help="BM25 and dense indexes.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluation.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")



class Format(StrEnum):
    auto = "auto"
    welfare_local = "welfare-local"
    welfare_national = "welfare-national"
    kb_jsonl = "kb-jsonl"
    table = "table"
    shared = "shared"


class Mode(StrEnum):
    hybrid = "hybrid"
    lexical = "lexical"
    dense = "dense"


def _runtime() -> Runtime:
    return Runtime(Settings())


def _echo_err(msg: str) -> None:
    typer.echo(msg, err=True)


def read_source(path: Path, fmt: Format, mapping: Path | None) -> tuple[list[EntryRecord], str]:
    """Read any supported source into records; returns them and the source name."""
    if fmt == Format.auto:
        if mapping is not None:
            fmt = Format.table
        elif path.is_dir():
            fmt = Format.shared if (path / "welfare_local").is_dir() else Format.welfare_national
        elif path.suffix == ".json":
            fmt = Format.welfare_local
        elif path.suffix == ".jsonl":
            fmt = Format.kb_jsonl
        else:
            raise AssistantError(f"cannot tell the format of {path}; pass --format (or --mapping for CSV/XLSX)")
    if not path.exists():
        raise AssistantError(f"{path} does not exist")
    if fmt == Format.welfare_local:
        return importers.read_welfare_local(path), importers.LOCAL_SOURCE
    if fmt == Format.welfare_national:
        return importers.read_welfare_national(path), importers.NATIONAL_SOURCE
    if fmt == Format.shared:
        return importers.read_shared_data(path), ""
    if fmt == Format.kb_jsonl:
        return importers.read_kb_jsonl(path), ""
    if mapping is None:
        raise AssistantError("--format table needs --mapping MAPPING.toml (see knowledge_base/mappings/)")
    m = importers.Mapping.load(mapping)
    return importers.read_tabular(path, m), m.source


def _update_index(rt: Runtime) -> None:
    """After an edit: bring the saved index up to date incrementally, if there is one."""
    try:
        rt.manager.load()
        rt.manager.save()
        typer.echo(f"index updated to KB version {rt.manager.holder.snapshot.kb_version}")
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
    reports = repo.import_records(rt.engine, records, source, author=author, dry_run=dry_run, prune=prune)
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
    with session_scope(rt.engine) as s:
        v = repo.update_entry(s, entry_id, data, expected_version=expected_version, author=author, note=note)
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
    with session_scope(rt.engine) as s:
        v = repo.retire_entry(s, entry_id, expected_version=expected_version, author=author, note=note)
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


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
) -> None:
    """Run the HTTP service (API and OpenAPI docs at /docs)."""
    import uvicorn

    from assistant.api.app import create_app

    uvicorn.run(create_app(Settings()), host=host, port=port, log_level="info")


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


def main() -> None:
    try:
        app()
    except AssistantError as exc:
        _echo_err(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
