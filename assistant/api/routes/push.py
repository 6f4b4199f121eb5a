"""Server push to the counselor's widget: ``GET /v1/events``, one live connection per widget.

Server-sent events, read with ``fetch`` so the token travels in the ``Authorization`` header like on every
other route (``EventSource`` cannot send headers; README, Server push). Each event has an ``id``; a widget
that reconnects sends the last one as ``Last-Event-ID`` and gets what it missed, then the live events.
Without ``Accept: text/event-stream`` the route answers at once with the events after that id as JSON
(clients that cannot hold a stream open poll it)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.api.security import bearer
from assistant.errors import AssistantError, InvalidQuery, ServiceUnavailable
from assistant.ops.push.events import Event, id_key, sse_frame
from assistant.runtime import Runtime
from assistant.types import Region

router = APIRouter(tags=["push"])


class EventOut(BaseModel):
    id: str
    kind: str = Field(description="suggestion, notice, notice_end or alert")
    data: dict[str, Any]


class EventsPage(BaseModel):
    data: list[EventOut]
    last_event_id: str = Field(description="send it back as Last-Event-ID (or ?after=) to get what follows")
    lost: bool = Field(description="events after the given id were dropped (too old): reload notices and calls")


def _regions(rt: Runtime, values: list[str]) -> list[Region]:
    resolver = rt.retriever.regions
    return [r for r in (resolver.parse(v) for v in values if v.strip()) if r.sido]


@router.get("/v1/events", response_model=EventsPage, responses={
    200: {"content": {"text/event-stream": {}}, "description": "server-sent events, or JSON without "
                                                               "Accept: text/event-stream"}})
async def events(request: Request, rt: RuntimeDep, principal: PrincipalDep,
                 region: Annotated[list[str] | None, Query(description="the regions this widget follows (its "
                                                           "caller-region picker), up to 20; none: every region")] = None,
                 after: Annotated[str | None, Query(max_length=42, description="resume after this event id "
                                                    "(the Last-Event-ID header does the same)")] = None,
                 last_event_id: Annotated[str | None, Header(max_length=42)] = None) -> Any:
    """The widget's live connection: ``suggestion`` (for the token holder's calls, when the transcript posts a
    final citizen utterance), ``notice`` and ``notice_end`` (for the regions followed), ``alert`` (banners)."""
    if len(region or []) > 20:
        raise InvalidQuery(f"region: at most 20 regions per connection, not {len(region or [])}")
    regions = _regions(rt, region or [])
    start = (after or last_event_id or "").strip()
    if start:
        id_key(start)  # a malformed id is a 422 before anything is sent
    hub = rt.push
    try:
        first = start or await run_in_threadpool(hub.log.last_id)
    except Exception as exc:  # noqa: BLE001 - Redis down: say so rather than a 500
        raise ServiceUnavailable(f"the event log is unavailable ({type(exc).__name__}); try again shortly") from exc
    if "text/event-stream" not in request.headers.get("accept", ""):
        try:
            found, lost = await run_in_threadpool(hub.backlog, first, principal.name, regions, principal.agency)
        except Exception as exc:  # noqa: BLE001
            raise ServiceUnavailable(f"the event log is unavailable ({type(exc).__name__}); try again shortly") from exc
        return EventsPage(data=[EventOut(id=e.id, kind=e.kind, data=e.data) for e in found],
                          last_event_id=found[-1].id if found else first, lost=lost)
    # ``first``, read before subscribing, is where the stream starts: after subscribing it catches up from the
    # log, so nothing published in between is missed
    token = bearer(request.headers.get("authorization"))
    loop = asyncio.get_running_loop()
    heartbeat = rt.settings.push_heartbeat_seconds

    async def stream() -> AsyncIterator[str]:
        sub = hub.subscribe(principal.name, regions, loop, agency=principal.agency)
        try:
            yield "retry: 2000\n\n"
            backlog, lost = await run_in_threadpool(hub.backlog, first, principal.name, regions, principal.agency)
            yield sse_frame(Event("ready", {"user": principal.name, "regions": [r.label for r in regions],
                                            "resumed": bool(start), "lost": lost}, id=first))
            sent = id_key(first)
            for e in backlog:
                yield sse_frame(e)
                sent = id_key(e.id)
            while True:
                try:
                    live = await asyncio.wait_for(sub.queue.get(), heartbeat)
                except TimeoutError:
                    try:  # a token revoked meanwhile ends the stream (within token_cache_seconds)
                        await run_in_threadpool(rt.tokens.authenticate, token)
                    except AssistantError as exc:
                        yield f"event: error\ndata: {json.dumps({'code': type(exc).__name__, 'message': str(exc)})}\n\n"
                        return
                    yield ": keepalive\n\n"
                    continue
                if live is None:  # this process is stopping, or the widget fell behind: it reconnects and resumes
                    return
                key = id_key(live.id)
                if key <= sent:
                    continue  # already sent from the backlog
                yield sse_frame(live)
                sent = key
        finally:
            hub.unsubscribe(sub)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
