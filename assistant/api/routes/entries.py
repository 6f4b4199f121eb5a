"""Editor routes: list, read, history and diff; create, edit, retire and import with optimistic
concurrency (a stale ``expected_version`` is a 409 and writes nothing). Each change is audited and
searchable when the response arrives. Entry ids may contain '/', hence the ``:path`` parameters."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile

from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.api.schemas import (
    DiffOut,
    EntryChange,
    EntryIn,
    EntryPatch,
    HistoryOut,
    ImportOut,
    RetireIn,
    VersionMeta,
)
from assistant.editor.service import Change
from assistant.errors import AssistantError
from assistant.kb import repo
from assistant.kb.db import session_scope
from assistant.kb.importers import Format, read_source
from assistant.kb.models import EntriesPublic, EntryCreate, EntryPublic, EntryUpdate
from assistant.types import Scope, Status

router = APIRouter(tags=["editor"])
MAX_IMPORT_BYTES = 50 * 1024 * 1024


def change_out(c: Change) -> EntryChange:
    return EntryChange(entry=EntryPublic.model_validate(c.version.model_dump()), indexed_kb_version=c.indexed_kb_version)


@router.get("/v1/entries", response_model=EntriesPublic)
def list_entries(
    rt: RuntimeDep,
    q: Annotated[str, Query(max_length=200, description="words in the title, id or content")] = "",
    region: Annotated[str, Query(max_length=100, description="only this region's own entries")] = "",
    scope: Scope | None = None,
    status: Literal["active", "retired", "all"] = "active",
    agency: Annotated[str | None, Query(max_length=20, description="only this agency's entries ('' = common); "
                                        "an unknown code is a 422 listing the valid ones")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EntriesPublic:
    """Entries (current versions), newest ids first within the filter."""
    reg = rt.retriever.regions.parse(region) if region else None
    if agency:
        rt.agencies.require(agency)
    with session_scope(rt.engine) as s:
        rows, count = repo.list_entries(
            s, q=q.strip(), scope=scope, sido=reg.sido if reg else None,
            sigungu=(reg.sigungu if reg and reg.sigungu else None) if reg else None,
            status=None if status == "all" else Status(status), offset=offset, limit=limit, agency=agency)
        return EntriesPublic(data=[EntryPublic.model_validate(r.model_dump()) for r in rows], count=count)


@router.get("/v1/entries/{entry_id:path}/history", response_model=HistoryOut)
def entry_history(entry_id: str, rt: RuntimeDep) -> HistoryOut:
    """Every version of the entry: who changed it, when and why."""
    with session_scope(rt.engine) as s:
        rows = repo.history(s, entry_id)
        return HistoryOut(data=[VersionMeta.model_validate(r.model_dump()) for r in rows], count=len(rows))


@router.get("/v1/entries/{entry_id:path}/diff", response_model=DiffOut)
def entry_diff(entry_id: str, rt: RuntimeDep, from_version: Annotated[int | None, Query(ge=1)] = None,
               to_version: Annotated[int | None, Query(ge=1)] = None) -> DiffOut:
    """What changed between two versions (default: the current one and the one before it)."""
    return DiffOut.model_validate(rt.editor.diff(entry_id, from_version, to_version))


@router.get("/v1/entries/{entry_id:path}", response_model=EntryPublic)
def get_entry(entry_id: str, rt: RuntimeDep, version: Annotated[int | None, Query(ge=1)] = None) -> EntryPublic:
    """The entry as it is now, or as it was at ``version`` (what a citation points at)."""
    with session_scope(rt.engine) as s:
        row = repo.get_version(s, entry_id, version) if version else repo.get_entry(s, entry_id)
        return EntryPublic.model_validate(row.model_dump())


@router.post("/v1/entries", response_model=EntryChange, status_code=201)
def create_entry(body: EntryIn, rt: RuntimeDep, principal: PrincipalDep) -> EntryChange:
    """A new entry (version 1); an existing id is a 409."""
    data = EntryCreate.model_validate(body.model_dump(exclude={"note"}))
    return change_out(rt.editor.create(data, actor=principal, note=body.note))


@router.post("/v1/entries/import", response_model=ImportOut)
def import_entries(
    rt: RuntimeDep, principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="JSONL, JSON, CSV, TSV or XLSX")],
    format: Annotated[Format, Form()] = Format.auto,
    dry_run: Annotated[bool, Form()] = False,
    prune: Annotated[bool, Form()] = False,
    mapping: Annotated[UploadFile | None, File(description="column mapping (TOML) for tables")] = None,
) -> ImportOut:
    """Bulk import through the importers: every row is checked first, then all rows are written in
    one transaction or none; ``dry_run`` reports what would change."""
    if format == Format.shared:
        raise AssistantError("the 'shared' format reads a folder; upload one file")
    name = Path(file.filename or "upload").name
    with tempfile.TemporaryDirectory(prefix="assistant-import-") as tmp:
        path = Path(tmp) / (name or "upload")
        data = file.file.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise AssistantError(f"file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; import it with the CLI")
        path.write_bytes(data)
        mapping_path = None
        if mapping is not None:
            mapping_path = Path(tmp) / "mapping.toml"
            mapping_path.write_bytes(mapping.file.read(1024 * 1024))
        records, source = read_source(path, format, mapping_path)
    reports, kb_version = rt.editor.import_records(records, source, actor=principal, dry_run=dry_run, prune=prune)
    return ImportOut.model_validate({"reports": [
        {"source": r.source, "added": r.added, "changed": r.changed, "removed": r.removed,
         "unchanged": r.unchanged, "dry_run": r.dry_run} for r in reports], "indexed_kb_version": kb_version})


@router.post("/v1/entries/{entry_id:path}/retire", response_model=EntryChange)
def retire_entry(entry_id: str, body: RetireIn, rt: RuntimeDep, principal: PrincipalDep) -> EntryChange:
    """Retire the entry: a new version with status retired (history kept); it leaves the index now."""
    return change_out(rt.editor.retire(entry_id, expected_version=body.expected_version, actor=principal,
                                    note=body.note))


@router.patch("/v1/entries/{entry_id:path}", response_model=EntryChange)
def edit_entry(entry_id: str, body: EntryPatch, rt: RuntimeDep, principal: PrincipalDep) -> EntryChange:
    """Append a version with the given fields changed. ``expected_version`` must be the current
    version: otherwise 409 with ``current_version``, and nothing is written."""
    data = EntryUpdate.model_validate(body.model_dump(exclude={"expected_version", "note"}, exclude_unset=True))
    return change_out(rt.editor.update(entry_id, data, expected_version=body.expected_version, actor=principal,
                                    note=body.note))
