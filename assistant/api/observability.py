"""Request ids, structured JSON logs and Prometheus metrics for the HTTP service.

Each request gets an id (the caller's ``X-Request-ID`` if it is sane, else a new one), returned in
the response header and attached to every log line written while it is served. The access log
records the route *template*, never the raw path, query or body, so no question text or personal
data reaches the logs. Metrics live in a registry of the app's own (several apps in one test
process never collide) and are served at ``/metrics``.

>>> install_observability(app)        # doctest: +SKIP
>>> configure_logging(json_lines=True)  # doctest: +SKIP
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.evals.queue import headline

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
access_log = logging.getLogger("assistant.access")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's Prometheus metrics (one registry per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("assistant_http_requests_total", "HTTP requests", ["route", "method", "status"],
                                registry=r)
        self.latency = Histogram("assistant_http_request_duration_seconds", "HTTP request latency by route",
                                 ["route", "method"], buckets=LATENCY_BUCKETS, registry=r)
        self.stage = Histogram("assistant_stage_duration_seconds", "Retrieval and answer generation latency",
                               ["stage"], buckets=LATENCY_BUCKETS, registry=r)
        # by agency too ("" = tokens of no agency): each agency's demand and abstentions, per tenant
        self.answers = Counter("assistant_answers_total", "Answers by the mode that produced them and the asking "
                               "token's agency", ["mode", "agency"], registry=r)
        self.searches = Counter("assistant_searches_total", "Searches by the token's agency", ["agency"], registry=r)
        self.fallbacks = Counter("assistant_generator_fallbacks_total",
                                 "Generator failures that fell back to the next generator", registry=r)
        self.abstentions = Counter("assistant_abstentions_total", "Questions the manuals did not cover, by the "
                                   "asking token's agency", ["agency"], registry=r)

    def observe_answer(self, mode: str, errors: Iterable[str], abstained: bool, agency: str = "") -> None:
        self.answers.labels(mode=mode, agency=agency).inc()
        n = sum(1 for _ in errors)
        if n:
            self.fallbacks.inc(n)
        if abstained:
            self.abstentions.labels(agency=agency).inc()


class _RuntimeCollector:
    """Read at scrape time: the live index's KB version and size, query vector cache hits and misses,
    the latest eval scores, and rate limit checks that could not reach the shared storage."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        limiter = getattr(self.app.state, "rate_limiter", None)
        if limiter is not None:
            c = CounterMetricFamily("assistant_rate_limit_storage_errors", "Rate limit checks that could not "
                                    "reach the shared storage (Redis) and were counted in this process")
            c.add_metric([], limiter.storage_errors)
            yield c
        rt = getattr(self.app.state, "runtime", None)
        if rt is not None and "alerts" in rt.__dict__:  # only once the service exists; a scrape never builds it
            yield from _alert_metrics(rt.alerts)
        if rt is None or not rt.manager.holder.ready:
            return
        snap = rt.manager.holder.snapshot
        g = GaugeMetricFamily("assistant_index_kb_version", "KB version of the live index")
        g.add_metric([], snap.kb_version)
        yield g
        n = GaugeMetricFamily("assistant_index_entries", "Entries in the live index")
        n.add_metric([], len(snap.entries))
        yield n
        if "retriever" in rt.__dict__:
            cache = rt.retriever.query_cache
            c = CounterMetricFamily("assistant_query_vector_cache", "Query vector cache lookups", labels=["result"])
            c.add_metric(["hit"], cache.hits)
            c.add_metric(["miss"], cache.misses)
            yield c
        scores = None
        if "evals" in rt.__dict__:  # only once the queue exists; a scrape never builds it
            try:
                latest = rt.evals.latest_summary()
                scores = headline(latest) if latest else None
            except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down
                scores = None
        if scores:
            e = GaugeMetricFamily("assistant_eval_score", "Latest evaluation run's scores", labels=["metric"])
            for name, value in scores.items():
                e.add_metric([name], float(value))
            yield e


def _alert_metrics(alerts: Any) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
    """Questions counted for the urgent-issue alerts, what that cost, and the unresolved alerts by topic
    and region (read from the database, so every replica reports the same ones)."""
    stats = alerts.stats
    c = CounterMetricFamily("assistant_alert_questions", "Questions counted for urgent-issue alerts, by outcome",
                            labels=["outcome"])
    for outcome, value in (("counted", stats.observed), ("dropped", stats.dropped), ("error", stats.errors)):
        c.add_metric([outcome], value)
    yield c
    s = CounterMetricFamily("assistant_alert_counting_seconds", "Worker time spent counting questions and testing for spikes")
    s.add_metric([], stats.seconds)
    yield s
    r = CounterMetricFamily("assistant_alerts_raised", "Alerts this process raised")
    r.add_metric([], stats.raised)
    yield r
    try:
        rows = alerts.alerts()
    except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down
        return
    g = GaugeMetricFamily("assistant_alerts_open", "Unresolved urgent-issue alerts: questions in the window",
                          labels=["topic", "region", "kind", "status"])
    for a in rows:
        g.add_metric([a.topic, a.region, a.kind, a.status], a.count)
    yield g


class RequestContextMiddleware:
    """Pure ASGI (streams pass through untouched): request id, access log line, HTTP metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex[:16]
        token = REQUEST_ID.set(rid)
        status = 500
        t0 = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - t0
            route = getattr(scope.get("route"), "path", None) or ("static" if status < 400 else "unmatched")
            method = scope.get("method", "")
            self.metrics.requests.labels(route=route, method=method, status=str(status)).inc()
            self.metrics.latency.labels(route=route, method=method).observe(elapsed)
            principal = (scope.get("state") or {}).get("principal")
            access_log.info("request", extra={"request_id": rid, "http": {
                "method": method, "route": route, "status": status, "ms": round(elapsed * 1000, 1),
                "actor": getattr(principal, "name", None)}})
            REQUEST_ID.reset(token)


def install_observability(app: FastAPI) -> None:
    """Add the request-id / access-log middleware and the ``/metrics`` route."""
    metrics = Metrics()
    metrics.registry.register(_RuntimeCollector(app))  # type: ignore[arg-type]
    app.state.metrics = metrics
    app.add_middleware(RequestContextMiddleware, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any ``http`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        http = getattr(record, "http", None)
        if http:
            out["http"] = http
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(out, ensure_ascii=False)


def _stamp_request_id(record: logging.LogRecord) -> bool:
    """Bind the record to the request being served when it was logged (formatting may come later)."""
    if not getattr(record, "request_id", None):
        record.request_id = REQUEST_ID.get()
    return True


def configure_logging(*, json_lines: bool = True, level: str = "INFO") -> None:
    """Root logging for a serving process: JSON lines on stderr (or plain text for a terminal)."""
    import time as _time

    handler = logging.StreamHandler()
    if json_lines:
        formatter: logging.Formatter = JsonFormatter()
        formatter.converter = _time.gmtime  # type: ignore[assignment]
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler.setFormatter(formatter)
    handler.addFilter(_stamp_request_id)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "bm25s", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
