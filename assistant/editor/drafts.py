"""Drafts: stage a change, see its evaluation, then publish it.

A draft is evaluated on a shadow snapshot (the live index with the draft applied, built beside it
and never swapped in) against the live index on the same questions: its scores, the gates it fails,
and the questions it makes worse, with the answers before and after. Publishing a draft that fails
a gate is refused unless an admin overrides it with a reason, which is audited. Publishing goes
through the ordinary edit path with the draft's base version, so a draft made stale by someone
else's edit is a 409 like any stale edit.

A draft is of the agency of the entry it changes (``Draft.agency``); a token of an agency drafts only
its agency's entries (the editor's rules, ``editor/service.py``) and finds no other agency's drafts
(lists leave them out, a single one is a 404).

>>> drafts = DraftService(engine, manager, editor, evals, advisor)                          # doctest: +SKIP
>>> d = drafts.create(action="update", entry_id="WLF1", changes={"title": "새 제목"}, base_version=3, actor=me)  # doctest: +SKIP
>>> drafts.wait(d.id).passed; drafts.publish(d.id, actor=me)                                  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.advisor.service import Advisor
from assistant.agencies.codes import new_entry_agency, readable, visible
from assistant.auth.roles import Role
from assistant.auth.service import Principal, record_audit
from assistant.editor.models import Draft
from assistant.editor.service import Change, EditorService
from assistant.errors import AssistantError, Forbidden, InvalidQuery, NotFound, VersionConflict
from assistant.evals.compare import compare_runs
from assistant.evals.queue import EvalQueue, advisor_over, evaluate, headline
from assistant.index.manager import IndexManager
from assistant.index.snapshot import apply_changes
from assistant.kb import repo
from assistant.kb.db import session_scope
from assistant.kb.models import EntryCreate, EntryUpdate, utcnow
from assistant.types import EntryRecord, Scope, Status

log = logging.getLogger(__name__)
ACTIONS = ("create", "update", "retire")


class DraftNotFound(NotFound):
    def __init__(self, draft_id: int) -> None:
        super().__init__(f"draft not found: {draft_id}")


class DraftNotReady(AssistantError):
    """The draft is still being evaluated, or was already published or discarded."""


class GateFailed(AssistantError):
    """Publishing would fail a quality gate; an admin may override with a reason."""


class DraftService:
    """Drafts of entry changes, evaluated before they are published."""

    def __init__(self, engine: Engine, manager: IndexManager, editor: EditorService, evals: EvalQueue,
                 advisor: Advisor) -> None:
        self.engine, self.manager, self.editor, self.evals, self.advisor = engine, manager, editor, evals, advisor
        self._lock = threading.Lock()  # one evaluation at a time: each is a few seconds of both cores
        self._baseline: tuple[int, list[dict[str, Any]], dict[str, Any]] | None = None

    # ------------------------------------------------------------------ staging
    def _validate(self, action: str, entry_id: str, changes: dict[str, Any], base_version: int) -> None:
        if action not in ACTIONS:
            raise InvalidQuery(f"unknown action {action!r}; valid: {', '.join(ACTIONS)}")
        try:
            if action == "create":
                EntryCreate.model_validate({**changes, "entry_id": entry_id})
            else:
                EntryUpdate.model_validate(changes)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise InvalidQuery(f"draft changes are not valid: {problems}") from None
        with Session(self.engine) as s:
            if action == "create":
                try:
                    current = repo.get_entry(s, entry_id)
                except NotFound:
                    return
                raise VersionConflict(entry_id, 0, current.version)
            current = repo.get_entry(s, entry_id)
            if current.version != base_version:
                raise VersionConflict(entry_id, base_version, current.version)

    def _agency(self, action: str, entry_id: str, changes: dict[str, Any], actor: Principal) -> tuple[str, dict[str, Any]]:
        """The draft's agency, as the edit it stages would be checked; a new entry's changes name it."""
        if action == "create":
            agency = new_entry_agency(entry_id, changes.get("agency") or None, actor, self.editor.agencies())
            return agency, ({**changes, "agency": agency} if agency else changes)
        with Session(self.engine) as s:
            current = self.editor.check_access(s, entry_id, actor)
        if "agency" in changes and changes["agency"] != current.agency:
            self.editor.check_move(entry_id, changes["agency"] or "", actor)
        return current.agency, changes

    def create(self, *, action: str, entry_id: str, changes: dict[str, Any], base_version: int, note: str,
               actor: Principal, evaluate_now: bool = True) -> Draft:
        self._validate(action, entry_id, changes, base_version)
        agency, changes = self._agency(action, entry_id, changes, actor)
        with session_scope(self.engine) as s:
            draft = Draft(author=actor.name, entry_id=entry_id, action=action, base_version=base_version,
                          changes=changes, note=note, agency=agency)
            s.add(draft)
            s.flush()
            record_audit(s, actor, "draft.create", entry_id, version=base_version, detail={"draft_id": draft.id})
        assert draft.id is not None
        if evaluate_now:
            threading.Thread(target=self.evaluate, args=(draft.id,), name=f"draft-{draft.id}", daemon=True).start()
        return draft

    def record_of(self, draft: Draft) -> EntryRecord:
        """The entry as publishing the draft would make it."""
        if draft.action == "create":
            data = EntryCreate.model_validate({**draft.changes, "entry_id": draft.entry_id})
            values = data.model_dump(exclude={"entry_id"})
            version = 1
        else:
            with Session(self.engine) as s:
                current = repo.get_entry(s, draft.entry_id)
            values = {k: getattr(current, k) for k in repo.VERSIONED_FIELDS}
            values.update(EntryUpdate.model_validate(draft.changes).model_dump(exclude_unset=True, exclude_none=True))
            if draft.action == "retire":
                values["status"] = Status.retired
            version = current.version + 1
        values["scope"] = Scope(values["scope"])
        values["status"] = Status(values["status"])
        values["tags"] = tuple(values.get("tags") or ())
        return EntryRecord(entry_id=draft.entry_id, version=version, **values)

    # ------------------------------------------------------------------ evaluation
    def _live_baseline(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        kb = self.manager.holder.snapshot.kb_version
        if self._baseline is None or self._baseline[0] != kb:
            rows, summary = evaluate(self.advisor, self.evals.queries(), self.evals.top_k)
            self._baseline = (kb, rows, summary)
        return self._baseline[1], self._baseline[2]

    def evaluate(self, draft_id: int) -> Draft:
        """Score the draft against the live index on the evaluation questions; store the result."""
        with self._lock:
            try:
                draft = self.get(draft_id)
                live = self.manager.holder.snapshot
                shadow = apply_changes(live, [self.record_of(draft)], self.manager.tokenizer, self.manager.embedder,
                                       self.manager.cache, kb_version=live.kb_version)
                before_rows, before = self._live_baseline()
                rows, summary = evaluate(advisor_over(self.advisor, shadow), self.evals.queries(), self.evals.top_k)
                failed = self.evals.check(summary)
                diff = compare_runs({"summary": before, "kb_version": live.kb_version}, before_rows,
                                    {"summary": summary, "kb_version": live.kb_version}, rows)
                evaluation = {
                    "scores": {"before": headline(before), "after": headline(summary)},
                    "gates": failed, "regressed": diff["questions"]["regressed"],
                    "improved": diff["questions"]["improved"], "n_questions": len(rows),
                }
                self._set(draft_id, status="ready", passed=not failed, evaluation=evaluation)
            except Exception as exc:  # noqa: BLE001 - recorded on the draft; the editor sees it
                log.exception("draft %s evaluation failed", draft_id)
                self._set(draft_id, status="failed", passed=None,
                          evaluation={"error": f"{type(exc).__name__}: {exc}"[:1000]})
        return self.get(draft_id)

    def wait(self, draft_id: int, timeout: float = 120.0) -> Draft:
        deadline = time.monotonic() + timeout
        while (d := self.get(draft_id)).status == "evaluating" and time.monotonic() < deadline:
            time.sleep(0.2)
        return d

    # ------------------------------------------------------------------ publishing
    def publish(self, draft_id: int, *, actor: Principal, override: bool = False, reason: str = "") -> Change:
        draft = self.get(draft_id, by=actor)
        if draft.status != "ready":
            raise DraftNotReady(f"draft {draft_id} is {draft.status}; only an evaluated draft can be published")
        if draft.passed is False:
            failures = "; ".join(g["message"] for g in draft.evaluation.get("gates", []))
            if not override:
                raise GateFailed(f"draft {draft_id} fails the quality gates ({failures}); an admin may override "
                                 "with a reason")
            if actor.role != Role.admin:
                raise Forbidden("only an admin may override a failed quality gate")
            if not reason.strip():
                raise InvalidQuery("an override needs a reason")
        if draft.action == "create":
            data = EntryCreate.model_validate({**draft.changes, "entry_id": draft.entry_id})
            change = self.editor.create(data, actor=actor, note=draft.note or "created (draft)")
        elif draft.action == "retire":
            change = self.editor.retire(draft.entry_id, expected_version=draft.base_version, actor=actor,
                                        note=draft.note or "retired (draft)")
        else:
            change = self.editor.update(draft.entry_id, EntryUpdate.model_validate(draft.changes),
                                        expected_version=draft.base_version, actor=actor,
                                        note=draft.note or "edited (draft)")
        with session_scope(self.engine) as s:
            row = s.get(Draft, draft_id)
            assert row is not None
            row.status, row.published_version = "published", change.version.version
            row.published_at, row.published_by = utcnow(), actor.name
            if draft.passed is False:
                row.override_reason = reason.strip()[:500]
                record_audit(s, actor, "draft.override", draft.entry_id, version=change.version.version,
                             detail={"draft_id": draft_id, "reason": reason.strip()[:500],
                                     "gates": draft.evaluation.get("gates", [])})
            record_audit(s, actor, "draft.publish", draft.entry_id, version=change.version.version,
                         detail={"draft_id": draft_id})
            s.add(row)
        return change

    def discard(self, draft_id: int, *, actor: Principal) -> Draft:
        draft = self.get(draft_id, by=actor)
        if draft.status in ("published", "discarded"):
            raise DraftNotReady(f"draft {draft_id} is already {draft.status}")
        self._set(draft_id, status="discarded")
        with session_scope(self.engine) as s:
            record_audit(s, actor, "draft.discard", draft.entry_id, detail={"draft_id": draft_id})
        return self.get(draft_id)

    # ------------------------------------------------------------------ reading
    def _set(self, draft_id: int, **values: Any) -> None:
        with session_scope(self.engine) as s:
            row = s.get(Draft, draft_id)
            if row is None:
                raise DraftNotFound(draft_id)
            for k, v in values.items():
                setattr(row, k, v)
            s.add(row)

    def get(self, draft_id: int, *, by: Principal | None = None) -> Draft:
        """The draft; one of an agency ``by`` may not read is not found."""
        with Session(self.engine) as s:
            row = s.get(Draft, draft_id)
            if row is None or (by is not None and not visible(row.agency, by)):
                raise DraftNotFound(draft_id)
            return row

    def list(self, *, status: str | None = None, entry_id: str | None = None, limit: int = 50,
             by: Principal | None = None) -> list[Draft]:
        with Session(self.engine) as s:
            stmt = select(Draft)
            if by is not None and (agencies := readable(by)) is not None:
                stmt = stmt.where(col(Draft.agency).in_(agencies))
            if status:
                stmt = stmt.where(Draft.status == status)
            if entry_id:
                stmt = stmt.where(Draft.entry_id == entry_id)
            return list(s.exec(stmt.order_by(col(Draft.id).desc()).limit(limit)))
