"""The permission table against the real app: every route is in it, and every role gets exactly
what the table grants (401 without a token, 403 for a role without the permission); on a call's
routes, also what its ownership grants (its counselor's, everybody's to read with ``read_calls``,
nobody else's: 404). Both walks run for tokens of no agency and of two agencies, A and B: the role decides
the permission whatever the agency, and another agency's call is a 404 whatever the role (the walk over
each agency's drafts, runs, suggestions and calls is ``test_agency_isolation.py``)."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.agencies.codes import visible
from assistant.agencies.models import AgencyCreate
from assistant.api.app import create_app
from assistant.api.security import ROUTE_PERMISSIONS
from assistant.auth.models import ApiToken, AuditEvent
from assistant.auth.roles import Permission as P
from assistant.auth.roles import Role, allowed
from assistant.auth.service import Principal
from tests.conftest import token_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def app(built_runtime):
    app = create_app(built_runtime.settings, runtime=built_runtime)
    with TestClient(app):
        yield app


AGENCIES = ("", "sec-a", "sec-b")  # "" = a token of no agency


@pytest.fixture(scope="module")
def tokens(built_runtime) -> dict[Role, str]:
    return {role: token_for(built_runtime, role) for role in Role}


@pytest.fixture(scope="module")
def agency_tokens(built_runtime) -> dict[tuple[Role, str], str]:
    """A token of every role × {no agency, A, B} (the agencies hold no entries: searches are unchanged)."""
    live = built_runtime.agencies.codes()
    for code in AGENCIES[1:]:
        if code not in live:
            built_runtime.agencies.create(AgencyCreate(code=code, name=code), actor="tests")
    return {(role, agency): built_runtime.tokens.create(name=f"sec-{role}-{agency or 'none'}", role=role,
                                                        agency=agency, created_by="tests")
            for role in Role for agency in AGENCIES}


def api_routes(app) -> set[tuple[str, str]]:
    def walk(routes):
        for r in routes:
            if isinstance(r, APIRoute):
                yield from ((m, r.path) for m in r.methods)
            elif hasattr(r, "original_router"):  # FastAPI's included routers (no prefixes are used here)
                yield from walk(r.original_router.routes)

    return set(walk(app.routes))


def concrete(path: str, entry_id: str) -> str:
    return (path.replace("{entry_id:path}", entry_id).replace("{call_id}", "no-such-call")
            .replace("{token_id}", "999999").replace("{alert_id}", "999999").replace("{term_id}", "999999"))


def test_every_route_is_in_the_table_and_the_table_names_only_real_routes(app):
    routes = api_routes(app)
    assert routes - set(ROUTE_PERMISSIONS) == set(), "routes without a permission entry are refused to everyone"
    assert set(ROUTE_PERMISSIONS) - routes <= {("GET", "/metrics"), ("GET", "/")}


def test_each_role_gets_exactly_what_the_table_grants(app, agency_tokens, built_runtime):
    entry_id = next(iter(built_runtime.manager.holder.snapshot.entries))
    with TestClient(app) as client:
        for (method, path), permission in sorted(ROUTE_PERMISSIONS.items()):
            if (method, path) not in api_routes(app):
                continue
            url = concrete(path, entry_id)
            # invalid bodies: an allowed caller gets past the permission check and stops at validation,
            # so nothing is changed by this walk
            anonymous = client.request(method, url, json={})
            if permission is None:
                assert anonymous.status_code not in (401, 403), (method, path)
                continue
            assert anonymous.status_code == 401, (method, path, anonymous.text)
            assert anonymous.json()["error"]["code"] == "Unauthorized"
            for (role, agency), token in agency_tokens.items():
                r = client.request(method, url, json={}, headers={"Authorization": f"Bearer {token}"})
                if allowed(role, permission):
                    assert r.status_code not in (401, 403), (role, agency, method, path, r.text)
                else:
                    assert r.status_code == 403 and r.json()["error"]["code"] == "Forbidden", (role, agency, method, path)


def call_routes() -> list[tuple[str, str]]:
    return sorted(k for k in ROUTE_PERMISSIONS if "{call_id}" in k[1])


# a valid body for each call route, so that a caller who may act gets a 2xx (and the walk sees past validation)
CALL_BODIES = {"/v1/calls/{call_id}/utterances": {"speaker": "counselor", "text": "네 말씀하세요"},
               "/v1/calls/{call_id}/transfer": {"to": "구청 복지과"}}


def test_each_role_gets_exactly_what_call_ownership_grants(app, tokens, agency_tokens, built_runtime):
    """Own call: everything. Another's: roles with read_calls read it (GET) but cannot add to it or hand it
    over (403); every other role gets 404, as if it did not exist. Another agency's call: 404 for every role
    of an agency (admins and tokens of no agency follow the ownership rules)."""
    assert call_routes(), "the table has call routes"
    owners = {**{str(r): t for r, t in tokens.items()}, "another counselor": token_for(built_runtime, "counselor"),
              "agency A's counselor": agency_tokens[(Role.counselor, AGENCIES[1])]}
    readers = {**{(role, ""): t for role, t in tokens.items()},
               **{k: t for k, t in agency_tokens.items() if k[0] in (Role.counselor, Role.supervisor, Role.admin)}}
    names = {t: built_runtime.tokens.authenticate(t).name for t in (*owners.values(), *readers.values())}
    agency_of = {t: built_runtime.tokens.authenticate(t).agency for t in owners.values()}
    with TestClient(app) as client:
        for method, path in call_routes():
            for owner, owner_token in owners.items():
                for (role, agency), token in readers.items():
                    opened = client.post("/v1/calls", json={}, headers={"Authorization": f"Bearer {owner_token}"})
                    assert opened.status_code == 201 and opened.json()["counselor"] == names[owner_token]
                    url = path.replace("{call_id}", opened.json()["call_id"])
                    r = client.request(method, url, json=CALL_BODIES.get(path), headers={"Authorization": f"Bearer {token}"})
                    case = (method, path, f"{role} of agency {agency!r} on {owner}'s call", r.text)
                    if not visible(agency_of[owner_token], Principal(names[token], role, agency=agency)):
                        assert r.status_code == 404 and r.json()["error"]["code"] == "CallNotFound", case
                    elif token == owner_token:  # claim: only a call queued for an agency is taken (409)
                        assert r.status_code in ((409,) if path.endswith("/claim") else (200, 201)), case
                    elif allowed(role, P.read_calls):
                        assert r.status_code == (200 if method == "GET" else 403), case
                    else:
                        assert r.status_code == 404 and r.json()["error"]["code"] == "CallNotFound", case


@pytest.mark.parametrize("header", ["Bearer ca_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer", "ca_x"])
def test_bad_tokens_are_401(app, header):
    with TestClient(app) as client:
        r = client.post("/v1/search", json={"question": "기초연금"}, headers={"Authorization": header})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_tokens_are_stored_hashed_and_revocation_takes_effect(built_runtime):
    from assistant.auth.service import TokenService

    service = TokenService(built_runtime.engine, cache_seconds=0)
    plain, row = service.issue(name="revoke-me", role="counselor", created_by="tests")
    with Session(built_runtime.engine) as s:
        stored = [t.token_hash for t in s.exec(select(ApiToken))]
    assert plain not in stored and row.token_hash in stored
    assert service.authenticate(plain).name == "revoke-me"
    service.revoke(row.id, by="tests")
    with pytest.raises(Exception, match="revoked"):
        service.authenticate(plain)
    with Session(built_runtime.engine) as s:
        actions = [a.action for a in s.exec(select(AuditEvent).where(AuditEvent.target == "revoke-me"))]
    assert actions == ["token.create", "token.revoke"]


def test_rate_limit_per_token_is_429_with_retry_after(built_runtime):
    settings = built_runtime.settings.model_copy(update={"rate_limit_per_minute": 3})
    token = token_for(built_runtime, "counselor")
    other = token_for(built_runtime, "counselor")
    with TestClient(create_app(settings, runtime=built_runtime)) as client:
        codes = [client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        limited = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert int(limited.headers["retry-after"]) >= 1 and limited.json()["error"]["code"] == "RateLimited"
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_me_and_token_admin_over_http(app, tokens):
    with TestClient(app) as client:
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {tokens[Role.editor]}"}).json()
        assert me["role"] == "editor" and "edit_kb" in me["permissions"] and "admin" not in me["permissions"]
        admin = {"Authorization": f"Bearer {tokens[Role.admin]}"}
        created = client.post("/v1/tokens", json={"name": "new-counselor", "role": "counselor"}, headers=admin)
        assert created.status_code == 201 and created.json()["token"].startswith("ca_")
        listed = client.get("/v1/tokens", headers=admin).json()
        assert all("token" not in t for t in listed) and any(t["name"] == "new-counselor" for t in listed)
        fresh = {"Authorization": f"Bearer {created.json()['token']}"}
        assert client.get("/v1/me", headers=fresh).json()["role"] == "counselor"
        bad = client.post("/v1/tokens", json={"name": "x", "role": "superuser"}, headers=admin)
        assert bad.status_code == 422


def test_unknown_paths_and_methods_get_json_errors(app):
    with TestClient(app) as client:
        r = client.get("/v1/nothing-here")
        assert r.status_code == 404 and r.json()["error"]["code"] == "NotFound"
        r = client.delete("/v1/search")
        assert r.status_code == 405 and r.json()["error"]["code"] == "MethodNotAllowed"
