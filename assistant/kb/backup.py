"""Backup and restore of the knowledge base with its whole version history.

A backup is JSONL, one object per line, ``kind`` saying what it is: a ``header`` (format, KB
version, counts), one ``entry`` per entry (its current-version pointer and timestamps), one
``version`` per entry version (every field, author, note, time, content hash, status), and a
``footer`` with the line count and a SHA-256 of the lines before it, so a truncated or edited
file is refused. The same database always gives the same bytes (sorted keys, ids kept), so
backup → restore → backup yields an identical file.

Restore goes into an empty database only. It checks the whole file first (structure, enums,
field limits, version numbering, content hashes, the pointers), then writes everything in one
transaction; entry-version ids are kept, so the KB version is the backed-up one.

>>> n = write_backup(engine, Path("kb-backup.jsonl"))        # doctest: +SKIP
>>> restore_backup(other_engine, Path("kb-backup.jsonl"))    # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.errors import AssistantError, ImportValidationError
from assistant.files import replace_atomic
from assistant.kb.changes import begin_kb_write
from assistant.kb.models import Entry, EntryVersion
from assistant.kb.repo import VERSIONED_FIELDS, content_hash, kb_version
from assistant.types import Scope, Status

FORMAT = "assistant-kb-backup"
FORMAT_VERSION = 1
VERSION_FIELDS = ("id", "entry_id", "version", *VERSIONED_FIELDS, "content_hash", "author", "change_note",
                  "created_at")
ENTRY_FIELDS = ("entry_id", "current_version", "created_at", "updated_at")


class RestoreRefused(AssistantError):
    """The target database is not empty (restore never merges into existing data)."""


@dataclass(frozen=True)
class BackupSummary:
    entries: int
    versions: int
    kb_version: int

    def __str__(self) -> str:
        return f"{self.entries} entries, {self.versions} versions, KB version {self.kb_version}"


def _time(value: datetime) -> str:
    """UTC, ISO 8601 with microseconds; SQLite hands back naive datetimes that were written in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def backup_lines(engine: Engine, *, attempts: int = 5) -> tuple[list[str], BackupSummary]:
    """The backup's lines (without newlines) from one consistent view of the knowledge base.

    Every change appends a version, so an unchanged KB version before and after the reads means
    no write came in between; otherwise the reads are repeated."""
    for _ in range(attempts):
        with Session(engine) as s:
            before = kb_version(s)
            entries = list(s.exec(select(Entry).order_by(col(Entry.entry_id))))
            versions = list(s.exec(select(EntryVersion).order_by(col(EntryVersion.id))))
            if kb_version(s) == before:
                break
    else:
        raise AssistantError(f"the knowledge base kept changing during {attempts} backup attempts; try again")
    summary = BackupSummary(len(entries), len(versions), before)
    lines = [_line({"kind": "header", "format": FORMAT, "format_version": FORMAT_VERSION,
                    "kb_version": before, "entries": len(entries), "versions": len(versions)})]
    for e in entries:
        lines.append(_line({"kind": "entry", "entry_id": e.entry_id, "current_version": e.current_version,
                            "created_at": _time(e.created_at), "updated_at": _time(e.updated_at)}))
    for v in versions:
        d: dict[str, Any] = {"kind": "version"}
        for f in VERSION_FIELDS:
            value = getattr(v, f)
            d[f] = _time(value) if isinstance(value, datetime) else (
                str(value) if f in ("scope", "status") else value)
        d["tags"] = list(v.tags or [])
        lines.append(_line(d))
    lines.append(_line({"kind": "footer", "lines": len(lines), "sha256": _digest(lines)}))
    return lines, summary


