"""Who may call which route: ONE table, checked by one app-wide dependency.

Every route must appear in ``ROUTE_PERMISSIONS`` (``None`` = public); a route missing from it is
refused for everyone (fail closed), and a test walks the table against the app's routes and every role.

>>> ROUTE_PERMISSIONS[("PATCH", "/v1/entries/{entry_id:path}")]
<Permission.edit_kb: 'edit_kb'>
"""

from __future__ import annotations

import threading
import time

from fastapi import Request

from assistant.auth.roles import Permission, allowed
from assistant.auth.service import Principal
from assistant.errors import Forbidden, RateLimited

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
}


class RateLimiter:
    """A token bucket per caller: ``per_minute`` requests a minute on average, bursts up to that many.

    >>> lim = RateLimiter(2); lim.check("a"); lim.check("a")
    >>> lim.check("a")
    Traceback (most recent call last):
    ...
    assistant.errors.RateLimited: too many requests for 'a': 2 a minute; retry in 30.0 s
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._now = time.monotonic

    def check(self, key: str) -> None:
        if self.per_minute <= 0:
            return
        now = self._now()
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                wait = round((1.0 - tokens) / rate, 1)
                self._buckets[key] = (tokens, now)
                raise RateLimited(f"too many requests for {key!r}: {self.per_minute} a minute; retry in {wait} s",
                                  retry_after=wait)
            self._buckets[key] = (tokens - 1.0, now)


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
