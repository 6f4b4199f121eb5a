"""Inputs PostgreSQL refuses where SQLite does not (a NUL character in text) and ids beyond any integer
column: bad input (422) or not found (404), never a 500, on the real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.types import EntryRecord
from tests.conftest import token_for
from tests.security.conftest import build_runtime

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_nul_characters_and_huge_ids_are_client_errors(tmp_path: Path, own_postgres_db: str,
                                                       subset_records: list[EntryRecord]) -> None:
    rt = build_runtime(tmp_path, subset_records[:20], database_url=own_postgres_db, rate_limit_per_minute=0)
    try:
        h = {"Authorization": f"Bearer {token_for(rt, 'admin')}"}
        with TestClient(create_app(rt.settings, runtime=rt)) as client:
            advice = client.post("/v1/advise", json={"question": "기초연금 신청"}, headers=h)
            assert advice.status_code == 200
            sid = advice.json()["suggestion_id"]
            call_id = client.post("/v1/calls", json={}, headers=h).json()["call_id"]
            requests = [
                ("POST", "/v1/advise", {"json": {"question": "기초연금\x00 신청"}}),
                ("POST", "/v1/feedback", {"json": {"suggestion_id": sid, "kind": "thumbs_down", "comment": "a\x00b"}}),
                ("POST", f"/v1/calls/{call_id}/transfer", {"json": {"to": "kim\x00"}}),
                ("POST", "/v1/tokens", {"json": {"name": "x\x00y", "role": "qa"}}),
                ("GET", f"/v1/evals/{10**30}", {}),
                ("GET", f"/v1/drafts/{2**40}", {}),
                ("DELETE", f"/v1/tokens/{2**63}", {}),
                ("POST", "/v1/feedback", {"json": {"suggestion_id": 2**70, "kind": "clicked"}}),
                ("GET", "/v1/entries/x", {"params": {"version": 2**40}}),
                ("GET", "/v1/audit", {"params": {"offset": 2**70}}),
            ]
            for method, path, kw in requests:
                r = client.request(method, path, headers=h, **kw)
                assert r.status_code < 500, (method, path, r.status_code, r.text)
                if r.status_code >= 400:
                    assert r.json()["error"]["code"], r.text
    finally:
        rt.stop_background()
        rt.engine.dispose()
