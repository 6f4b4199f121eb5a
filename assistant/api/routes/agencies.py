"""Agencies (기관), the tenants over the common layer: admins create and delete them, anyone listed in the
permission table may list them (a counselor's widget names the agency a transfer goes to)."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.agencies.models import AgencyCreate, AgencyPublic
from assistant.api.deps import PrincipalDep, RuntimeDep

router = APIRouter(tags=["agencies"])


@router.get("/v1/agencies", response_model=list[AgencyPublic])
def list_agencies(rt: RuntimeDep) -> list[AgencyPublic]:
    """The live agencies: code, name and the contact line a transferred citizen is put through to."""
    return [AgencyPublic.model_validate(a.model_dump()) for a in rt.agencies.list()]


@router.post("/v1/agencies", response_model=AgencyPublic, status_code=201)
def create_agency(body: AgencyCreate, rt: RuntimeDep, principal: PrincipalDep) -> AgencyPublic:
    """A new agency (audited). A code is 2-20 lower-case letters, digits or '-'; a taken one is a 409."""
    return AgencyPublic.model_validate(rt.agencies.create(body, actor=principal).model_dump())


@router.delete("/v1/agencies/{code}", response_model=AgencyPublic)
def delete_agency(code: str, rt: RuntimeDep, principal: PrincipalDep) -> AgencyPublic:
    """End an agency (audited): its rows keep its code, its tokens get 401 (within the token cache time on
    other replicas), and its code is refused from now on."""
    return AgencyPublic.model_validate(rt.agencies.delete(code, actor=principal).model_dump())
