"""Importers: each reads a source into ``EntryRecord``s, validating every row first.

A problem in any row raises ``ImportValidationError`` listing each one; callers write nothing then.

>>> recs = read_welfare_national(Path("../shared/data/welfare_national"))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError, ImportValidationError
from assistant.text.phones import contact_numbers
from assistant.types import EntryRecord, Scope, Status

LOCAL_SOURCE = "welfare_local"
NATIONAL_SOURCE = "welfare_national"


def _nfc(s: object) -> str:
    return unicodedata.normalize("NFC", str(s or "")).strip()


def _check_unique(records: list[EntryRecord], where: str, problems: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, r in enumerate(records):
        if r.entry_id in seen:
            problems.append(f"{where} row {i + 1}: duplicate entry id {r.entry_id!r} (first at row {seen[r.entry_id] + 1})")
        seen.setdefault(r.entry_id, i)


# ---------------------------------------------------------------- data.go.kr local welfare list
def local_row_to_record(row: dict[str, Any]) -> EntryRecord:
    """One row of the 지자체복지서비스 list. Education offices come as a sigungu; they are city-wide agencies."""
    sido, sigungu = _nfc(row.get("sido")), _nfc(row.get("sigungu"))
    if sigungu.strip("-— ") == "":
        sigungu = ""  # '-' marks a province-wide service
    scope = Scope.sigungu if sigungu else Scope.sido
    if sigungu.endswith("교육청"):
        scope, sigungu = Scope.agency, ""
    name, summary = _nfc(row.get("name")), _nfc(row.get("summary"))
    facts = [
        ("지원 형태", row.get("provision")), ("신청 방법", row.get("applyMethod")),
        ("지원 주기", row.get("cycle")), ("대상(생애주기)", row.get("lifecycle")),
        ("분야", row.get("themes")), ("담당 부서", row.get("dept")),
    ]
    lines = [summary] * bool(summary) + [f"{k}: {_nfc(v)}" for k, v in facts if _nfc(v)]
    tags = tuple(t.strip() for t in (_nfc(row.get("lifecycle")) + "," + _nfc(row.get("themes"))).split(",")
                 if t.strip())
    return EntryRecord(
        entry_id=_nfc(row["id"]), title=name, content="\n".join(lines), scope=scope,
        sido=sido, sigungu=sigungu, department=_nfc(row.get("dept")), contact="",
        source_url=_nfc(row.get("link")), category=_nfc(row.get("themes")).split(",")[0].strip(),
        tags=tags, source=LOCAL_SOURCE, updated=_nfc(row.get("updated")),
    )


def read_welfare_local(path: Path) -> list[EntryRecord]:
    where = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        rows = doc["rows"]
        if not isinstance(rows, list):
            raise TypeError("'rows' is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImportValidationError(where, [f"not a data.go.kr welfare list: {exc}"]) from exc
    problems: list[str] = []
    records: list[EntryRecord] = []
    for i, row in enumerate(rows):
        missing = [k for k in ("id", "name", "sido") if not (isinstance(row, dict) and _nfc(row.get(k)))]
        if missing:
            problems.append(f"{where} row {i + 1}: missing {', '.join(missing)}")
            continue
        records.append(local_row_to_record(row))
    _check_unique(records, where, problems)
    if problems:
        raise ImportValidationError(where, problems)
    return records


# ---------------------------------------------------------------- MOHW markdown guide
def national_file_to_record(root: Path, path: Path) -> EntryRecord:
    text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8")).strip()
    title, _, body = text.partition("\n")
    rel = path.relative_to(root)
    folder = _nfc(rel.parent.as_posix())
    category = re.sub(r"^\d+_", "", folder).replace("_", " ")
    inquiry = next((p for p in body.split("\n\n") if "문의" in p), "")
    return EntryRecord(
        entry_id="mohw:" + _nfc(rel.with_suffix("").as_posix()),
        title=title.strip(), content=body.strip(), scope=Scope.national,
        contact=", ".join(contact_numbers(inquiry)), category=category,
        tags=(category,), source=NATIONAL_SOURCE, updated="2023",
    )


def read_welfare_national(root: Path) -> list[EntryRecord]:
    where = str(root)
    if not root.is_dir():
        raise ImportValidationError(where, ["not a folder of markdown guides"])
    problems: list[str] = []
    records: list[EntryRecord] = []
    for path in sorted(root.glob("*/*.md")):
        try:
            rec = national_file_to_record(root, path)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: unreadable: {exc}")
            continue
        if not rec.title or not rec.content:
            problems.append(f"{path}: needs a title line and a body")
            continue
        records.append(rec)
    if not records and not problems:
        problems.append("no <category>/<file>.md files found")
    _check_unique(records, where, problems)
    if problems:
        raise ImportValidationError(where, problems)
    return records


# ---------------------------------------------------------------- the project's own JSONL
def record_to_json(r: EntryRecord) -> dict[str, Any]:
    return {
        "entry_id": r.entry_id, "title": r.title, "content": r.content, "scope": str(r.scope),
        "sido": r.sido, "sigungu": r.sigungu, "department": r.department, "contact": r.contact,
        "source_url": r.source_url, "category": r.category, "tags": list(r.tags),
        "status": str(r.status), "source": r.source, "updated": r.updated,
    } | ({"agency": r.agency} if r.agency else {})


def write_kb_jsonl(records: Iterable[EntryRecord], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(record_to_json(r), ensure_ascii=False) + "\n")
            n += 1
    return n


def record_from_json(d: dict[str, Any]) -> EntryRecord:
    """The inverse of ``record_to_json`` (missing optional fields take their defaults), as the KB file and
    the index snapshot store entries."""
    return EntryRecord(
        entry_id=_nfc(d["entry_id"]), title=_nfc(d["title"]), content=str(d["content"]).strip(),
        scope=Scope(d.get("scope") or "national"), sido=_nfc(d.get("sido")), sigungu=_nfc(d.get("sigungu")),
        department=_nfc(d.get("department")), contact=_nfc(d.get("contact")),
        source_url=_nfc(d.get("source_url")), category=_nfc(d.get("category")),
        tags=tuple(_nfc(t) for t in d.get("tags") or ()), status=Status(d.get("status") or "active"),
        source=_nfc(d.get("source")), updated=_nfc(d.get("updated")), agency=_nfc(d.get("agency")),
    )


def read_kb_jsonl(path: Path) -> list[EntryRecord]:
    """The shipped knowledge base format: one ``record_to_json`` object per line."""
    where = str(path)
    problems: list[str] = []
    records: list[EntryRecord] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportValidationError(where, [f"unreadable: {exc}"]) from exc
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rec = record_from_json(json.loads(line))
            if not rec.entry_id or not rec.title or not rec.content:
                raise ValueError("entry_id, title and content must not be empty")
            records.append(rec)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"{where} line {i + 1}: {exc}")
    _check_unique(records, where, problems)
    if problems:
        raise ImportValidationError(where, problems)
    return records


# ---------------------------------------------------------------- generic CSV / XLSX / JSONL + mapping
TARGET_FIELDS = ("entry_id", "title", "content", "scope", "sido", "sigungu", "department", "contact",
                 "source_url", "category", "tags", "status", "updated")


@dataclass
class Mapping:
    """How a tabular export's columns become entry fields. See ``knowledge_base/mappings/``."""

    source: str
    fields: dict[str, str | list[str]]
    defaults: dict[str, str] = field(default_factory=dict)
    scope_values: dict[str, str] = field(default_factory=dict)
    entry_id_prefix: str = ""
    encoding: str = "utf-8-sig"
    sheet: str | None = None
    delimiter: str = ","

    @classmethod
    def load(cls, path: Path) -> Mapping:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ImportValidationError(str(path), [f"unreadable mapping file: {exc}"]) from exc
        problems = []
        fields = raw.get("fields") or {}
        unknown = sorted(set(fields) - set(TARGET_FIELDS))
        if unknown:
            problems.append(f"unknown target field(s) {unknown}; valid: {', '.join(TARGET_FIELDS)}")
        for req in ("entry_id", "title", "content"):
            if req not in fields:
                problems.append(f"[fields] must map {req!r}")
        if not raw.get("source"):
            problems.append("'source' (a short name for this export) is required")
        bad_scopes = {k: v for k, v in (raw.get("scope_values") or {}).items() if v not in set(Scope)}
        if bad_scopes:
            problems.append(f"scope_values {bad_scopes} must map to one of {', '.join(Scope)}")
        if problems:
            raise ImportValidationError(str(path), problems)
        return cls(
            source=raw["source"], fields=fields, defaults=raw.get("defaults") or {},
            scope_values=raw.get("scope_values") or {}, entry_id_prefix=raw.get("entry_id_prefix", ""),
            encoding=raw.get("encoding", "utf-8-sig"), sheet=raw.get("sheet"),
            delimiter=raw.get("delimiter", ","),
        )