def _digest(lines: list[str]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8") + b"\n")
    return h.hexdigest()


def write_backup(engine: Engine, path: Path) -> BackupSummary:
    """Write the backup to ``path`` atomically (a crash leaves the old file or none, never half)."""
    lines, summary = backup_lines(engine)
    replace_atomic(path, "\n".join(lines) + "\n")
    return summary


# ------------------------------------------------------------------ restore
def _field_problems(obj: dict[str, Any]) -> list[str]:
    """What the database itself would refuse (types, enum values, column lengths), no stricter:
    whatever a backup took out of a database must go back in."""
    out = []
    columns = EntryVersion.__table__.columns  # type: ignore[attr-defined]
    for f in (*VERSIONED_FIELDS, "content_hash", "author", "change_note"):
        value = obj[f]
        if f == "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                out.append("tags: not a list of strings")
        elif f == "scope" and value not in Scope.__members__:
            out.append(f"scope: {value!r} is not one of {', '.join(Scope.__members__)}")
        elif f == "status" and value not in Status.__members__:
            out.append(f"status: {value!r} is not one of {', '.join(Status.__members__)}")
        elif not isinstance(value, str):
            out.append(f"{f}: not a string")
        elif (limit := getattr(columns[f].type, "length", None)) and len(value) > limit:
            out.append(f"{f}: longer than {limit} characters")
    return out


def _parse_time(value: Any, where: str, problems: list[str]) -> datetime | None:
    try:
        t = datetime.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: bad timestamp {value!r}")
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def read_backup(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], BackupSummary]:
    """Parse and check a backup file; returns entry rows and version rows ready to insert.

    Raises ``ImportValidationError`` listing every problem found."""
    where = str(path)
    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportValidationError(where, [f"unreadable: {exc}"]) from exc
    lines = raw.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    objs: list[dict[str, Any]] = []
    for i, line in enumerate(lines, start=1):
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise ImportValidationError(where, [f"line {i}: not JSON ({exc})"]) from exc
        if not isinstance(obj, dict) or "kind" not in obj:
            raise ImportValidationError(where, [f"line {i}: not a backup record"])
        objs.append(obj)
    if not objs or objs[0].get("kind") != "header" or objs[0].get("format") != FORMAT:
        raise ImportValidationError(where, [f"line 1: not a knowledge-base backup (no {FORMAT!r} header)"])
    header = objs[0]
    if header.get("format_version") != FORMAT_VERSION:
        raise ImportValidationError(where, [f"backup format version {header.get('format_version')!r} is not "
                                            f"{FORMAT_VERSION}"])
    footer = objs[-1]
    if footer.get("kind") != "footer" or len(objs) < 2:
        raise ImportValidationError(where, ["the file is truncated (no footer line)"])
    if footer.get("lines") != len(lines) - 1 or footer.get("sha256") != _digest(lines[:-1]):
        raise ImportValidationError(where, ["the file was altered or truncated (footer checksum mismatch)"])

    problems: list[str] = []
    entries: dict[str, dict[str, Any]] = {}
    versions: list[dict[str, Any]] = []
    numbers: dict[str, list[int]] = {}
    ids: set[int] = set()
    for i, obj in enumerate(objs[1:-1], start=2):
        at = f"line {i}"
        kind = obj.get("kind")
        if kind == "entry":
            missing = [f for f in ENTRY_FIELDS if f not in obj]
            if missing:
                problems.append(f"{at}: entry lacks {', '.join(missing)}")
                continue
            eid = obj["entry_id"]
            if not isinstance(eid, str) or not eid or len(eid) > 200:
                problems.append(f"{at}: bad entry id {eid!r}")
                continue
            if eid in entries:
                problems.append(f"{at}: entry {eid} appears twice")
            created = _parse_time(obj["created_at"], at, problems)
            updated = _parse_time(obj["updated_at"], at, problems)
            if not isinstance(obj["current_version"], int) or obj["current_version"] < 1:
                problems.append(f"{at}: entry {eid}: bad current_version {obj['current_version']!r}")
            entries[eid] = {"entry_id": eid, "current_version": obj["current_version"], "created_at": created,
                            "updated_at": updated}
        elif kind == "version":
            missing = [f for f in VERSION_FIELDS if f not in obj]
            if missing:
                problems.append(f"{at}: version lacks {', '.join(missing)}")
                continue
            eid, number, vid = obj["entry_id"], obj["version"], obj["id"]
            label = f"{at} ({eid} v{number})"
            if not isinstance(vid, int) or vid < 1 or vid in ids:
                problems.append(f"{label}: bad or repeated id {vid!r}")
            elif isinstance(vid, int):
                ids.add(vid)
            if not isinstance(number, int) or number < 1:
                problems.append(f"{label}: bad version number")
                continue
            bad = _field_problems(obj)
            if bad:
                problems.append(f"{label}: {'; '.join(bad)}")
                continue
            values = {f: obj[f] for f in VERSIONED_FIELDS}
            values["scope"], values["status"] = Scope(values["scope"]), Status(values["status"])
            if content_hash(values) != obj["content_hash"]:
                problems.append(f"{label}: content does not match its content_hash")
            created = _parse_time(obj["created_at"], label, problems)
            numbers.setdefault(eid, []).append(number)
            versions.append({**values, "id": vid, "entry_id": eid, "version": number,
                             "content_hash": obj["content_hash"], "author": obj["author"],
                             "change_note": obj["change_note"], "created_at": created})
        else:
            problems.append(f"{at}: unknown kind {kind!r}")
    for eid, nums in sorted(numbers.items()):
        if eid not in entries:
            problems.append(f"versions of {eid} but no entry line for it")
        elif sorted(nums) != list(range(1, len(nums) + 1)):
            problems.append(f"{eid}: versions are not numbered 1..{len(nums)} without gaps or repeats")
        elif entries[eid]["current_version"] != max(nums):
            problems.append(f"{eid}: current_version {entries[eid]['current_version']} is not its newest "
                            f"version {max(nums)}")
    for eid in sorted(set(entries) - set(numbers)):
        problems.append(f"entry {eid} has no versions")
    if header.get("entries") != len(entries) or header.get("versions") != len(versions):
        problems.append(f"header counts ({header.get('entries')} entries, {header.get('versions')} versions) "
                        f"do not match the file ({len(entries)}, {len(versions)})")
    newest = max(ids, default=0)
    if header.get("kb_version") != newest:
        problems.append(f"header KB version {header.get('kb_version')} is not the newest version id {newest}")
    if problems:
        raise ImportValidationError(where, problems)
    return list(entries.values()), versions, BackupSummary(len(entries), len(versions), newest)


def restore_backup(engine: Engine, path: Path) -> BackupSummary:
    """Restore ``path`` into an empty database, all or nothing."""
    entries, versions, summary = read_backup(path)
    with Session(engine) as s:
        try:
            begin_kb_write(s)  # no other writer slips in between the emptiness check and the inserts
            n_entries = s.exec(select(func.count()).select_from(Entry)).one()
            n_versions = s.exec(select(func.count()).select_from(EntryVersion)).one()
            if n_entries or n_versions:
                raise RestoreRefused(
                    f"the database is not empty ({n_entries} entries, {n_versions} versions): restore only "
                    "into an empty database; nothing was changed")
            if entries:
                s.execute(insert(Entry), entries)
            for i in range(0, len(versions), 1000):
                s.execute(insert(EntryVersion), versions[i:i + 1000])
            if s.get_bind().dialect.name == "postgresql" and versions:
                # ids were given explicitly: move the sequence past them for the next edit
                s.execute(text("SELECT setval(pg_get_serial_sequence('entry_version', 'id'), :n)"),
                          {"n": summary.kb_version})
            s.commit()
        except BaseException:
            s.rollback()
            raise
    return summary
