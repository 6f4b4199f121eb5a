"""Shared fixtures: a small real subset of the shipped knowledge base, wired like production."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.config import ROOT, Settings
from assistant.kb import importers
from assistant.runtime import Runtime
from assistant.types import EntryRecord

SHIPPED = ROOT / "knowledge_base" / "entries.jsonl"
SHARED_DATA = ROOT.parent / "shared" / "data"


POSTGRES_ADMIN_URL = os.environ.get("ASSISTANT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A fresh database on the real PostgreSQL server, dropped afterwards; skipped when the server is not
    reachable, except under CI, where that is a failure."""
    psycopg = pytest.importorskip("psycopg")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the real PostgreSQL server for this test session, dropped afterwards."""
    with postgres_database("assistant_test") as url:
        yield url


@pytest.fixture()
def new_postgres_db(postgres_url: str) -> Iterator[Callable[[], str]]:
    """A factory of fresh databases on the real PostgreSQL server, each dropped after the test."""
    import psycopg

    admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    names: list[str] = []

    def make() -> str:
        name = f"assistant_own_{uuid.uuid4().hex[:10]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"

    try:
        yield make
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture()
def own_postgres_db(new_postgres_db: Callable[[], str]) -> str:
    """A database of this test's own on the real PostgreSQL server, dropped afterwards."""
    return new_postgres_db()


@pytest.fixture(scope="session")
def shipped_records() -> list[EntryRecord]:
    return importers.read_kb_jsonl(SHIPPED)


def pick_subset(records: list[EntryRecord]) -> list[EntryRecord]:
    """Same-named services across many regions, every '중구', some Seoul city entries, some national ones."""
    out: dict[str, EntryRecord] = {}
    for r in records:
        if r.title in ("출산장려금 지원",) or (r.sigungu == "중구") or r.title.startswith("출산축하금"):
            out[r.entry_id] = r
    seoul_city = [r for r in records if r.sido == "서울특별시" and not r.sigungu][:10]
    national = [r for r in records if r.entry_id.startswith("mohw:")][:25]
    gangnam = [r for r in records if r.sigungu == "강남구" and r.sido == "서울특별시"][:10]
    for r in seoul_city + national + gangnam:
        out[r.entry_id] = r
    return list(out.values())


@pytest.fixture(scope="session")
def subset_records(shipped_records: list[EntryRecord]) -> list[EntryRecord]:
    return pick_subset(shipped_records)


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings in ``tmp``; no evaluation runs after each edit unless a test asks (each is seconds of CPU)."""
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp / 'kb.db'}",
        "index_dir": tmp / "index",
        "embedding_cache_dir": tmp / "embeddings",
        "eval_on_change": False,
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


def indexed_runtime(settings: Settings, records: list[EntryRecord]) -> Runtime:
    """A runtime on ``settings`` whose knowledge base holds ``records``, imported and indexed (not started)."""
    from assistant.kb.repo import import_records

    rt = Runtime(settings)
    import_records(rt.engine, records, "", author="test", dry_run=False, prune=False)
    rt.manager.rebuild()
    return rt


def write_quick_eval(tmp: Path, records: list[EntryRecord], n: int = 3) -> dict[str, Path]:
    """An evaluation set of ``n`` Seoul entries asked by their titles and a gate any run passes, in ``tmp``:
    settings overrides under which a draft is scored in seconds."""
    picked = [r for r in records if r.sido == "서울특별시"][:n]
    queries = tmp / "queries.jsonl"
    queries.write_text("".join(json.dumps({"qid": f"q{i}", "question": r.title, "region": f"{r.sido} {r.sigungu}".strip(),
                                           "gold": [r.entry_id], "type": "direct", "lang": "ko"}, ensure_ascii=False) + "\n"
                               for i, r in enumerate(picked)), encoding="utf-8")
    gates = tmp / "gates.toml"
    gates.write_text('[min]\n"retrieval.overall.hit@1" = 0.0\n', encoding="utf-8")
    return {"eval_queries": queries, "eval_gates": gates}


@pytest.fixture(scope="session")
def built_runtime(tmp_path_factory: pytest.TempPathFactory, subset_records: list[EntryRecord]) -> Runtime:
    """A runtime over the subset, imported and indexed once per test session (read-only use!)."""
    rt = indexed_runtime(make_settings(tmp_path_factory.mktemp("rt")), subset_records)
    rt.start()
    return rt


@pytest.fixture()
def fresh_runtime(tmp_path: Path, subset_records: list[EntryRecord]) -> Runtime:
    """A runtime of its own, for tests that edit."""
    rt = indexed_runtime(make_settings(tmp_path), subset_records)
    rt.start()
    return rt


def token_for(rt: Runtime, role: str, name: str | None = None) -> str:
    """A real API token of ``role`` on ``rt``'s database."""
    return rt.tokens.create(name=name or f"test-{role}-{uuid.uuid4().hex[:6]}", role=role, created_by="tests")


def auth_headers(rt: Runtime, role: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(rt, role)}"}
