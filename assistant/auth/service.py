"""Tokens (create, authenticate, list, revoke) and audit records.

A token is ``ca_`` + 32 random bytes (URL-safe); only its SHA-256 is stored (tokens are random,
so a slow password hash adds nothing). Authentication results are cached for a few seconds so a
busy replica does not read the token table on every request; a revocation takes effect within
``cache_seconds``. While the database is unreachable, tokens checked in the last ``stale_seconds``
keep working (search and advice go on from the loaded index).

A token may belong to an agency (``agency``): it authenticates only while that agency is live; after
the agency is deleted it is a 401 (at once in the process that deleted it, which clears the cache, and
within ``cache_seconds`` everywhere else).

>>> tokens = TokenService(engine)                                  # doctest: +SKIP
>>> plain = tokens.create(name="kim", role="counselor")            # doctest: +SKIP
>>> tokens.authenticate(plain).role                                # doctest: +SKIP
<Role.counselor: 'counselor'>
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, func, select

from assistant.agencies.models import Agency
from assistant.auth.models import ApiToken, AuditEvent
from assistant.auth.roles import Role, parse_role
from assistant.errors import AssistantError, Unauthorized
from assistant.kb.db import session_scope
from assistant.kb.models import utcnow

PREFIX = "ca_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's name, role and agency ("" = none: the whole center, as before agencies)."""

    name: str
    role: Role
    token_id: int | None = None
    agency: str = ""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def record_audit(session: Session, actor: Principal | str, action: str, target: str = "", *,
                 version: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """Append an audit row in the caller's transaction, so the change and its record commit together."""
    name, role, agency = (actor.name, str(actor.role), actor.agency) if isinstance(actor, Principal) \
        else (actor, "", "")
    session.add(AuditEvent(actor=name, role=role, action=action, target=target, version=version,
                           detail=detail or {}, agency=agency))


def list_audit(session: Session, *, actor: str = "", target: str = "", offset: int = 0, limit: int = 50,
               agencies: Sequence[str] | None = None) -> tuple[list[AuditEvent], int]:
    """Newest first; ``agencies``: only rows of tokens of these agencies (``None``: every row)."""
    stmt = select(AuditEvent)
    if agencies is not None:
        stmt = stmt.where(col(AuditEvent.agency).in_(list(agencies)))
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor)
    if target:
        stmt = stmt.where(AuditEvent.target == target)
    count = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(session.exec(stmt.order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)))
    return rows, int(count)


class TokenService:
    """Creates and checks API tokens."""

    def __init__(self, engine: Engine, *, cache_seconds: float = 10.0, stale_seconds: float = 3600.0) -> None:
        self.engine, self.cache_seconds, self.stale_seconds = engine, cache_seconds, stale_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def create(self, *, name: str, role: str | Role, created_by: Principal | str = "cli", agency: str = "") -> str:
        """A new token for ``name`` with ``role`` (of ``agency``, if given); the plain token is returned once
        and never stored."""
        return self.issue(name=name, role=role, created_by=created_by, agency=agency)[0]

    def issue(self, *, name: str, role: str | Role, created_by: Principal | str = "cli",
              agency: str = "") -> tuple[str, ApiToken]:
        """``create``, also returning the stored row. An agency that is not live is ``UnknownAgency`` (422)."""
        role = parse_role(str(role))
        name = name.strip()
        if not name or len(name) > 100:
            raise AssistantError("token name must be 1-100 characters")
        plain = PREFIX + secrets.token_urlsafe(32)
        with session_scope(self.engine) as s:
            if agency:
                live = set(s.exec(select(Agency.code).where(col(Agency.deleted_at).is_(None))))
                if agency not in live:
                    from assistant.agencies.codes import UnknownAgency

                    raise UnknownAgency(agency, live)
            row = ApiToken(name=name, role=str(role), token_hash=hash_token(plain), prefix=plain[:8], agency=agency,
                           created_by=created_by.name if isinstance(created_by, Principal) else created_by)
            s.add(row)
            s.flush()
            record_audit(s, created_by, "token.create", name,
                         detail={"role": str(role), "token_id": row.id, "agency": agency})
        return plain, row

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise Unauthorized("missing token: send 'Authorization: Bearer <token>'")
        key = hash_token(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > now:
                return hit[1]
        try:
            with Session(self.engine) as s:
                row = s.exec(select(ApiToken).where(ApiToken.token_hash == key)).first()
                gone = row is not None and bool(row.agency) and s.exec(select(Agency.code).where(
                    Agency.code == row.agency, col(Agency.deleted_at).is_(None))).first() is None
        except OperationalError:
            # the database is down: a token this process checked recently still works, so counselors
            # keep searching from the loaded index; anything else waits for the database (503)
            if hit and now - hit[0] < self.stale_seconds:
                return hit[1]
            raise
        if row is None or row.revoked_at is not None:
            raise Unauthorized("invalid or revoked token")
        if gone:
            raise Unauthorized(f"the token's agency {row.agency!r} was deleted")
        principal = Principal(row.name, Role(row.role), row.id, row.agency)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now + self.cache_seconds, principal)
        return principal

    def list(self) -> list[ApiToken]:
        with Session(self.engine) as s:
            return list(s.exec(select(ApiToken).order_by(col(ApiToken.id))))

    def revoke(self, token_id: int, *, by: Principal | str) -> ApiToken:
        with session_scope(self.engine) as s:
            row = s.get(ApiToken, token_id)
            if row is None:
                from assistant.errors import NotFound

                raise NotFound(f"token not found: {token_id}")
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                s.add(row)
                record_audit(s, by, "token.revoke", row.name, detail={"token_id": token_id})
        self.forget()
        return row

    def forget(self) -> None:
        """Drop the cached authentications (after a revocation or an agency's deletion)."""
        with self._lock:
            self._cache.clear()
