"""Create, edit, retire and import entries; each change is audited in its own transaction and the
live index is refreshed right after the commit, so the change is searchable when the call returns.

Agencies (``agencies/codes.py``): a caller of an agency creates and imports only that agency's entries
(ids ``<code>:...``), and changes only those: another agency's entry is an ``EntryNotFound`` (404, its
existence is not told), a common one is ``Forbidden`` (403: everyone reads it). Admins and callers of no
agency change every entry; an id whose prefix claims another agency than the entry's is a 422.

>>> editor = EditorService(engine, manager)                                           # doctest: +SKIP
>>> change = editor.update("WLF1", EntryUpdate(title="새 제목"), expected_version=3, actor=me)  # doctest: +SKIP
>>> change.indexed_kb_version >= change.version.id                                      # doctest: +SKIP
True
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.agencies.codes import AgencyIdMismatch, UnknownAgency, id_agency, may_edit, new_entry_agency, sees_all
from assistant.auth.service import Principal, record_audit
from assistant.errors import EntryNotFound, Forbidden, IndexNotReady, SavedNotIndexed
from assistant.index.manager import IndexManager
from assistant.kb import repo
from assistant.kb.db import session_scope
from assistant.kb.models import EntryCreate, EntryUpdate, EntryVersion
from assistant.types import EntryRecord

log = logging.getLogger(__name__)

DIFF_FIELDS = ("title", "scope", "sido", "sigungu", "department", "contact", "source_url", "category", "tags",
               "status", "updated")


def today() -> str:
    """Today's date in Korea, where the manuals are edited (YYYY-MM-DD, the format sources use)."""
    return datetime.now(timezone(timedelta(hours=9))).date().isoformat()


@dataclass(frozen=True)
class Change:
    version: EntryVersion
    indexed_kb_version: int


def diff_versions(a: EntryVersion, b: EntryVersion) -> dict[str, Any]:
    """Field changes and a unified diff of the content between two versions of one entry (pure)."""
    changes = [{"field": f, "before": getattr(a, f), "after": getattr(b, f)}
               for f in DIFF_FIELDS if getattr(a, f) != getattr(b, f)]
    content = list(difflib.unified_diff(a.content.splitlines(), b.content.splitlines(),
                                        fromfile=f"v{a.version}", tofile=f"v{b.version}", lineterm=""))
    if a.content != b.content:
        changes.append({"field": "content", "before": a.content, "after": b.content})
    return {"entry_id": a.entry_id, "from_version": a.version, "to_version": b.version, "changes": changes,
            "content_diff": content}


