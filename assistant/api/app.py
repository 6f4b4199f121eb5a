"""``create_app(settings)``: the counselor-assist HTTP service.

Heavy parts (index, embedder) load in the lifespan; handlers get them through ``deps``. Every route
is checked against the permission table in ``security`` by one app-wide dependency.

>>> app = create_app(Settings())        # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import __version__
from assistant.agencies.service import AgencyExists
from assistant.api.deps import RuntimeDep
from assistant.api.headers import SecurityHeaders
from assistant.api.observability import install_observability
from assistant.api.routes import admin, agencies, alerts, calls, counselor, entries, evals, notices, push
from assistant.api.routes.trends import router as trends_router
from assistant.api.schemas import ErrorResponse, Health
from assistant.api.security import RateLimiter, authorize
from assistant.api.ui import mount_ui
from assistant.calls.service import CallClosed
from assistant.config import Settings
from assistant.editor.drafts import DraftNotReady, GateFailed
from assistant.errors import (
    AssistantError,
    Forbidden,
    ImportValidationError,
    IndexNotReady,
    InvalidQuery,
    NotFound,
    RateLimited,
    SavedNotIndexed,
    ServiceUnavailable,
    Unauthorized,
    UnknownRegion,
    VersionConflict,
)
from assistant.evals.queue import RunNotComparable
from assistant.ops.alerts.store import AlertClosed
from assistant.ops.notices.logic import NoticeEnded
from assistant.runtime import Runtime
from assistant.text.pii import mask_pii

log = logging.getLogger(__name__)

STATUS: dict[type[AssistantError], int] = {
    Unauthorized: 401, Forbidden: 403, NotFound: 404, VersionConflict: 409, CallClosed: 409,
    GateFailed: 409, DraftNotReady: 409, RunNotComparable: 409, NoticeEnded: 409,
    InvalidQuery: 422, UnknownRegion: 422, ImportValidationError: 422, RateLimited: 429,
    IndexNotReady: 503, ServiceUnavailable: 503, SavedNotIndexed: 503,
    AlertClosed: 409, AgencyExists: 409,
}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": what} for code, what in (
        (400, "a body that cannot be read (not UTF-8 JSON), or a request refused as it is"),
        (401, "no token, or an invalid one"), (403, "the token's role may not do this"),
        (404, "not found"), (409, "conflict: stale version, existing id or closed call"),
        (422, "bad input"), (429, "too many requests"), (503, "index or database not available, or a change saved but not yet searchable"))
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, dict[str, Any]]:
    return {"error": {"code": code, "message": message, **extra}}


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or Runtime(settings)
        app.state.runtime = rt
        app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_storage,
                                             prefix=settings.rate_limit_prefix)
        app.state.start_error = app.state.background_error = None
        try:
            await run_in_threadpool(rt.start)
        except AssistantError as exc:  # keep serving /healthz and say what is wrong on /readyz
            log.error("start-up: %s", exc)
            app.state.start_error = str(exc)
        try:
            try:
                rt.start_background()
            except Exception as exc:  # noqa: BLE001 - same: up, not ready, and the reason on /readyz and in the log
                log.exception("start-up: background work did not start")
                app.state.background_error = f"did not start: {type(exc).__name__}: {exc}"
            yield
        finally:
            rt.stop_background()

    app = FastAPI(title="Counselor assistant", version=__version__, lifespan=lifespan,
                  description="Search the consultation manuals and get grounded answers for live calls. "
                              "Send `Authorization: Bearer <token>` (`assistant token create`).",
                  dependencies=[Depends(authorize)], responses=ERRORS)
    install_observability(app)
    docs = {path for path in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if path}
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors, relaxed_paths=docs)

    @app.exception_handler(AssistantError)
    async def domain_error(_: Request, exc: AssistantError) -> JSONResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        extra: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if isinstance(exc, VersionConflict):
            extra["current_version"] = exc.actual
        if isinstance(exc, SavedNotIndexed) and exc.version is not None:
            extra["version"] = exc.version  # the saved version: the next edit's expected_version
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = "Bearer"
        # messages may repeat the caller's input (an unknown region, an id): never a phone or resident number
        message = mask_pii(str(exc)).text
        return JSONResponse(error_body(type(exc).__name__, message, **extra), status_code=status, headers=headers)

    @app.exception_handler(OperationalError)
    async def database_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", str(exc).splitlines()[0])
        return JSONResponse(error_body("ServiceUnavailable", "the database is unavailable; nothing was changed, "
                                       "try again shortly"), status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(_: Request, exc: Exception) -> JSONResponse:
        # an id or version too large for the database (SQLite: OverflowError) or a value it cannot store
        # (PostgreSQL: DataError, e.g. a NUL character): bad input, not a server fault
        log.info("value refused by the database: %s", type(exc).__name__)
        return JSONResponse(error_body("ValidationError", "a value is out of range for the database (an id, "
                                       "version or offset too large, or a character that cannot be stored)"),
                            status_code=422)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        msg = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return JSONResponse(error_body("ValidationError", msg), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HTTPError")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.get("/healthz", response_model=Health, tags=["ops"])
    def healthz() -> Health:
        """The process is up."""
        return Health(status="ok")

    @app.get("/readyz", response_model=Health, tags=["ops"], responses={503: {"model": Health}})
    def readyz(rt: RuntimeDep) -> Any:
        """Index loaded, background work (evaluation worker, following other replicas) started and database
        reachable; otherwise 503 saying what is down."""
        checks = {"index": "ok" if rt.manager.holder.ready else (app.state.start_error or "not loaded"),
                  "background": app.state.background_error or "ok"}
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means 'not ready'
            checks["database"] = f"unreachable: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        body = Health(status="ok" if ok else "unavailable", checks=checks)
        return body if ok else JSONResponse(body.model_dump(), status_code=503)

    for module in (counselor, calls, entries, evals, admin, notices, push, alerts):
        app.include_router(module.router)
    app.include_router(trends_router)  # trends, 현행화 and gap drafts (its own line: the tuple above is busy)
    app.include_router(agencies.router)
    mount_ui(app)
    return app


def create_app_from_env() -> FastAPI:
    """For worker processes (``assistant serve --workers N``): settings from the environment, JSON logs.
    Each worker loads the saved index and follows edits made through the others like a replica does
    (NOTIFY on PostgreSQL, polling on SQLite); rate limits count per worker unless ``rate_limit_storage``
    names a Redis they share."""
    from assistant.api.observability import configure_logging

    settings = Settings()
    configure_logging(json_lines=settings.log_json, level=settings.log_level)
    return create_app(settings)
