"""Repository functions over a Session: read, create, edit, retire, and sync imported records.

Every change appends an ``EntryVersion``; ``Entry.current_version`` is the only field that moves.

>>> from assistant.kb.db import make_engine, migrate, session_scope
>>> engine = make_engine("sqlite://"); migrate(engine)
>>> with session_scope(engine) as s:
...     v = create_entry(s, EntryCreate(entry_id="e1", title="t", content="c", scope="national"), author="doc")
>>> v.version
1
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.errors import EntryNotFound, ImportValidationError, VersionConflict
from assistant.kb.changes import begin_kb_write
from assistant.kb.models import Entry, EntryCreate, EntryUpdate, EntryVersion, utcnow
from assistant.types import EntryRecord, Scope, Status

VERSIONED_FIELDS = (
    "title", "content", "scope", "sido", "sigungu", "department", "contact",
    "source_url", "category", "tags", "status", "source", "updated", "agency",
)


def content_hash(values: dict[str, object]) -> str:
    """A hash of everything a version says, so re-importing unchanged data is recognised."""
    # an empty agency (the common layer) is left out, so the hashes of entries stored before agencies
    # existed still match and re-importing them appends nothing
    canon = {k: (list(v) if isinstance(v, tuple | list) else str(v)) for k, v in values.items()
             if k in VERSIONED_FIELDS and not (k == "agency" and not v)}
    return hashlib.sha256(json.dumps(canon, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def kb_version(session: Session) -> int:
    """A number that grows with every appended version: the knowledge base's version."""
    return int(session.exec(select(func.coalesce(func.max(EntryVersion.id), 0))).one() or 0)


def _current_query():  # type: ignore[no-untyped-def]
    on = and_(col(Entry.entry_id) == col(EntryVersion.entry_id),
              col(Entry.current_version) == col(EntryVersion.version))
    return select(EntryVersion).join(Entry, on)


def changed_since(session: Session, version: int) -> list[str]:
    """Ids of entries that got a new version after KB version ``version``."""
    rows = session.exec(select(EntryVersion.entry_id).where(col(EntryVersion.id) > version).distinct())
    return sorted(rows)


def get_entry(session: Session, entry_id: str) -> EntryVersion:
    row = session.exec(_current_query().where(Entry.entry_id == entry_id)).first()
    if row is None:
        raise EntryNotFound(entry_id)
    return row


def get_version(session: Session, entry_id: str, version: int) -> EntryVersion:
    row = session.exec(
        select(EntryVersion).where(EntryVersion.entry_id == entry_id, EntryVersion.version == version)
    ).first()
    if row is None:
        raise EntryNotFound(f"{entry_id} v{version}")
    return row


def history(session: Session, entry_id: str) -> list[EntryVersion]:
    rows = list(session.exec(
        select(EntryVersion).where(EntryVersion.entry_id == entry_id).order_by(col(EntryVersion.version))
    ))
    if not rows:
        raise EntryNotFound(entry_id)
    return rows


def list_entries(
    session: Session,
    *,
    q: str = "",
    scope: Scope | None = None,
    sido: str | None = None,
    sigungu: str | None = None,
    status: Status | None = Status.active,
    offset: int = 0,
    limit: int = 50,
    agency: str | None = None,
) -> tuple[list[EntryVersion], int]:
    """Current versions matching the filters (``agency``: that agency's, "" = the common layer's)."""
    stmt = _current_query()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(col(EntryVersion.title).like(like), col(EntryVersion.entry_id).like(like),
                              col(EntryVersion.content).like(like)))
    if scope is not None:
        stmt = stmt.where(EntryVersion.scope == scope)
    if sido is not None:
        stmt = stmt.where(EntryVersion.sido == sido)
    if sigungu is not None:
        stmt = stmt.where(EntryVersion.sigungu == sigungu)
    if status is not None:
        stmt = stmt.where(EntryVersion.status == status)
    if agency is not None:
        stmt = stmt.where(EntryVersion.agency == agency)
    count = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(session.exec(stmt.order_by(col(EntryVersion.entry_id)).offset(offset).limit(limit)))
    return rows, int(count)


def to_record(v: EntryVersion) -> EntryRecord:
    return EntryRecord(
        entry_id=v.entry_id, title=v.title, content=v.content, scope=Scope(v.scope),
        sido=v.sido, sigungu=v.sigungu, department=v.department, contact=v.contact,
        source_url=v.source_url, category=v.category, tags=tuple(v.tags or ()),
        status=Status(v.status), source=v.source, version=v.version, updated=v.updated,
        agency=v.agency or "",
    )


def current_records(
    session: Session, entry_ids: Iterable[str] | None = None, *, include_retired: bool = False
) -> list[EntryRecord]:
    stmt = _current_query()
    if entry_ids is not None:
        stmt = stmt.where(col(EntryVersion.entry_id).in_(list(entry_ids)))
    if not include_retired:
        stmt = stmt.where(EntryVersion.status == Status.active)
    return [to_record(v) for v in session.exec(stmt.order_by(col(EntryVersion.entry_id)))]


def _append(session: Session, entry: Entry, values: dict[str, Any], author: str, note: str) -> EntryVersion:
    begin_kb_write(session)  # every version append is serialised and announced to the other replicas
    version = EntryVersion(
        entry_id=entry.entry_id,
        version=entry.current_version + 1,
        content_hash=content_hash(values),
        author=author,
        change_note=note,
        **{k: values[k] for k in VERSIONED_FIELDS if k in values},
    )
    session.add(version)
    entry.current_version = version.version
    entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    return version


