"""A database outage on the real PostgreSQL: search and advice keep working from the loaded index,
edits get 503 and write nothing, /readyz says what is down, and everything resumes afterwards."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.kb.repo import import_records
from assistant.runtime import Runtime
from tests.conftest import POSTGRES_ADMIN_URL, make_settings, token_for

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


@pytest.fixture()
def outage_db(postgres_url):
    """A database of this test's own, and a switch that takes it away and brings it back."""
    import psycopg

    name = f"assistant_outage_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]

    class Switch:
        url = f"{base}/{name}"

        def down(self) -> None:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{name}_down"')

        def up(self) -> None:
            admin.execute(f'ALTER DATABASE "{name}_down" RENAME TO "{name}"')

    try:
        yield Switch()
    finally:
        for n in (name, f"{name}_down"):
            admin.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
        admin.close()


def test_search_and_advice_survive_a_database_outage(tmp_path, outage_db, subset_records):
    settings = make_settings(tmp_path).model_copy(update={"database_url": outage_db.url, "sync_poll_seconds": 0.5})
    rt = Runtime(settings)
    import_records(rt.engine, subset_records, "", author="t", dry_run=False, prune=False)
    rt.manager.rebuild()
    counselor = {"Authorization": f"Bearer {token_for(rt, 'counselor')}"}
    editor = {"Authorization": f"Bearer {token_for(rt, 'editor')}"}
    with TestClient(create_app(settings, runtime=rt)) as client:
        entry = client.get("/v1/entries", params={"limit": 1}, headers=editor).json()["data"][0]
        assert client.post("/v1/search", json={"question": "출산장려금"}, headers=counselor).status_code == 200
        outage_db.down()
        try:
            r = client.post("/v1/search", json={"question": "출산장려금", "region": "서울특별시 중구"}, headers=counselor)
            assert r.status_code == 200 and r.json()["hits"]
            a = client.post("/v1/advise", json={"question": "출산장려금 얼마예요"}, headers=counselor)
            assert a.status_code == 200 and a.json()["answer"] and a.json()["suggestion_id"] is None
            assert any("기록되지 않았습니다" in n for n in a.json()["notices"])
            edit = client.patch(f"/v1/entries/{entry['entry_id']}", headers=editor,
                                json={"expected_version": entry["version"], "title": "장애 중 수정"})
            assert edit.status_code == 503 and edit.json()["error"]["code"] == "ServiceUnavailable"
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["index"] == "ok" and "unreachable" in ready.json()["checks"]["database"]
        finally:
            outage_db.up()
        after = client.get(f"/v1/entries/{entry['entry_id']}", headers=editor).json()
        assert (after["version"], after["title"]) == (entry["version"], entry["title"]), "the failed edit wrote nothing"
        ok = client.patch(f"/v1/entries/{entry['entry_id']}", headers=editor,
                          json={"expected_version": entry["version"], "title": "장애 후 수정"})
        assert ok.status_code == 200 and client.get("/readyz").status_code == 200