class EditorService:
    """Writes to the knowledge base on behalf of a person, with the audit row in the same transaction."""

    def __init__(self, engine: Engine, manager: IndexManager,
                 on_change: Callable[[str, list[str], str], object] | None = None, *,
                 agencies: Callable[[], Collection[str]] = frozenset) -> None:
        self.engine, self.manager, self.on_change = engine, manager, on_change
        self.agencies = agencies  # the live agencies' codes, read when an edit needs them

    def _changed(self, trigger: str, entry_ids: list[str], agency: str = "") -> None:
        """Tell the evaluation queue (or whoever listens) whose edit it was; its failure never undoes a
        committed change."""
        if self.on_change is None or not entry_ids:
            return
        try:
            self.on_change(trigger, entry_ids, agency)
        except Exception:  # noqa: BLE001 - the edit stands; the next change or a manual run re-queues
            log.exception("could not queue an evaluation after %s", trigger)

    def _refresh(self, change: str, version: int | None) -> int:
        """Bring the live index up to the database. The edit stands whatever happens (the index catches up
        on the next refresh or start): an index that is not loaded is logged, anything else (the embedder
        down) is ``SavedNotIndexed``, so the caller hears that the change is saved but not yet searchable."""
        if not self.manager.holder.ready:  # e.g. the command line, which updates the saved index itself
            return 0
        try:
            self.manager.refresh()
            return self.manager.holder.snapshot.kb_version
        except IndexNotReady as exc:
            log.error("index not refreshed after an edit: %s", exc)
            return self.manager.holder.snapshot.kb_version if self.manager.holder.ready else 0
        except Exception as exc:  # noqa: BLE001 - committed already: say so rather than report a failure
            log.exception("index not refreshed after %s", change)
            raise SavedNotIndexed(change, str(exc) or type(exc).__name__, version) from exc

    def _settle(self, change: str, entry_ids: list[str], version: int | None = None, agency: str = "") -> int:
        """After a commit: refresh the live index, and queue the evaluation even when the refresh failed."""
        try:
            return self._refresh(change, version)
        finally:
            self._changed(change, entry_ids, agency)

    def check_access(self, s: Session, entry_id: str, actor: Principal) -> EntryVersion:
        """The current version of ``entry_id`` if ``actor`` may change it; else 404 or 403 (module docstring)."""
        current = repo.get_entry(s, entry_id)
        verdict = may_edit(current.agency, actor)
        if verdict is None:
            raise EntryNotFound(entry_id)
        if verdict is False:
            raise Forbidden(f"entry {entry_id} is common (every agency's): a token of agency {actor.agency!r} "
                            "changes only that agency's entries")
        return current

    def check_move(self, entry_id: str, agency: str, actor: Principal) -> None:
        """An edit that moves an entry to ``agency``: admins and callers of no agency only, to a live one
        whose code the id's prefix does not contradict."""
        if not sees_all(actor):
            raise Forbidden("a token of an agency cannot move an entry to another agency or the common layer")
        codes = self.agencies()
        if agency and agency not in codes:
            raise UnknownAgency(agency, codes)
        if id_agency(entry_id, codes) != agency:
            raise AgencyIdMismatch(f"entry id {entry_id!r} does not fit agency {agency or '(common)'!r}: "
                                   f"an agency's entry ids start with '<code>:'")

    def create(self, data: EntryCreate, *, actor: Principal, note: str = "created") -> Change:
        agency = new_entry_agency(data.entry_id, data.agency or None, actor, self.agencies())
        data = data.model_copy(update={"agency": agency})
        if not data.updated:
            data = data.model_copy(update={"updated": today()})
        with session_scope(self.engine) as s:
            v = repo.create_entry(s, data, author=actor.name, note=note or "created")
            record_audit(s, actor, "entry.create", v.entry_id, version=v.version, detail={"note": note})
        return Change(v, self._settle(f"entry.create {v.entry_id}", [v.entry_id], v.version, agency))

    def update(self, entry_id: str, data: EntryUpdate, *, expected_version: int, actor: Principal,
               note: str = "edited") -> Change:
        with Session(self.engine) as s:
            current = self.check_access(s, entry_id, actor)
        if data.agency is not None and data.agency != current.agency:
            self.check_move(entry_id, data.agency, actor)
        if data.updated is None and self._changes_something(entry_id, data):
            # an edit here is the entry's latest update (counselors see "수정 <date>")
            data = data.model_copy(update={"updated": today()})
        with session_scope(self.engine) as s:
            v = repo.update_entry(s, entry_id, data, expected_version=expected_version, author=actor.name,
                                  note=note or "edited")
            if v.version != expected_version:  # an edit that changes nothing makes no version and no record
                record_audit(s, actor, "entry.update", entry_id, version=v.version,
                             detail={"note": note, "fields": sorted(data.model_dump(exclude_unset=True))})
        changed = [entry_id] if v.version != expected_version else []
        return Change(v, self._settle(f"entry.update {entry_id}", changed, v.version, actor.agency))

    def _changes_something(self, entry_id: str, data: EntryUpdate) -> bool:
        with Session(self.engine) as s:
            current = repo.get_entry(s, entry_id)
        values = {k: getattr(current, k) for k in repo.VERSIONED_FIELDS}
        values.update(data.model_dump(exclude_unset=True, exclude_none=True))
        return repo.content_hash(values) != current.content_hash

    def retire(self, entry_id: str, *, expected_version: int, actor: Principal, note: str = "retired") -> Change:
        with session_scope(self.engine) as s:
            self.check_access(s, entry_id, actor)
            v = repo.retire_entry(s, entry_id, expected_version=expected_version, author=actor.name,
                                  note=note or "retired")
            record_audit(s, actor, "entry.retire", entry_id, version=v.version, detail={"note": note})
        return Change(v, self._settle(f"entry.retire {entry_id}", [entry_id], v.version, actor.agency))

    def scoped_records(self, records: Sequence[EntryRecord], actor: Principal) -> list[EntryRecord]:
        """``records`` as ``actor`` may import them: each one's agency checked like a new entry's (an agency's
        caller's rows become that agency's), and every existing entry among them one ``actor`` may change."""
        codes = self.agencies()
        out = [replace(r, agency=new_entry_agency(r.entry_id, r.agency or None, actor, codes)) for r in records]
        if not sees_all(actor):
            with Session(self.engine) as s:
                for r in out:
                    try:
                        current = repo.get_entry(s, r.entry_id)
                    except EntryNotFound:
                        continue  # a new entry
                    if current.agency != actor.agency:
                        self.check_access(s, r.entry_id, actor)
        return out

    def import_records(self, records: Sequence[EntryRecord], source: str, *, actor: Principal,
                       dry_run: bool = False, prune: bool = False) -> tuple[list[repo.SyncReport], int]:
        """All or nothing: the import and its audit rows commit together (a dry run writes neither). A caller
        of an agency imports only that agency's entries and may not prune (pruning retires by source, which
        the common layer shares)."""
        if not sees_all(actor) and prune:
            raise Forbidden("a token of an agency may not prune an import: ask an admin")
        records = self.scoped_records(records, actor)
        def audit(s: Session, reports: list[repo.SyncReport]) -> None:
            for r in reports:
                if r.touched:
                    record_audit(s, actor, "kb.import", r.source, detail={
                        "added": len(r.added), "changed": len(r.changed), "retired": len(r.removed),
                        "unchanged": r.unchanged, "prune": prune})

        reports = repo.import_records(self.engine, records, source, author=actor.name, dry_run=dry_run,
                                      prune=prune, before_commit=audit)
        if dry_run or not any(r.touched for r in reports):
            return reports, self.manager.holder.snapshot.kb_version if self.manager.holder.ready else 0
        kb_version = self._settle("kb.import " + ", ".join(r.source for r in reports if r.touched),
                                  [e for r in reports for e in r.touched], agency=actor.agency)
        return reports, kb_version

    def diff(self, entry_id: str, from_version: int | None, to_version: int | None) -> dict[str, Any]:
        with session_scope(self.engine) as s:
            current = repo.get_entry(s, entry_id)
            to_v = to_version or current.version
            from_v = from_version or max(1, to_v - 1)
            return diff_versions(repo.get_version(s, entry_id, from_v), repo.get_version(s, entry_id, to_v))