def create_entry(session: Session, data: EntryCreate, *, author: str, note: str = "created") -> EntryVersion:
    begin_kb_write(session)
    if session.get(Entry, data.entry_id) is not None:
        raise VersionConflict(data.entry_id, 0, get_entry(session, data.entry_id).version)
    entry = Entry(entry_id=data.entry_id)
    session.add(entry)
    return _append(session, entry, data.model_dump(exclude={"entry_id"}), author, note)


def update_entry(
    session: Session, entry_id: str, data: EntryUpdate, *, expected_version: int, author: str,
    note: str = "edited",
) -> EntryVersion:
    """Append a version with ``data`` applied; ``expected_version`` guards against lost updates."""
    begin_kb_write(session)  # before the row lock: every writer locks in the same order
    entry = session.get(Entry, entry_id, with_for_update=True)
    if entry is None:
        raise EntryNotFound(entry_id)
    if entry.current_version != expected_version:
        raise VersionConflict(entry_id, expected_version, entry.current_version)
    current = get_entry(session, entry_id)
    values = {k: getattr(current, k) for k in VERSIONED_FIELDS}
    values.update(data.model_dump(exclude_unset=True, exclude_none=True))
    if content_hash(values) == current.content_hash:
        return current
    return _append(session, entry, values, author, note)


def retire_entry(
    session: Session, entry_id: str, *, expected_version: int, author: str, note: str = "retired"
) -> EntryVersion:
    return update_entry(session, entry_id, EntryUpdate(status=Status.retired),
                        expected_version=expected_version, author=author, note=note)


@dataclass
class SyncReport:
    """What an import did (or, in a dry run, would do)."""

    source: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def touched(self) -> list[str]:
        return self.added + self.changed + self.removed

    def summary(self) -> str:
        verb = "would " if self.dry_run else ""
        return (f"{self.source}: {verb}add {len(self.added)}, {verb}change {len(self.changed)}, "
                f"{verb}retire {len(self.removed)}, unchanged {self.unchanged}")


def record_values(r: EntryRecord) -> dict[str, Any]:
    return {
        "title": r.title, "content": r.content, "scope": r.scope, "sido": r.sido, "sigungu": r.sigungu,
        "department": r.department, "contact": r.contact, "source_url": r.source_url,
        "category": r.category, "tags": list(r.tags), "status": r.status, "source": r.source,
        "updated": r.updated, "agency": r.agency,
    }


def sync_records(
    session: Session,
    records: Sequence[EntryRecord],
    *,
    source: str,
    author: str,
    dry_run: bool = False,
    prune: bool = False,
    note: str = "",
) -> SyncReport:
    """Make the KB hold ``records``: new ids are added, changed content gets a new version,
    identical content is left alone (idempotent). With ``prune``, active entries of the same
    ``source`` that the import no longer has are retired."""
    report = SyncReport(source=source, dry_run=dry_run)
    current = {v.entry_id: v for v in session.exec(_current_query())}
    seen: set[str] = set()
    for r in records:
        seen.add(r.entry_id)
        values = record_values(r)
        old = current.get(r.entry_id)
        if old is None:
            report.added.append(r.entry_id)
            if not dry_run:
                begin_kb_write(session)
                entry = Entry(entry_id=r.entry_id)
                session.add(entry)
                _append(session, entry, values, author, note or f"imported from {source}")
        elif old.content_hash != content_hash(values):
            report.changed.append(r.entry_id)
            if not dry_run:
                existing = session.get(Entry, r.entry_id)
                assert existing is not None
                _append(session, existing, values, author, note or f"updated from {source}")
        else:
            report.unchanged += 1
    if prune:
        for entry_id, old in current.items():
            if old.source == source and entry_id not in seen and old.status == Status.active:
                report.removed.append(entry_id)
                if not dry_run:
                    retire_entry(session, entry_id, expected_version=old.version, author=author,
                                 note=note or f"no longer in {source}")
    return report


def check_records(records: Sequence[EntryRecord], where: str) -> None:
    """Every record against the schema's rules (lengths, scope), before anything is written: a bad
    row is a listed problem on every database, never a crash half-way (PostgreSQL enforces lengths,
    SQLite does not)."""
    problems = []
    for i, r in enumerate(records, start=1):
        try:
            EntryCreate.model_validate({"entry_id": r.entry_id, **record_values(r)})
        except ValidationError as exc:
            for e in exc.errors():
                problems.append(f"record {i} ({r.entry_id[:60]}): {'.'.join(str(p) for p in e['loc'])}: {e['msg']}")
    if problems:
        raise ImportValidationError(where, problems)


def import_records(engine: Engine, records: Sequence[EntryRecord], source: str = "", *, author: str,
                   dry_run: bool = False, prune: bool = False,
                   before_commit: Callable[[Session, list[SyncReport]], None] | None = None) -> list[SyncReport]:
    """Sync records grouped by their source (``source`` overrides), in ONE transaction: all or
    nothing. A dry run reports and rolls back. ``before_commit`` runs inside that transaction
    (an audit record commits with the import or not at all)."""
    from assistant.kb.db import session_scope

    check_records(records, source or "import")
    by_source: dict[str, list[EntryRecord]] = {}
    for r in records:
        by_source.setdefault(source or r.source or "import", []).append(r)
    with session_scope(engine) as s:
        reports = [sync_records(s, recs, source=src, author=author, dry_run=dry_run, prune=prune)
                   for src, recs in by_source.items()]
        if dry_run:
            s.rollback()
        elif before_commit is not None:
            before_commit(s, reports)
    return reports
