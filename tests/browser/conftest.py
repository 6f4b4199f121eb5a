"""Real-browser fixtures: the service over the test subset in a background uvicorn, Debian's Chromium driven
by Playwright (never ``playwright install``: the browser comes from ``scripts/bootstrap --dev``).

One server per module (each module edits its own knowledge base), one browser per session, one browser
context (own localStorage) per test.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from assistant.api.app import create_app
from assistant.config import ROOT, Settings
from assistant.runtime import Runtime
from assistant.types import EntryRecord
from tests.conftest import make_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 420, "height": 900}  # the side panel's width beside the counselor's main screen


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (scripts/bootstrap --dev installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class LiveServer:
    """The running service: its URL, runtime (to check what was recorded) and tokens by role."""

    url: str
    rt: Runtime
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, method: str, path: str, *, role: str = "admin", **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kw)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve(settings: Settings, records: list[EntryRecord]) -> Iterator[LiveServer]:
    """Import ``records`` into a fresh knowledge base, index it and serve it on a free 127.0.0.1 port, with a
    token per role (``server`` below; a module needing other settings, e.g. evaluation on, calls it itself)."""
    from assistant.auth.service import TokenService
    from assistant.kb.repo import import_records

    rt = Runtime(settings)
    import_records(rt.engine, records, "", author="test", dry_run=False, prune=False)
    rt.manager.rebuild()
    tokens = TokenService(rt.engine)
    names = {"counselor": "상담사 김하늘", "editor": "편집자 이바다", "qa": "품질 담당 한결", "admin": "관리자"}
    issued = {role: tokens.create(name=name, role=role) for role, name in names.items()}

    sock = _free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings, runtime=rt), log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the service did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", rt, issued)
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, subset_records: list[EntryRecord]) -> Iterator[LiveServer]:
    """A fresh knowledge base and index over the test subset, served on a free 127.0.0.1 port."""
    with serve(make_settings(tmp_path_factory.mktemp("browser")), subset_records) as live:
        yield live


CSP_PREFIX = "refused by the Content-Security-Policy:"
# init scripts run before the page's own and are not subject to its policy
CSP_WATCH = ("document.addEventListener('securitypolicyviolation', e => console.error("
             f"'{CSP_PREFIX} ' + e.effectiveDirective + ' ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile"
             " + ':' + e.lineNumber))")


@pytest.fixture()
def open_page(browser: Any, server: LiveServer) -> Iterator[Callable[..., Any]]:
    """``open_page("/widget/", role="counselor")``: a page in a fresh context, the role's token already stored
    (``role=None``: no token, the page must ask for one). Page errors and anything the Content-Security-Policy
    refuses (an inline style or script, another origin) fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_(path: str, *, role: str | None = "counselor", token: str | None = None) -> Any:
        ctx = browser.new_context(viewport=VIEWPORT, locale="ko-KR")
        contexts.append(ctx)
        ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        ctx.add_init_script(CSP_WATCH)
        value = token if token is not None else (server.tokens[role] if role else None)
        if value is not None:
            ctx.add_init_script(f"window.localStorage.setItem('ca_token', {json.dumps(value)})")
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: errors.append(msg.text) if msg.text.startswith(CSP_PREFIX) else None)
        page.goto(server.url + path)
        return page

    yield open_
    for ctx in contexts:
        ctx.close()
    assert not errors, errors


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save what the screen looks like now: ``test-artifacts/screenshots/<name>.png`` (``full_page=False``
    for the entry panel, which covers the viewport rather than the page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# out-of-manual questions: the test uses the first one the service abstains on
OFF_TOPIC = ("여권 재발급 어디서 해요", "지하철 분실물 찾는 곳", "대형폐기물 스티커 어디서 사요")


def wait_for(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    """Poll ``check`` until it returns something truthy (the page sends feedback without waiting)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def feedback_kinds(server: LiveServer, suggestion_id: int) -> list[tuple[str, str | None, str | None]]:
    _, rows = server.rt.feedback.get(suggestion_id)
    return [(r.kind, r.entry_id, r.reason) for r in rows]


def ask(page: Any, question: str, region: str = "") -> Any:
    page.wait_for_selector("body[data-ready=true]")
    page.select_option("#region", region)
    page.fill("#question", question)
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:not([hidden])")
    page.wait_for_function("() => document.querySelector('#answer').dataset.suggestionId !== ''")
    return page


def suggestion_id(page: Any) -> int:
    return int(page.get_attribute("#answer", "data-suggestion-id"))
