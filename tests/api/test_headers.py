"""Security headers on every kind of response: JSON, streams, errors, the pages and their assets."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from assistant.api.app import create_app
from assistant.config import Settings
from tests.conftest import auth_headers, make_settings

pytestmark = pytest.mark.integration


def directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            assert words[0] not in out, f"directive {words[0]} given twice"
            out[words[0]] = words[1:]
    return out


@pytest.fixture(scope="module")
def client(built_runtime):
    with TestClient(create_app(built_runtime.settings, runtime=built_runtime),
                    headers=auth_headers(built_runtime, "counselor")) as c:
        yield c


def responses(client):
    yield "json", client.post("/v1/search", json={"question": "출산장려금", "top_k": 1})
    yield "error", client.post("/v1/search", json={"question": ""})
    yield "not found", client.get("/no/such/path")
    yield "unauthorized", client.get("/v1/me", headers={"Authorization": "Bearer wrong"})
    yield "health", client.get("/healthz")
    yield "widget", client.get("/widget/")
    yield "editor", client.get("/editor/")
    yield "script", client.get("/assets/widget.js")
    yield "style", client.get("/assets/app.css")
    with client.stream("POST", "/v1/advise", json={"question": "출산장려금 받을 수 있나요"},
                       headers={"Accept": "text/event-stream"}) as r:
        r.read()
        yield "stream", r


def test_every_response_sends_the_security_headers(client):
    for what, r in responses(client):
        assert r.headers["x-content-type-options"] == "nosniff", what
        assert r.headers["referrer-policy"] == "no-referrer", what
        csp = directives(r.headers["content-security-policy"])
        assert csp["frame-ancestors"] == ["'self'"], what
        assert csp["default-src"] == ["'none'"], what
        # scripts, styles and API calls only from the service itself: no inline code, no other origin
        for name in ("script-src", "style-src", "connect-src"):
            assert csp[name] == ["'self'"], (what, name)
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"], what


def test_the_pages_load_nothing_the_policy_refuses(client):
    """No inline script or style in the pages (the policy would block it): every script and stylesheet
    is a file of the service's own."""
    import re

    for page in ("/widget/", "/editor/"):
        html = client.get(page).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert "<style" not in html and " style=" not in html, page
        assert not re.search(r"\son[a-z]+=", html), page
        for src in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert src.startswith(("/", "#", "data:")), (page, src)


def test_the_api_docs_keep_the_frame_policy_but_may_load_their_viewer(client):
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    csp = directives(r.headers["content-security-policy"])
    assert csp["frame-ancestors"] == ["'self'"] and "script-src" not in csp


@pytest.mark.parametrize("value, expected", [
    ("https://crm.seoul.go.kr", ["https://crm.seoul.go.kr"]),
    ("'self' https://crm.seoul.go.kr http://10.0.0.5:8080", ["'self'", "https://crm.seoul.go.kr", "http://10.0.0.5:8080"]),
    ("'none'", ["'none'"]),
    ("https://*.seoul.go.kr", ["https://*.seoul.go.kr"]),
])
def test_only_the_configured_origins_may_frame_the_widget(tmp_path, value, expected):
    settings = make_settings(tmp_path, frame_ancestors=value)
    with TestClient(create_app(settings)) as c:
        for path in ("/widget/", "/healthz", "/docs"):
            assert directives(c.get(path).headers["content-security-policy"])["frame-ancestors"] == expected, path


@pytest.mark.parametrize("value", [
    "https://a.kr; script-src *",      # another directive smuggled in
    "https://a.kr, https://b.kr",      # commas are not separators here
    "'none' https://a.kr",             # 'none' with anything else
    "*", "self", "javascript:alert(1)", "https://a.kr/path", "",
    "https://a.kr\r\nSet-Cookie: x=1",
])
def test_a_frame_policy_that_is_not_a_list_of_origins_is_refused_at_start_up(tmp_path, value):
    with pytest.raises(ValidationError, match="frame_ancestors"):
        Settings(frame_ancestors=value, database_url=f"sqlite:///{tmp_path / 'kb.db'}")
