"""Fixtures the API tests share: a knowledge base and app of the module's own (module scope: each test
module edits its own), and clients with a counselor's and an editor's token. A module that needs other
wiring defines a fixture of the same name, which wins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.runtime import Runtime
from tests.conftest import auth_headers, indexed_runtime, make_settings


@pytest.fixture(scope="module")
def rt(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, subset_records) -> Runtime:
    return indexed_runtime(make_settings(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])),
                           subset_records)


@pytest.fixture(scope="module")
def app(rt: Runtime) -> Iterator[FastAPI]:
    app = create_app(rt.settings, runtime=rt)
    with TestClient(app):
        yield app


@pytest.fixture(scope="module")
def counselor(app: FastAPI, rt: Runtime) -> Iterator[TestClient]:
    with TestClient(app, headers=auth_headers(rt, "counselor")) as c:
        yield c


@pytest.fixture(scope="module")
def editor(app: FastAPI, rt: Runtime) -> Iterator[TestClient]:
    with TestClient(app, headers=auth_headers(rt, "editor")) as c:
        yield c
