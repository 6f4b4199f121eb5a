"""A served knowledge base per test module, on SQLite and on the real PostgreSQL server, with a client per role:
the trends and 현행화 tests read what the service itself stored while answering."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.runtime import Runtime
from assistant.types import EntryRecord
from tests.conftest import auth_headers, indexed_runtime, make_settings, postgres_database


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the module's own: SQLite, or a fresh one on the PostgreSQL server (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'kb.db'}"
        return
    with postgres_database("assistant_ops") as url:
        yield url


@pytest.fixture(scope="module")
def rt(database_url: str, tmp_path_factory: pytest.TempPathFactory, subset_records: list[EntryRecord]) -> Iterator[Runtime]:
    rt = indexed_runtime(make_settings(tmp_path_factory.mktemp("ops"), database_url=database_url), subset_records)
    yield rt
    rt.engine.dispose()


@pytest.fixture(scope="module")
def app(rt: Runtime) -> Iterator[FastAPI]:
    app = create_app(rt.settings, runtime=rt)
    with TestClient(app):
        yield app


def client(app: FastAPI, rt: Runtime, role: str) -> Iterator[TestClient]:
    with TestClient(app, headers=auth_headers(rt, role)) as c:
        yield c


@pytest.fixture(scope="module")
def counselor(app: FastAPI, rt: Runtime) -> Iterator[TestClient]:
    yield from client(app, rt, "counselor")


@pytest.fixture(scope="module")
def supervisor(app: FastAPI, rt: Runtime) -> Iterator[TestClient]:
    yield from client(app, rt, "supervisor")


@pytest.fixture(scope="module")
def editor(app: FastAPI, rt: Runtime) -> Iterator[TestClient]:
    yield from client(app, rt, "editor")
