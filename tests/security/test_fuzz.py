"""Schemathesis against the app's own OpenAPI schema (``bench/fuzz_api.py`` runs thousands of cases):
valid and invalid requests to every operation with an admin token, on a throwaway runtime, so the
mutating routes run too. No response may be a 5xx or differ from the schema. The same run is the
audit log's test: an admin token sending anything the schema allows, and much it does not, to every
route, changes no audit row that was already there and leaves no plain token in the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import text

from assistant.api.app import create_app
from assistant.api.security import ROUTE_PERMISSIONS
from assistant.auth.roles import Permission
from assistant.runtime import Runtime
from assistant.types import EntryRecord
from bench.fuzz_api import FuzzReport, fuzz, throwaway_runtime

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PLAIN_TOKEN = re.compile(r"ca_[A-Za-z0-9_-]{40,}")


@dataclass
class Run:
    report: FuzzReport
    audit_before: list[tuple[Any, ...]]
    audit_after: list[tuple[Any, ...]]
    token_rows: list[tuple[Any, ...]]
    token: str
    routes: set[tuple[str, str]]


def audit_rows(rt: Runtime) -> list[tuple[Any, ...]]:
    with rt.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM audit_event ORDER BY id"))]


def api_routes(routes: list[Any]) -> Iterator[tuple[str, str]]:
    for r in routes:
        if isinstance(r, APIRoute):
            yield from ((m, r.path) for m in r.methods)
        elif hasattr(r, "original_router"):  # FastAPI's included routers
            yield from api_routes(r.original_router.routes)


@pytest.fixture(scope="module")
def run(subset_records: list[EntryRecord]) -> Iterator[Run]:
    pytest.importorskip("schemathesis")
    with throwaway_runtime(subset_records[:60]) as rt:
        token = rt.tokens.create(name="fuzz-admin", role="admin", created_by="tests")
        rt.tokens.create(name="someone-else", role="editor", created_by="tests")
        keep = rt.tokens.authenticate(token).token_id
        before = audit_rows(rt)
        app = create_app(rt.settings, runtime=rt)
        report = fuzz(app, {"Authorization": f"Bearer {token}"}, cases=300, seed=1, keep_token_id=keep)
        with rt.engine.connect() as conn:
            tokens = [tuple(r) for r in conn.execute(text("SELECT * FROM api_token"))]
        routes = set(api_routes(app.routes))
        yield Run(report, before, audit_rows(rt), tokens, token, routes)


def test_generated_requests_get_no_5xx_and_match_the_schema(run: Run) -> None:
    report = run.report
    assert report.cases >= 300 and len(report.by_operation) >= 30, report.as_dict()
    assert report.server_errors == 0, report.failures[:5]
    assert not report.violations, report.violations[:5]
    assert sum(n for s, n in report.by_status.items() if s < 300) > 50, "routes were exercised past auth"
    assert report.by_status.get(401, 0) == 0, "the admin token stayed valid throughout"


def test_no_route_edits_the_audit_log(run: Run) -> None:
    audit_routes = {(m, p) for (m, p), perm in ROUTE_PERMISSIONS.items() if perm == Permission.audit}
    assert audit_routes == {("GET", "/v1/audit")}
    assert {(m, p) for m, p in run.routes if "audit" in p} == {("GET", "/v1/audit")}
    # the fuzzer's edits, imports, drafts and token changes append audit rows and change none
    assert len(run.audit_after) > len(run.audit_before), "the run did audited things"
    assert run.audit_after[: len(run.audit_before)] == run.audit_before
    ids = [row[0] for row in run.audit_after]
    assert ids == sorted(set(ids))


def test_tokens_stay_hashed_through_the_api(run: Run) -> None:
    """POST /v1/tokens was called by the fuzzer too: still no plain token in any stored row."""
    stored = repr(run.token_rows) + repr(run.audit_after)
    assert len(run.token_rows) > 2, "the fuzzer created tokens"
    assert run.token not in stored and not PLAIN_TOKEN.search(stored)
