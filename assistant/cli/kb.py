"""``assistant kb``: import, export, back up, restore, list, show, edit and retire manual entries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import echo_err, operator, runtime, update_index
from assistant.config import ROOT
from assistant.errors import AssistantError
from assistant.kb import importers, repo
from assistant.kb.db import session_scope
from assistant.kb.importers import Format, read_source
from assistant.kb.models import EntryUpdate
from assistant.types import Status

app = typer.Typer(name="kb", help="The versioned knowledge base of consultation manuals.", no_args_is_help=True)


@app.command("import")
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
    rt = runtime()
    records, source = read_source(path, fmt, mapping)
    reports, _ = rt.editor.import_records(records, source, actor=operator(author), dry_run=dry_run, prune=prune)
    for rep in reports:
        typer.echo(rep.summary())
        for label, ids in (("+", rep.added), ("~", rep.changed), ("-", rep.removed)):
            for eid in ids[:show]:
                typer.echo(f"  {label} {eid}")
            if len(ids) > show:
                typer.echo(f"  {label} ... {len(ids) - show} more")
    if not dry_run and any(r.touched for r in reports):
        update_index(rt)


@app.command("export")
def kb_export(path: Annotated[Path, typer.Argument(help="JSONL file to write (current versions)")]) -> None:
    """Write the current version of every entry, retired ones included, as the project's JSONL format."""
    rt = runtime()
    with session_scope(rt.engine) as s:
        records = repo.current_records(s, include_retired=True)
    n = importers.write_kb_jsonl(records, path)
    typer.echo(f"wrote {n} entries to {path}")


@app.command("backup")
def kb_backup(path: Annotated[Path, typer.Argument(help="JSONL file to write")]) -> None:
    """Back up every version of every entry (author, note, time, hash, status) and the current pointers."""
    from assistant.kb.backup import write_backup

    summary = write_backup(runtime().engine, path)
    typer.echo(f"backed up {summary} to {path}")


@app.command("restore")
def kb_restore(path: Annotated[Path, typer.Argument(help="A file written by `assistant kb backup`")]) -> None:
    """Restore a backup into an EMPTY database (checked first, all or nothing), then rebuild the index."""
    from assistant.kb.backup import restore_backup

    rt = runtime()
    summary = restore_backup(rt.engine, path)
    typer.echo(f"restored {summary} from {path}")
    try:
        snap = rt.manager.rebuild()
        typer.echo(f"index rebuilt at KB version {snap.kb_version}")
    except AssistantError as exc:
        echo_err(f"note: index not rebuilt ({exc}); run `assistant index build`")


@app.command("convert-shared")
def kb_convert_shared(
    data_dir: Annotated[Path, typer.Argument(help="The shared data folder")] = ROOT.parent / "shared" / "data",
    out: Annotated[Path, typer.Option(help="Where to write the shipped knowledge base")] = ROOT / "knowledge_base" / "entries.jsonl",
) -> None:
    """(Maintainers) convert the public sample data into the shipped knowledge base file."""
    n = importers.write_kb_jsonl(importers.read_shared_data(data_dir), out)
    typer.echo(f"wrote {n} entries to {out}")


@app.command("list")
def kb_list(
    q: Annotated[str, typer.Option(help="Substring of title or id")] = "",
    region: Annotated[str, typer.Option(help="Only this region's own entries, e.g. '서울특별시 강남구'")] = "",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    retired: Annotated[bool, typer.Option(help="Show retired entries instead of active ones")] = False,
) -> None:
    """List entries (current versions)."""
    rt = runtime()
    reg = rt.regions().parse(region) if region else None
    with session_scope(rt.engine) as s:
        rows, count = repo.list_entries(
            s, q=q, sido=reg.sido if reg else None, sigungu=reg.sigungu if reg else None,
            status=Status.retired if retired else Status.active, limit=limit)
    for v in rows:
        typer.echo(f"{v.entry_id}\tv{v.version}\t{v.scope}\t{' '.join(p for p in (v.sido, v.sigungu) if p) or '전국'}\t{v.title}")
    typer.echo(f"({len(rows)} of {count})")


@app.command("show")
def kb_show(entry_id: str, version: Annotated[int | None, typer.Option(help="A past version")] = None) -> None:
    """Print one entry as JSON."""
    rt = runtime()
    with session_scope(rt.engine) as s:
        v = repo.get_version(s, entry_id, version) if version else repo.get_entry(s, entry_id)
        typer.echo(json.dumps(v.model_dump(mode="json"), ensure_ascii=False, indent=1))


@app.command("history")
def kb_history(entry_id: str) -> None:
    """Every version of an entry: who, when, why."""
    rt = runtime()
    with session_scope(rt.engine) as s:
        for v in repo.history(s, entry_id):
            typer.echo(f"v{v.version}\t{v.created_at:%Y-%m-%d %H:%M}\t{v.author}\t{v.status}\t{v.change_note}")


@app.command("edit")
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
    rt = runtime()
    content = content_file.read_text(encoding="utf-8") if content_file else None
    data = EntryUpdate(title=title, content=content, department=department, contact=contact)
    v = rt.editor.update(entry_id, data, expected_version=expected_version, actor=operator(author), note=note).version
    typer.echo(f"{entry_id} is now at version {v.version}")
    update_index(rt)


@app.command("retire")
def kb_retire(
    entry_id: str,
    expected_version: Annotated[int, typer.Option(help="The version you saw")],
    note: Annotated[str, typer.Option()] = "retired",
    author: Annotated[str, typer.Option()] = "editor",
) -> None:
    """Retire an entry (a new version with status retired; history is kept)."""
    rt = runtime()
    v = rt.editor.retire(entry_id, expected_version=expected_version, actor=operator(author), note=note).version
    typer.echo(f"{entry_id} retired at version {v.version}")
    update_index(rt)
