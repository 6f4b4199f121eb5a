"""Security tests run on runtimes of their own (a throwaway SQLite database and index in
a temporary folder), so edits, injected entries and recorded suggestions never touch the shared
``built_runtime``; the LLM is a real OpenAI-compatible server on 127.0.0.1 whose replies a test sets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.kb.repo import import_records
from assistant.runtime import Runtime
from assistant.types import EntryRecord
from tests.conftest import make_settings
from tests.fakes.openai_chat import FakeChatServer


class Model:
    """The LLM's behaviour, switchable per test: a function of the request body returning the reply."""

    def __init__(self) -> None:
        self.behaviour: Callable[[dict[str, Any]], str] = lambda body: "안내 드립니다[1]."

    def __call__(self, body: dict[str, Any]) -> str:
        return self.behaviour(body)


def user_message(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


def first_source_sentence(body: dict[str, Any]) -> str:
    """The first sentence of source 1 as the prompt shows it: what an honest model would quote."""
    m = re.search(r'<source n="1"[^>]*>\n제목: [^\n]*\n(.+?)(?:[.!?。]|\n|$)', user_message(body), re.S)
    return m.group(1).strip() if m else ""


@pytest.fixture(scope="package")
def model() -> Model:
    return Model()


@pytest.fixture(scope="package")
def chat(model: Model) -> Iterator[FakeChatServer]:
    with FakeChatServer(model) as server:
        yield server


def build_runtime(tmp: Path, records: list[EntryRecord], **overrides: object) -> Runtime:
    rt = Runtime(make_settings(tmp, sync_enabled=False, **overrides))
    import_records(rt.engine, records, "", author="test", dry_run=False, prune=False)
    rt.manager.rebuild()
    rt.start()
    return rt


@pytest.fixture(scope="package")
def llm_runtime(tmp_path_factory: pytest.TempPathFactory, subset_records: list[EntryRecord],
                chat: FakeChatServer) -> Runtime:
    """A throwaway runtime whose advisor tries the fake LLM first (no retries, short timeout)."""
    return build_runtime(tmp_path_factory.mktemp("security"), subset_records, llm_base_url=chat.base_url,
                         llm_model="fake-chat", llm_max_retries=0, llm_timeout=5.0, rate_limit_per_minute=0)


@pytest.fixture(scope="package")
def client(llm_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(llm_runtime.settings, runtime=llm_runtime)) as c:
        yield c