def _iter_rows(path: Path, mapping: Mapping) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        delim = "\t" if suffix == ".tsv" else mapping.delimiter
        with path.open(encoding=mapping.encoding, newline="") as fh:
            yield from csv.DictReader(fh, delimiter=delim)
    elif suffix == ".jsonl":
        with path.open(encoding=mapping.encoding) as fh:
            for i, line in enumerate(fh):
                if line.strip():
                    try:
                        obj = json.loads(line)
                    except ValueError as exc:
                        yield {"__error__": f"line {i + 1}: not JSON: {exc}"}
                        continue
                    yield obj if isinstance(obj, dict) else {"__error__": f"line {i + 1}: not an object"}
    elif suffix in (".xlsx", ".xlsm"):
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb[mapping.sheet] if mapping.sheet else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        for values in rows:
            if any(v not in (None, "") for v in values):
                yield dict(zip(header, values, strict=False))
        wb.close()
    else:
        raise ImportValidationError(str(path), [f"unsupported file type {suffix!r}; use .csv, .tsv, .jsonl or .xlsx"])


def _get(row: dict[str, Any], spec: str | list[str], joiner: str) -> str:
    if isinstance(spec, list):
        parts = [(col, _nfc(row.get(col))) for col in spec]
        return joiner.join(f"{col}: {v}" if joiner == "\n" else v for col, v in parts if v)
    return _nfc(row.get(spec))


