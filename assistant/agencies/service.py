"""Create, list, delete and require agencies; each creation and deletion is audited.

Deleting sets ``deleted_at``: the agency's rows keep its code, its tokens stop working (401: at once in
this process, within the token cache time, ``token_cache_seconds``, on other replicas) and its code is
no longer valid for new tokens, entries or query parameters.

>>> agencies = AgencyService(engine)                                                     # doctest: +SKIP
>>> agencies.create(AgencyCreate(code="nts", name="국세청", contact="126"), actor=admin)  # doctest: +SKIP
>>> agencies.require("nts"); agencies.require("nope")                                    # doctest: +SKIP
Traceback (most recent call last):
assistant.agencies.codes.UnknownAgency: unknown agency 'nope'; valid: nts
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.agencies.codes import UnknownAgency, check_code
from assistant.agencies.models import Agency, AgencyCreate
from assistant.auth.service import Principal, record_audit
from assistant.errors import AssistantError, InvalidQuery, NotFound
from assistant.kb.db import session_scope
from assistant.kb.models import utcnow


class AgencyExists(AssistantError):
    """The code is taken (409), also by a deleted agency: its rows keep the code's meaning."""

    def __init__(self, code: str) -> None:
        super().__init__(f"agency {code!r} exists already (a deleted agency's code is not reused)")


class AgencyDeleted(InvalidQuery):
    """An ended agency named where a live one is needed (a transfer, 422): its calls and entries keep its
    code, but it takes no new call; the message lists the live codes, as ``UnknownAgency``'s does."""

    def __init__(self, code: str, valid: Collection[str]) -> None:
        listed = ", ".join(sorted(valid)) or "(none yet: `assistant agency create`)"
        super().__init__(f"agency {code!r} was deleted; valid: {listed}")
        self.code = code


class AgencyService:
    """The agency table behind the routes and the CLI. ``on_change`` runs after a creation or deletion
    commits (the runtime clears the token cache and the agency directory there)."""

    def __init__(self, engine: Engine, *, on_change: Callable[[], object] | None = None) -> None:
        self.engine, self.on_change = engine, on_change

    def create(self, data: AgencyCreate, *, actor: Principal | str) -> Agency:
        code = check_code(data.code)
        with session_scope(self.engine) as s:
            if s.get(Agency, code) is not None:
                raise AgencyExists(code)
            row = Agency(code=code, name=data.name.strip(), contact=data.contact.strip(),
                         created_by=actor.name if isinstance(actor, Principal) else actor)
            s.add(row)
            record_audit(s, actor, "agency.create", code, detail={"name": row.name, "contact": row.contact})
        self._changed()
        return row

    def list(self, *, deleted: bool = False) -> list[Agency]:
        with Session(self.engine) as s:
            stmt = select(Agency)
            if not deleted:
                stmt = stmt.where(col(Agency.deleted_at).is_(None))
            return list(s.exec(stmt.order_by(col(Agency.code))))

    def codes(self) -> set[str]:
        """The live agencies' codes."""
        return {a.code for a in self.list()}

    def delete(self, code: str, *, actor: Principal | str) -> Agency:
        with session_scope(self.engine) as s:
            row = s.get(Agency, code)
            if row is None or row.deleted_at is not None:
                raise NotFound(f"agency not found: {code}")
            row.deleted_at = utcnow()
            s.add(row)
            record_audit(s, actor, "agency.delete", code, detail={"name": row.name})
        self._changed()
        return row

    def live(self, code: str) -> Agency:
        """The live agency ``code``: ``UnknownAgency``, or ``AgencyDeleted`` for an ended one (both 422,
        listing the live codes)."""
        with Session(self.engine) as s:
            found = s.get(Agency, code)
        if found is None:
            raise UnknownAgency(code, self.codes())
        if found.deleted_at is not None:
            raise AgencyDeleted(code, self.codes())
        return found

    def name_of(self, code: str) -> str:
        """The agency's name ("" for no agency or a code the table does not have)."""
        if not code:
            return ""
        with Session(self.engine) as s:
            row = s.get(Agency, code)
        return row.name if row is not None else ""

    def require(self, code: str) -> str:
        """``code`` if it names a live agency ("" = none, always valid); else ``UnknownAgency`` (422)
        listing the valid codes."""
        if not code:
            return ""
        codes = self.codes()
        if code not in codes:
            raise UnknownAgency(code, codes)
        return code

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
