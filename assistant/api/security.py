"""Who may call which route: ONE table, checked by one app-wide dependency.

Every route must appear in ``ROUTE_PERMISSIONS`` (``None`` = public); a route missing from it is
refused for everyone (fail closed), and a test walks the table against the app's routes and every role.

>>> ROUTE_PERMISSIONS[("PATCH", "/v1/entries/{entry_id:path}")]
<Permission.edit_kb: 'edit_kb'>
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

from fastapi import Request
from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from assistant.auth.roles import Permission, allowed
from assistant.auth.service import Principal
from assistant.errors import Forbidden, RateLimited

log = logging.getLogger(__name__)
P = Permission
ROUTE_PERMISSIONS: dict[tuple[str, str], Permission | None] = {
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("GET", "/metrics"): None,
    ("GET", "/"): None,
    ("GET", "/v1/me"): P.ask,
    ("GET", "/v1/regions"): P.ask,
    ("POST", "/v1/search"): P.ask,
    ("POST", "/v1/advise"): P.ask,
    ("POST", "/v1/feedback"): P.ask,
    ("POST", "/v1/calls"): P.ask,
    ("GET", "/v1/calls/queue"): P.ask,
    ("POST", "/v1/calls/{call_id}/claim"): P.ask,
    ("GET", "/v1/calls/{call_id}"): P.ask,
    ("POST", "/v1/calls/{call_id}/utterances"): P.ask,
    ("POST", "/v1/calls/{call_id}/transfer"): P.ask,
    ("GET", "/v1/calls/{call_id}/record"): P.ask,
    ("GET", "/v1/entries"): P.read_kb,
    ("GET", "/v1/entries/{entry_id:path}/history"): P.read_kb,
    ("GET", "/v1/entries/{entry_id:path}/diff"): P.read_kb,
    ("GET", "/v1/entries/{entry_id:path}"): P.read_kb,
    ("POST", "/v1/entries"): P.edit_kb,
    ("POST", "/v1/entries/import"): P.edit_kb,
    ("POST", "/v1/entries/{entry_id:path}/retire"): P.edit_kb,
    ("PATCH", "/v1/entries/{entry_id:path}"): P.edit_kb,
    ("GET", "/v1/gaps"): P.reports,
    ("GET", "/v1/gaps/draft"): P.edit_kb,
    ("GET", "/v1/trends"): P.trends,
    ("GET", "/v1/currency"): P.trends,
    ("GET", "/v1/reports/currency"): P.trends,
    ("GET", "/v1/evals"): P.reports,
    ("POST", "/v1/evals"): P.reports,
    ("GET", "/v1/evals/{run_id}"): P.reports,
    ("GET", "/v1/evals/{run_id}/compare"): P.reports,
    ("GET", "/v1/drafts"): P.edit_kb,
    ("POST", "/v1/drafts"): P.edit_kb,
    ("GET", "/v1/drafts/{draft_id}"): P.edit_kb,
    ("POST", "/v1/drafts/{draft_id}/publish"): P.edit_kb,
    ("DELETE", "/v1/drafts/{draft_id}"): P.edit_kb,
    ("GET", "/v1/audit"): P.audit,
    ("GET", "/v1/tokens"): P.admin,
    ("POST", "/v1/tokens"): P.admin,
    ("DELETE", "/v1/tokens/{token_id}"): P.admin,
    ("GET", "/v1/agencies"): P.ask,
    ("POST", "/v1/agencies"): P.admin,
    ("DELETE", "/v1/agencies/{code}"): P.admin,
    ("GET", "/v1/alerts"): P.alerts,
    ("POST", "/v1/alerts/{alert_id}/acknowledge"): P.alerts,
    ("POST", "/v1/alerts/{alert_id}/resolve"): P.alerts,
    ("GET", "/v1/alerts/terms"): P.alert_terms,
    ("POST", "/v1/alerts/terms"): P.alert_terms,
    ("POST", "/v1/alerts/terms/check"): P.alert_terms,
    ("DELETE", "/v1/alerts/terms/{term_id}"): P.alert_terms,
    ("GET", "/v1/events"): P.ask,
    ("GET", "/v1/notices"): P.ask,
    ("GET", "/v1/notices/{notice_id}"): P.ask,
    ("POST", "/v1/notices"): P.notices,
    ("POST", "/v1/notices/draft"): P.notices,
    ("POST", "/v1/notices/{notice_id}/end"): P.notices,
}


class RateLimiter:
    """At most ``per_minute`` requests per caller in any 60 seconds (a moving window, ``limits``).

    ``storage`` is where the count lives: ``memory://`` (this process: with N workers a token gets
    N times its limit) or ``redis://host:port/db``, shared by every worker and replica, so a token
    has one budget. Keys are ``prefix``-ed (deployments sharing one Redis keep apart).

    A Redis outage never takes the service down: the limiter fails open to this process's own
    count (so a token gets its limit per process, as without Redis), logs one warning per outage,
    counts it (``storage_errors``: the metric ``assistant_rate_limit_storage_errors_total``) and
    tries Redis again after ``retry_seconds``; requests in between do not wait for Redis.

    >>> lim = RateLimiter(2); lim.check("a"); lim.check("a")
    >>> lim.check("a")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    assistant.errors.RateLimited: too many requests for 'a': 2 a minute; retry in ... s
    """

    def __init__(self, per_minute: int, storage: str = "", *, prefix: str = "assistant",
                 retry_seconds: float = 5.0, timeout: float = 0.25) -> None:
        self.per_minute, self.retry_seconds = per_minute, retry_seconds
        self.item = RateLimitItemPerMinute(max(per_minute, 1))
        self.storage_uri = storage or "memory://"
        self.shared = self.storage_uri != "memory://"
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._remote = MovingWindowRateLimiter(storage_from_string(
            self.storage_uri, key_prefix=prefix, wrap_exceptions=True,
            socket_timeout=timeout, socket_connect_timeout=timeout)) if self.shared else None
        self.storage_errors = 0
        self._down_until = 0.0  # monotonic: until then, count locally without trying Redis
        self._lock = threading.Lock()

    def _hit(self, limiter: MovingWindowRateLimiter, key: str) -> tuple[bool, float]:
        if limiter.hit(self.item, key):
            return True, 0.0
        return False, limiter.get_window_stats(self.item, key).reset_time - time.time()

    def _count(self, key: str) -> tuple[bool, float]:
        """(allowed, seconds until the window has room again), from Redis while it answers."""
        if self._remote is None or time.monotonic() < self._down_until:
            return self._hit(self._local, key)
        try:
            result = self._hit(self._remote, key)
        except StorageError as exc:
            with self._lock:
                self.storage_errors += 1
                first = self._down_until == 0.0
                self._down_until = time.monotonic() + self.retry_seconds
            if first:
                log.warning("rate limit storage %s unreachable (%s): counting per process until it answers",
                            _redacted(self.storage_uri), type(exc.storage_error).__name__)
            return self._hit(self._local, key)
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            log.warning("rate limit storage %s is back: one budget per token again", _redacted(self.storage_uri))
        return result

    def check(self, key: str) -> None:
        if self.per_minute <= 0:
            return
        ok, wait = self._count(key)
        if not ok:
            wait = max(round(wait, 1), 0.1)
            raise RateLimited(f"too many requests for {key!r}: {self.per_minute} a minute; retry in {wait} s",
                              retry_after=wait)


def _redacted(uri: str) -> str:
    """A storage URI without its password, for logs."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authorize(request: Request) -> None:
    """App-wide dependency: look the route up in the table, check the token, its role and its rate."""
    route = request.scope.get("route")
    key = (request.method, getattr(route, "path", ""))
    if key not in ROUTE_PERMISSIONS:
        raise Forbidden(f"{key[0]} {key[1]} has no entry in the permission table")
    permission = ROUTE_PERMISSIONS[key]
    if permission is None:
        return
    rt = request.app.state.runtime
    principal: Principal = rt.tokens.authenticate(bearer(request.headers.get("authorization")))
    if not allowed(principal.role, permission):
        raise Forbidden(f"role {principal.role} may not {permission} ({key[0]} {key[1]})")
    request.app.state.rate_limiter.check(principal.name if principal.token_id is None else f"token:{principal.token_id}")
    request.state.principal = principal
