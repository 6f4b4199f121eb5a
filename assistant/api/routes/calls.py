"""Live calls: transcript utterances trigger suggestions; transfer keeps the history; the after-call record.

A call is its counselor's, the token holder who opened it or the one it was transferred to; roles
with ``read_calls`` read every call; anyone else gets 404 (``calls/access.py``)."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.advisor.service import mask
from assistant.api.call_schemas import (
    CallCreate,
    CallEventOut,
    CallHistory,
    CallOut,
    CallQueue,
    CallRecord,
    QueuedCallOut,
    TransferIn,
    TransferOut,
    UtteranceIn,
    UtteranceOut,
)
from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.api.routes.counselor import answer_out
from assistant.api.schemas import AdviseResponse

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
                                   "suggestion": suggestion.model_dump(mode="json")}, user=principal.name,
                    agency=principal.agency)
    return UtteranceOut(suggestion=suggestion, suggestion_id=sid)


@router.get("/v1/calls/queue", response_model=CallQueue)
def call_queue(rt: RuntimeDep, principal: PrincipalDep) -> CallQueue:
    """The calls another agency handed to the token's agency with no counselor named, oldest first, each with
    its transfer summary; a counselor takes one with ``POST /v1/calls/{id}/claim``. A token of no agency: 422."""
    rows = rt.calls.queue(by=principal)
    return CallQueue(data=[QueuedCallOut.model_validate({**call.model_dump(), "handover": {
        k: v for k, v in handover.items() if k not in ("history", "note")}, "note": handover.get("note", "")})
        for call, handover in rows])


@router.post("/v1/calls/{call_id}/claim", response_model=CallOut)
def claim_call(call_id: str, rt: RuntimeDep, principal: PrincipalDep) -> CallOut:
    """Take a call waiting in the agency's queue: it is the token holder's from now on (audited). Taken
    already: 404 (it is a colleague's call now; 409 when two claim at the very same moment); another
    agency's: 404; a call not queued that one may act on: 409. The agency's other widgets are told."""
    call = rt.calls.claim(call_id, by=principal)
    rt.push.publish("transfer_claimed", {"call_id": call_id, "by": principal.name}, agency=call.agency)
    return CallOut.model_validate(call.model_dump())


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
    # to the counselor named, or, queued for an agency, to every widget of that agency (one of them claims it)
    rt.push.publish("transfer", {"call_id": receiving.call_id, "from": principal.name, "summary": done.summary,
                                 "to_agency": body.to_agency.strip(), "queued": not receiving.counselor},
                    user=receiving.counselor, agency=receiving.agency)
    return TransferOut.model_validate({**done.call.model_dump(), "summary": done.summary,
                                       "to_agency": done.linked.agency if done.linked else "",
                                       "linked_call_id": done.linked.call_id if done.linked else ""})


@router.get("/v1/calls/{call_id}/record", response_model=CallRecord)
def call_record(call_id: str, rt: RuntimeDep, principal: PrincipalDep) -> CallRecord:
    """The after-call record draft in the 120 format: 문의 / 답변 / 안내 / 결과."""
    return CallRecord.model_validate(rt.calls.record(call_id, by=principal))

