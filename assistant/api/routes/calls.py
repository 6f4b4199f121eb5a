"""Live calls: transcript utterances trigger suggestions; transfer keeps the history; the after-call record.

A call is its counselor's, the token holder who opened it or the one it was transferred to; roles
with ``read_calls`` read every call; anyone else gets 404 (``calls/access.py``)."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.advisor.service import mask
from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.api.routes.counselor import answer_out
from assistant.api.schemas import (
    AdviseResponse,
    CallCreate,
    CallEventOut,
    CallHistory,
    CallOut,
    CallRecord,
    TransferIn,
    TransferOut,
    UtteranceIn,
    UtteranceOut,
)

router = APIRouter(tags=["calls"])


@router.post("/v1/calls", response_model=CallOut, status_code=201)
def create_call(body: CallCreate, rt: RuntimeDep, principal: PrincipalDep) -> CallOut:
    """Open a live call, the token holder's (the caller's region, if known, steers every suggestion)."""
    call = rt.calls.create(region=body.region or "", by=principal)
    return CallOut.model_validate(call.model_dump())


@router.post("/v1/calls/{call_id}/utterances", response_model=UtteranceOut)
def add_utterance(call_id: str, body: UtteranceIn, rt: RuntimeDep, principal: PrincipalDep) -> UtteranceOut:
    """A transcript line; a final citizen utterance returns fresh suggestions, also pushed to the call's
    counselor's widget (``GET /v1/events``)."""
    suggested = rt.calls.utterance(call_id, body.speaker, body.text, final=body.final, by=principal)
    if suggested is None:
        return UtteranceOut(suggestion=None)
    answer, sid = suggested
    suggestion = AdviseResponse.model_validate(answer_out(rt, answer, sid))
    # the call's counselor (who posted it: only they may add to it) sees it in their widget too, wherever the
    # utterance came from (the speech-to-text posts them)
    rt.push.publish("suggestion", {"call_id": call_id, "utterance": mask(body.text), "suggestion_id": sid,
                                   "suggestion": suggestion.model_dump(mode="json")}, user=principal.name)
    return UtteranceOut(suggestion=suggestion, suggestion_id=sid)


@router.get("/v1/calls/{call_id}", response_model=CallHistory)
def call_history(call_id: str, rt: RuntimeDep, principal: PrincipalDep) -> CallHistory:
    """Everything said and suggested so far: what the next counselor reads after a transfer."""
    call, events = rt.calls.history(call_id, by=principal)
    return CallHistory(call=CallOut.model_validate(call.model_dump()),
                       events=[CallEventOut.model_validate(e.model_dump()) for e in events])


@router.post("/v1/calls/{call_id}/transfer", response_model=TransferOut)
def transfer_call(call_id: str, body: TransferIn, rt: RuntimeDep, principal: PrincipalDep) -> TransferOut:
    """Hand the call to another counselor (``to``) or agency (``to_agency``) with its history and a transfer
    summary (masked; stored in the transfer event). To an agency, a linked call of that agency is opened;
    the receiving counselor's widget is sent the summary (``GET /v1/events``, event ``transfer``)."""
    done = rt.calls.transfer(call_id, to=body.to, note=body.note, to_agency=body.to_agency, by=principal)
    receiving = done.linked or done.call
    if receiving.counselor:
        rt.push.publish("transfer", {"call_id": receiving.call_id, "from": principal.name, "summary": done.summary,
                                     "to_agency": body.to_agency.strip()}, user=receiving.counselor)
    return TransferOut.model_validate({**done.call.model_dump(), "summary": done.summary,
                                       "to_agency": done.linked.agency if done.linked else "",
                                       "linked_call_id": done.linked.call_id if done.linked else ""})


@router.get("/v1/calls/{call_id}/record", response_model=CallRecord)
def call_record(call_id: str, rt: RuntimeDep, principal: PrincipalDep) -> CallRecord:
    """The after-call record draft in the 120 format: 문의 / 답변 / 안내 / 결과."""
    return CallRecord.model_validate(rt.calls.record(call_id, by=principal))