def read_tabular(path: Path, mapping: Mapping) -> list[EntryRecord]:
    where = str(path)
    problems: list[str] = []
    records: list[EntryRecord] = []
    try:
        rows = list(_iter_rows(path, mapping))
    except (OSError, UnicodeDecodeError, csv.Error, KeyError, ValueError) as exc:
        if isinstance(exc, ImportValidationError):
            raise
        raise ImportValidationError(where, [f"unreadable: {exc}"]) from exc
    columns = set().union(*(r.keys() for r in rows)) if rows else set()
    wanted = {c for spec in mapping.fields.values() for c in (spec if isinstance(spec, list) else [spec])}
    if rows and not (wanted & columns):
        raise ImportValidationError(where, [f"none of the mapped columns {sorted(wanted)} are in the file; "
                                            f"it has {sorted(columns)[:20]}"])
    for i, row in enumerate(rows):
        n = i + 2 if path.suffix.lower() in (".csv", ".tsv", ".xlsx", ".xlsm") else i + 1
        if "__error__" in row:
            problems.append(f"{where} {row['__error__']}")
            continue
        vals: dict[str, Any] = dict(mapping.defaults)
        for target, spec in mapping.fields.items():
            v = _get(row, spec, "\n" if target == "content" else " ")
            if v:
                vals[target] = v
        missing = [k for k in ("entry_id", "title", "content") if not vals.get(k)]
        if missing:
            problems.append(f"{where} row {n}: empty {', '.join(missing)}")
            continue
        raw_scope = _nfc(vals.get("scope"))
        if raw_scope:
            scope_name = mapping.scope_values.get(raw_scope, raw_scope)
            if scope_name not in set(Scope):
                problems.append(f"{where} row {n}: scope {raw_scope!r} is not one of "
                                f"{', '.join(list(Scope) + list(mapping.scope_values))}")
                continue
            scope = Scope(scope_name)
        else:
            scope = Scope.sigungu if vals.get("sigungu") else Scope.sido if vals.get("sido") else Scope.national
        tags = tuple(t.strip() for t in re.split(r"[,;|]", _nfc(vals.get("tags"))) if t.strip())
        try:
            status = Status(_nfc(vals.get("status")) or "active")
        except ValueError:
            problems.append(f"{where} row {n}: status must be one of {', '.join(Status)}")
            continue
        records.append(EntryRecord(
            entry_id=mapping.entry_id_prefix + _nfc(vals["entry_id"]), title=_nfc(vals["title"]),
            content=str(vals["content"]).strip(), scope=scope, sido=_nfc(vals.get("sido")),
            sigungu=_nfc(vals.get("sigungu")), department=_nfc(vals.get("department")),
            contact=_nfc(vals.get("contact")), source_url=_nfc(vals.get("source_url")),
            category=_nfc(vals.get("category")), tags=tags, status=status, source=mapping.source,
            updated=_nfc(vals.get("updated")),
        ))
    if not rows:
        problems.append(f"{where}: no rows")
    _check_unique(records, where, problems)
    if problems:
        raise ImportValidationError(where, problems)
    return records


def read_shared_data(data_dir: Path) -> list[EntryRecord]:
    """Both public corpora of ``../shared/data`` (the project's default knowledge base)."""
    local = sorted((data_dir / "welfare_local").glob("*.json"))
    if not local:
        raise ImportValidationError(str(data_dir), ["no welfare_local/*.json"])
    return read_welfare_local(local[-1]) + read_welfare_national(data_dir / "welfare_national")


class Format(StrEnum):
    auto = "auto"
    welfare_local = "welfare-local"
    welfare_national = "welfare-national"
    kb_jsonl = "kb-jsonl"
    table = "table"
    shared = "shared"


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
        return read_welfare_local(path), LOCAL_SOURCE
    if fmt == Format.welfare_national:
        return read_welfare_national(path), NATIONAL_SOURCE
    if fmt == Format.shared:
        return read_shared_data(path), ""
    if fmt == Format.kb_jsonl:
        return read_kb_jsonl(path), ""
    if mapping is None:
        raise AssistantError("--format table needs --mapping MAPPING.toml (see knowledge_base/mappings/)")
    m = Mapping.load(mapping)
    return read_tabular(path, m), m.source
