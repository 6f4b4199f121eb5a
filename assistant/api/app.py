"""``create_app(settings)``: the counselor-assist HTTP service.

Heavy parts (index, embedder) load in the lifespan; handlers get them through ``deps``.

>>> app = create_app(Settings())        # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import text
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant import __version__
from assistant.api.deps import RuntimeDep
from assistant.api.schemas import (
    AdviseResponse,
    AskRequest,
    CallCreate,
    CallEventOut,
    CallHistory,
    CallOut,
    CallRecord,
    ErrorResponse,
    Health,
    SearchResponse,
    TransferIn,
    UtteranceIn,
    UtteranceOut,
)
from assistant.calls.service import CallClosed
from assistant.config import Settings
from assistant.errors import (
    AssistantError,
    EntryNotFound,
    ImportValidationError,
    IndexNotReady,
    InvalidQuery,
    UnknownRegion,
    VersionConflict,
)
from assistant.runtime import Runtime
from assistant.types import Answer

log = logging.getLogger(__name__)

STATUS: dict[type[AssistantError], int] = {CallClosed: 409, InvalidQuery: 422, UnknownRegion: 422, ImportValidationError: 422, EntryNotFound: 404,
          VersionConflict: 409, IndexNotReady: 503}
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "bad input"},
    503: {"model": ErrorResponse, "description": "index not ready"},
}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or Runtime(settings)
        app.state.runtime = rt
        try:
            await run_in_threadpool(rt.start)
            app.state.start_error = None
        except AssistantError as exc:  # keep serving /healthz and say what is wrong on /readyz
            log.error("start-up: %s", exc)
            app.state.start_error = str(exc)
        yield

    app = FastAPI(title="Counselor assistant", version=__version__, lifespan=lifespan,
                  description="Search the consultation manuals and get grounded answers for live calls.")

    @app.exception_handler(AssistantError)
    async def domain_error(_: Request, exc: AssistantError) -> JSONResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        return JSONResponse(error_body(type(exc).__name__, str(exc)), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        msg = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return JSONResponse(error_body("ValidationError", msg), status_code=422)

    @app.get("/healthz", response_model=Health, tags=["ops"])
    def healthz() -> Health:
        """The process is up."""
        return Health(status="ok")

    @app.get("/readyz", response_model=Health, tags=["ops"], responses={503: {"model": Health}})
    def readyz(rt: RuntimeDep) -> Any:
        """Index loaded and database reachable; otherwise 503 saying what is down."""
        checks = {"index": "ok" if rt.manager.holder.ready else (app.state.start_error or "not loaded")}
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means 'not ready'
            checks["database"] = f"unreachable: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        body = Health(status="ok" if ok else "unavailable", checks=checks)
        return body if ok else JSONResponse(body.model_dump(), status_code=503)

    @app.post("/v1/search", response_model=SearchResponse, responses=ERRORS, tags=["counselor"])
    def search(body: AskRequest, rt: RuntimeDep) -> SearchResponse:
        """The manual entries for a question, in the caller's region."""
        result = rt.retriever.search(body.question, region=body.region, top_k=body.top_k)
        return SearchResponse.model_validate({"hits": [h.as_dict() for h in result.hits],
                                              "region": result.region.label, "notices": result.notices})

    @app.post("/v1/advise", response_model=AdviseResponse, responses={
        **ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "JSON, or server-sent events"}},
        tags=["counselor"])
    def advise(body: AskRequest, request: Request, rt: RuntimeDep) -> Any:
        """A grounded answer with citations. Ask for ``text/event-stream`` to get events: ``hits``,
        then ``delta``s of answer text, then ``done`` with citations and the grounding report."""
        masked, result = rt.advisor.retrieve(body.question, body.region, body.top_k)
        events = rt.advisor.answer_events(masked, result)
        if "text/event-stream" not in request.headers.get("accept", ""):
            answer = [e["answer"] for e in events if "answer" in e][0]
            return AdviseResponse.model_validate(answer.as_dict())
        return StreamingResponse(iterate_in_threadpool(_sse(events)), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.post("/v1/calls", response_model=CallOut, status_code=201, responses=ERRORS, tags=["calls"])
    def create_call(body: CallCreate, rt: RuntimeDep) -> CallOut:
        """Open a live call (the caller's region, if known, steers every suggestion)."""
        call = rt.calls.create(region=body.region or "", counselor=body.counselor)
        return CallOut.model_validate(call.model_dump())

    @app.post("/v1/calls/{call_id}/utterances", response_model=UtteranceOut, responses={**ERRORS, 404: {
        "model": ErrorResponse}}, tags=["calls"])
    def add_utterance(call_id: str, body: UtteranceIn, rt: RuntimeDep) -> UtteranceOut:
        """A transcript line; a final citizen utterance returns fresh suggestions."""
        answer = rt.calls.utterance(call_id, body.speaker, body.text, final=body.final)
        if answer is None:
            return UtteranceOut(suggestion=None)
        return UtteranceOut(suggestion=AdviseResponse.model_validate(answer), suggestion_id=answer["suggestion_id"])

    @app.get("/v1/calls/{call_id}", response_model=CallHistory, responses={404: {"model": ErrorResponse}},
             tags=["calls"])
    def call_history(call_id: str, rt: RuntimeDep) -> CallHistory:
        """Everything said and suggested so far: what the next counselor reads after a transfer."""
        call, events = rt.calls.history(call_id)
        return CallHistory(call=CallOut.model_validate(call.model_dump()),
                           events=[CallEventOut.model_validate(e.model_dump()) for e in events])

    @app.post("/v1/calls/{call_id}/transfer", response_model=CallOut, responses={404: {"model": ErrorResponse}},
              tags=["calls"])
    def transfer_call(call_id: str, body: TransferIn, rt: RuntimeDep) -> CallOut:
        """Hand the call to another counselor or agency, with its whole history."""
        return CallOut.model_validate(rt.calls.transfer(call_id, to=body.to, note=body.note).model_dump())

    @app.get("/v1/calls/{call_id}/record", response_model=CallRecord, responses={404: {"model": ErrorResponse}},
             tags=["calls"])
    def call_record(call_id: str, rt: RuntimeDep) -> CallRecord:
        """The after-call record draft in the 120 format: 문의 / 답변 / 안내 / 결과."""
        return CallRecord.model_validate(rt.calls.record(call_id))

    return app


def _sse(events: Iterator[dict[str, Any]]) -> Iterator[str]:
    def frame(name: str, data: Any) -> str:
        return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    try:
        for e in events:
            if "hits" in e:
                yield frame("hits", {"hits": [h.as_dict() for h in e["hits"]]})
            elif "delta" in e:
                yield frame("delta", {"text": e["delta"]})
            elif "answer" in e:
                answer: Answer = e["answer"]
                yield frame("done", {k: v for k, v in answer.as_dict().items() if k != "hits"})
    except AssistantError as exc:
        yield frame("error", error_body(type(exc).__name__, str(exc))["error"])
