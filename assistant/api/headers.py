"""Security headers on every response: a Content-Security-Policy, ``nosniff`` and ``Referrer-Policy``.

The widget keeps its API token in ``localStorage``, so a script injected into its pages could read it:
the policy lets the pages run only the service's own script and style files (no inline code, nothing
from another origin) and call only the service, and says who may show them in a frame (the call
center's own screens: ``ASSISTANT_FRAME_ANCESTORS``). The API docs (``/docs``) load their viewer
from a CDN, so they keep only the frame rule.

>>> content_security_policy("https://crm.example.go.kr").split("; ")[-1]
'frame-ancestors https://crm.example.go.kr'
>>> frame_only_policy("'self'")
"frame-ancestors 'self'; object-src 'none'"
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(frame_ancestors: str) -> str:
    """The pages' policy: everything from the service itself, nothing inline, framed only by ``frame_ancestors``
    (a validated source list from the settings)."""
    return "; ".join((
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "font-src 'self'", "connect-src 'self'", "manifest-src 'self'", "form-action 'self'",
        "base-uri 'none'", "object-src 'none'", f"frame-ancestors {frame_ancestors}",
    ))


def frame_only_policy(frame_ancestors: str) -> str:
    """For pages that load scripts from elsewhere (the API docs): only who may frame them, and no plugins."""
    return f"frame-ancestors {frame_ancestors}; object-src 'none'"


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response (streams included) unless a route set its own.

    >>> app.add_middleware(SecurityHeaders, frame_ancestors="'self'", relaxed_paths={"/docs"})  # doctest: +SKIP
    """

    def __init__(self, app: ASGIApp, *, frame_ancestors: str = "'self'", relaxed_paths: Collection[str] = ()) -> None:
        self.app = app
        self.relaxed_paths = frozenset(relaxed_paths)
        common = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
        self.strict = {**common, "Content-Security-Policy": content_security_policy(frame_ancestors)}
        self.relaxed = {**common, "Content-Security-Policy": frame_only_policy(frame_ancestors)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self.relaxed if scope["path"] in self.relaxed_paths else self.strict

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
