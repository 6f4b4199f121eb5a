"""Reports and administration: the knowledge-gap report, the audit log (read-only), API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assistant.agencies.codes import readable
from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.api.schemas import AuditOut, AuditPage, GapsOut, TokenCreated, TokenIn, TokenOut
from assistant.auth.service import list_audit
from assistant.kb.db import session_scope

router = APIRouter()


@router.get("/v1/gaps", response_model=GapsOut, tags=["reports"])
def gaps(rt: RuntimeDep, principal: PrincipalDep, days: Annotated[int, Query(ge=1, le=365)] = 30,
         limit: Annotated[int, Query(ge=1, le=500)] = 50) -> GapsOut:
    """What the manuals failed to answer: abstentions, low-confidence answers and thumbs-down, grouped (a
    token of an agency: from its agency's counselors' questions only)."""
    since, groups = rt.feedback.gaps(days=days, limit=limit, agencies=readable(principal))
    return GapsOut.model_validate({"since": since, "groups": [g.as_dict() for g in groups]})


@router.get("/v1/audit", response_model=AuditPage, tags=["reports"])
def audit(rt: RuntimeDep, principal: PrincipalDep, actor: Annotated[str, Query(max_length=100)] = "",
          target: Annotated[str, Query(max_length=200)] = "", offset: Annotated[int, Query(ge=0)] = 0,
          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> AuditPage:
    """Every change: who, when, what, which version. Newest first; there is no route that edits it. A token
    of an agency reads what its agency's tokens did only."""
    with session_scope(rt.engine) as s:
        rows, count = list_audit(s, actor=actor, target=target, offset=offset, limit=limit,
                                 agencies=readable(principal))
        return AuditPage(data=[AuditOut.model_validate(r.model_dump()) for r in rows], count=count)


@router.get("/v1/tokens", response_model=list[TokenOut], tags=["admin"])
def list_tokens(rt: RuntimeDep) -> list[TokenOut]:
    """Every token (names, roles, prefixes; never the tokens themselves)."""
    return [TokenOut.model_validate(t.model_dump()) for t in rt.tokens.list()]


@router.post("/v1/tokens", response_model=TokenCreated, status_code=201, tags=["admin"])
def create_token(body: TokenIn, rt: RuntimeDep, principal: PrincipalDep) -> TokenCreated:
    """A new token; the response is the only time it is shown."""
    plain, row = rt.tokens.issue(name=body.name, role=body.role, created_by=principal, agency=body.agency)
    return TokenCreated.model_validate({**row.model_dump(), "token": plain})


@router.delete("/v1/tokens/{token_id}", response_model=TokenOut, tags=["admin"])
def revoke_token(token_id: int, rt: RuntimeDep, principal: PrincipalDep) -> TokenOut:
    """Revoke a token (effective within the token cache time, 10 s by default)."""
    return TokenOut.model_validate(rt.tokens.revoke(token_id, by=principal).model_dump())
