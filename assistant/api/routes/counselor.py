"""Counselor routes: search, grounded advice (JSON or server-sent events), feedback, regions."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import OperationalError
from starlette.concurrency import iterate_in_threadpool

from assistant.advisor.service import clarification_out
from assistant.agencies.codes import readable
from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.api.schemas import (
    AdviseResponse,
    AskRequest,
    FeedbackIn,
    FeedbackOut,
    Me,
    RegionsOut,
    SearchResponse,
)
from assistant.auth.roles import permissions_of
from assistant.errors import AssistantError
from assistant.index.snapshot import Snapshot
from assistant.rank.clarify import parse_answer
from assistant.rank.situation import Situation
from assistant.runtime import Runtime
from assistant.text.pii import mask_pii
from assistant.types import Answer, Hit

router = APIRouter(tags=["counselor"])
log = logging.getLogger(__name__)


def hit_out(rt: Runtime, h: Hit, snap: Snapshot | None = None) -> dict[str, Any]:
    """A hit as the side panel shows it: with the entry's last-updated date and a short passage
    (from ``snap``, the snapshot the hit was found in, when the caller has it)."""
    entry = (snap or rt.manager.holder.snapshot).entries.get(h.entry_id)
    snippet = " ".join(h.snippet.split())
    return {**h.as_dict(), "updated": entry.updated if entry else "",
            "snippet": snippet[:200] + ("…" if len(snippet) > 200 else ""),
            "transfer_hint": rt.agency_directory.transfer_hint(h.other_agency) if h.other_agency else ""}


def answer_out(rt: Runtime, answer: Answer, suggestion_id: int | None, snap: Snapshot | None = None) -> dict[str, Any]:
    return {**answer.as_dict(), "hits": [hit_out(rt, h, snap) for h in answer.hits], "suggestion_id": suggestion_id,
            "other_agency_hits": [hit_out(rt, h, snap) for h in answer.other_agency]}


@router.get("/v1/me", response_model=Me)
def me(principal: PrincipalDep) -> Me:
    """Who this token belongs to and what it may do (the widget shows it)."""
    return Me(name=principal.name, role=str(principal.role), permissions=permissions_of(principal.role),
              agency=principal.agency)


@router.get("/v1/regions", response_model=RegionsOut)
def regions(rt: RuntimeDep) -> RegionsOut:
    """The regions callers can be from: every city/province and its districts (Seoul's 25 first)."""
    resolver = rt.retriever.regions
    order = sorted(resolver.districts, key=lambda s: (s != "서울특별시", s))
    return RegionsOut(sido=order, districts={s: sorted(resolver.districts[s]) for s in order})


@router.post("/v1/search", response_model=SearchResponse)
def search(body: AskRequest, rt: RuntimeDep, principal: PrincipalDep, request: Request) -> SearchResponse:
    """The manual entries for a question, in the caller's region: the common layer's and the token's agency's
    (another agency's entry that answers clearly better comes apart, in ``other_agency_hits``)."""
    question = mask_pii(body.question).text
    result = rt.retriever.search(question, region=body.region, top_k=body.top_k, situation=answers_of(body),
                                 agency=principal.agency)
    rt.observe_question(question, result.region.label, result.hits, snapshot=result.snapshot)  # alerts; never raises
    request.app.state.metrics.searches.labels(agency=principal.agency).inc()
    snap = result.snapshot
    return SearchResponse.model_validate({
        "hits": [hit_out(rt, h, snap) for h in result.hits], "region": result.region.label,
        "notices": result.notices,
        "caller_profile": result.situation.as_dict() if result.situation is not None else None,
        "clarification": clarification_out(result, snap) if snap is not None else None,
        "other_agency_hits": [hit_out(rt, h, snap) for h in result.other_agency]})


def answers_of(body: AskRequest) -> Situation | None:
    """The counselor's clarifying answers as a Situation (an unknown attribute or value is a 422)."""
    return parse_answer(body.answers) if body.answers else None


@router.post("/v1/advise", response_model=AdviseResponse, responses={
    200: {"content": {"text/event-stream": {}}, "description": "JSON, or server-sent events"}})
def advise(body: AskRequest, request: Request, rt: RuntimeDep, principal: PrincipalDep) -> Any:
    """A grounded answer with citations. Ask for ``text/event-stream`` to get events: ``hits``,
    then ``delta``s of answer text, then ``done`` with citations, the grounding report and the
    ``suggestion_id`` to send feedback with."""
    t0 = time.perf_counter()
    masked, result = rt.advisor.retrieve(body.question, body.region, body.top_k, answers_of(body),
                                         agency=principal.agency)
    rt.observe_question(masked, result.region.label, result.hits, snapshot=result.snapshot)  # alerts; never raises
    snap = result.snapshot  # the one snapshot this request reads
    metrics = request.app.state.metrics
    retrieved = time.perf_counter()
    metrics.stage.labels(stage="retrieval").observe(retrieved - t0)

    def record(answer: Answer) -> int | None:
        metrics.stage.labels(stage="generation").observe(time.perf_counter() - retrieved)
        metrics.observe_answer(answer.mode, answer.errors, answer.abstained, principal.agency)
        try:
            return rt.feedback.record_suggestion(
                answer, question=masked, region=result.region.label, actor=principal.name,
                kb_version=(snap or rt.manager.holder.snapshot).kb_version, latency_ms=(time.perf_counter() - t0) * 1000,
                agency=principal.agency)
        except OperationalError as exc:  # the answer matters more than its record: serve it, say so
            log.error("suggestion not recorded (database unavailable): %s", str(exc).splitlines()[0])
            answer.notices.append("이 답변은 기록되지 않았습니다(데이터베이스 연결 불가): 피드백을 보낼 수 없습니다")
            return None

    if "text/event-stream" not in request.headers.get("accept", ""):
        answer = rt.advisor.answer(masked, result)
        return AdviseResponse.model_validate(answer_out(rt, answer, record(answer), snap))
    events = rt.advisor.answer_events(masked, result)
    return StreamingResponse(iterate_in_threadpool(_sse(rt, events, record, snap)), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _frame(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _sse(rt: Runtime, events: Iterator[dict[str, Any]], record: Any, snap: Snapshot | None = None) -> Iterator[str]:
    try:
        for e in events:
            if "hits" in e:
                # the caller's situation comes with the hits: the widget shows it before the answer
                yield _frame("hits", {"hits": [hit_out(rt, h, snap) for h in e["hits"]],
                                      "caller_profile": e.get("caller_profile"),
                                      "active_notices": e.get("active_notices", []),
                                      "other_agency_hits": [hit_out(rt, h, snap) for h in e.get("other_agency", [])]})
            elif "delta" in e:
                yield _frame("delta", {"text": e["delta"]})
            elif "answer" in e:
                answer: Answer = e["answer"]
                done = answer_out(rt, answer, record(answer), snap)
                done.pop("hits")
                yield _frame("done", done)
    except AssistantError as exc:
        yield _frame("error", {"code": type(exc).__name__, "message": str(exc)})


@router.post("/v1/feedback", response_model=FeedbackOut, status_code=201)
def feedback(body: FeedbackIn, rt: RuntimeDep, principal: PrincipalDep) -> FeedbackOut:
    """What the counselor did with a suggestion: displayed, clicked, copied, thumbs up or down (with a reason)."""
    row = rt.feedback.add(body.suggestion_id, body.kind, actor=principal.name, entry_id=body.entry_id,
                          reason=body.reason, comment=body.comment, agencies=readable(principal))
    return FeedbackOut.model_validate(row.model_dump())
