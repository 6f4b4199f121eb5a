"""Notices (공지): supervisors and editors post them for a region and a time window; every role reads them.

A notice is pushed at once to the widgets following its region, cited above the manual answer for
matching questions while it is in force, and ends by itself (or early, by ``/end``); nothing is deleted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.ops.notices.models import AlertIn, NoticeCreate, NoticeDraft, NoticeEndIn, NoticePublic, NoticesPublic

router = APIRouter(tags=["notices"])


@router.post("/v1/notices", response_model=NoticePublic, status_code=201)
def post_notice(body: NoticeCreate, rt: RuntimeDep, principal: PrincipalDep) -> NoticePublic:
    """Post a notice: pushed at once to the widgets following its region; audited."""
    return rt.notices.create(body, by=principal)


@router.get("/v1/notices", response_model=NoticesPublic)
def list_notices(rt: RuntimeDep,
                 status: Annotated[str, Query(description="scheduled, active, ended, expired or all")] = "active",
                 region: Annotated[str, Query(max_length=100, description="only those for a region overlapping "
                                              "this one")] = "",
                 offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50) -> NoticesPublic:
    """Notices, newest first (the active ones by default; ``status=all`` is the history)."""
    return rt.notices.find(status=status, region=region, offset=offset, limit=limit)


@router.post("/v1/notices/draft", response_model=NoticeDraft)
def draft_notice(body: AlertIn, rt: RuntimeDep) -> NoticeDraft:
    """A notice prefilled from an urgent-issue alert (topic, region, samples): correct it and post it."""
    return rt.notices.draft(body.model_dump())


@router.get("/v1/notices/{notice_id}", response_model=NoticePublic)
def get_notice(notice_id: int, rt: RuntimeDep) -> NoticePublic:
    """One notice, with its status as of now and who ended it, if anyone did."""
    return rt.notices.get(notice_id)


@router.post("/v1/notices/{notice_id}/end", response_model=NoticePublic)
def end_notice(notice_id: int, rt: RuntimeDep, principal: PrincipalDep, body: NoticeEndIn | None = None) -> NoticePublic:
    """End a notice before its window is over (a new row; the notice stays in the history); audited.
    An ended or expired notice is a 409."""
    return rt.notices.end(notice_id, by=principal, reason=body.reason if body is not None else "")
