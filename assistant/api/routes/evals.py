"""QA and editors: evaluation runs queued on every manual update, comparisons, and drafts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assistant.agencies.codes import readable
from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.api.routes.entries import change_out
from assistant.api.schemas import (
    DraftIn,
    DraftOut,
    EntryChange,
    EvalQueued,
    EvalRequest,
    EvalRunDetail,
    EvalRunOut,
    PublishIn,
)
from assistant.evals.models import EvalRun
from assistant.evals.queue import headline

router = APIRouter()


def run_out(run: EvalRun) -> dict[str, object]:
    return {**run.model_dump(exclude={"results", "summary", "meta", "affected_summary"}),
            "scores": headline(run.summary), "affected_scores": headline(run.affected_summary)}


@router.get("/v1/evals", response_model=list[EvalRunOut], tags=["evals"])
def list_evals(rt: RuntimeDep, principal: PrincipalDep,
               limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[EvalRunOut]:
    """Recent evaluation runs, newest first: what triggered each, its scores and failed gates (a token of an
    agency: its agency's runs and the center's)."""
    return [EvalRunOut.model_validate(run_out(r)) for r in rt.evals.list(limit, readable(principal, common=True))]


@router.post("/v1/evals", response_model=EvalQueued, status_code=202, tags=["evals"])
def queue_eval(body: EvalRequest, rt: RuntimeDep, principal: PrincipalDep) -> EvalQueued:
    """Queue a run now (it joins a run still waiting, if any)."""
    return EvalQueued(run_id=rt.evals.enqueue(f"{body.note} by {principal.name}", agency=principal.agency))


@router.get("/v1/evals/{run_id}", response_model=EvalRunDetail, tags=["evals"])
def get_eval(run_id: int, rt: RuntimeDep, principal: PrincipalDep, results: bool = False) -> EvalRunDetail:
    """One run: scores by type, language and region, failed gates, what it ran on; per question with ?results=true.
    Another agency's run is a 404."""
    run = rt.evals.get(run_id, readable(principal, common=True))
    return EvalRunDetail.model_validate({**run_out(run), "summary": run.summary, "meta": run.meta,
                                         "results": run.results if results else None})


@router.get("/v1/evals/{run_id}/compare", tags=["evals"])
def compare_eval(run_id: int, rt: RuntimeDep, principal: PrincipalDep,
                 with_run: Annotated[int | None, Query(alias="with", ge=1)] = None) -> dict[str, object]:
    """Per-question improvements and regressions against an earlier run (default: the one before that the
    caller may read), with the answers before and after and the entries whose versions changed."""
    return rt.evals.compare(run_id, with_run, readable(principal, common=True))


@router.post("/v1/drafts", response_model=DraftOut, status_code=201, tags=["editor"])
def create_draft(body: DraftIn, rt: RuntimeDep, principal: PrincipalDep) -> DraftOut:
    """Stage a change; it is evaluated against the live index in the background (status evaluating → ready)."""
    d = rt.drafts.create(action=body.action, entry_id=body.entry_id, changes=body.changes,
                         base_version=body.base_version, note=body.note, actor=principal)
    return DraftOut.model_validate(d.model_dump())


@router.get("/v1/drafts", response_model=list[DraftOut], tags=["editor"])
def list_drafts(rt: RuntimeDep, principal: PrincipalDep, status: Annotated[str | None, Query(max_length=20)] = None,
                entry_id: Annotated[str | None, Query(max_length=200)] = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[DraftOut]:
    """Drafts, newest first (``?status=``, ``?entry_id=``); a token of an agency: its agency's only."""
    return [DraftOut.model_validate(d.model_dump())
            for d in rt.drafts.list(status=status, entry_id=entry_id, limit=limit, by=principal)]


@router.get("/v1/drafts/{draft_id}", response_model=DraftOut, tags=["editor"])
def get_draft(draft_id: int, rt: RuntimeDep, principal: PrincipalDep) -> DraftOut:
    """A draft and its evaluation: scores before and after, failed gates, questions it makes worse (another
    agency's draft is a 404)."""
    return DraftOut.model_validate(rt.drafts.get(draft_id, by=principal).model_dump())


@router.post("/v1/drafts/{draft_id}/publish", response_model=EntryChange, tags=["editor"])
def publish_draft(draft_id: int, body: PublishIn, rt: RuntimeDep, principal: PrincipalDep) -> EntryChange:
    """Publish an evaluated draft. One that fails a gate is a 409 unless an admin overrides it with a
    reason (audited); a draft made stale by another edit is a 409 like any stale edit."""
    return change_out(rt.drafts.publish(draft_id, actor=principal, override=body.override, reason=body.reason))


@router.delete("/v1/drafts/{draft_id}", response_model=DraftOut, tags=["editor"])
def discard_draft(draft_id: int, rt: RuntimeDep, principal: PrincipalDep) -> DraftOut:
    """Discard a draft (kept, marked discarded)."""
    return DraftOut.model_validate(rt.drafts.discard(draft_id, actor=principal).model_dump())
