"""Replicas sharing one database keep their in-memory indexes in step (LISTEN/NOTIFY, polling)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from assistant.index.locking import index_write_lock
from assistant.index.snapshot import read_manifest
from assistant.index.sync import KbWatcher
from assistant.kb import repo
from assistant.kb.db import session_scope
from assistant.kb.models import EntryUpdate
from assistant.kb.repo import import_records
from assistant.runtime import Runtime
from assistant.types import EntryRecord
from tests.conftest import POSTGRES_ADMIN_URL, make_settings

pytestmark = pytest.mark.integration
DEADLINE = 5.0


def replica(tmp: Path, name: str, database_url: str, **settings: object) -> Runtime:
    """A runtime with its own index folder (like a container) on a shared database."""
    s = make_settings(tmp / name, **settings).model_copy(update={"database_url": database_url})
    return Runtime(s)


def two_replicas(tmp: Path, database_url: str, records: list[EntryRecord],
                 **second: object) -> tuple[Runtime, Runtime]:
    a = replica(tmp, "a", database_url, sync_enabled=False)
    import_records(a.engine, records, "", author="test")
    a.manager.rebuild()
    a.start()
    b = replica(tmp, "b", database_url, **second)
    b.manager.rebuild()
    b.start()
    return a, b


def edit(rt: Runtime, entry_id: str, marker: str) -> int:
    with session_scope(rt.engine) as s:
        cur = repo.get_entry(s, entry_id)
        return repo.update_entry(s, entry_id, EntryUpdate(content=f"{cur.content}\n{marker}"),
                                 expected_version=cur.version, author="test").version


def seconds_until_found(rt: Runtime, marker: str, entry_id: str, version: int, deadline: float = DEADLINE) -> float:
    """Polls the replica's retriever until the edited entry comes back at its new version."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline:
        hits = rt.retriever.search(marker, top_k=5).hits
        if any(h.entry_id == entry_id and h.version == version for h in hits):
            return time.monotonic() - t0
        time.sleep(0.05)
    pytest.fail(f"edit of {entry_id} (v{version}) not found on the other replica within {deadline} s")


def national(records: list[EntryRecord]) -> str:
    return next(r.entry_id for r in records if r.entry_id.startswith("mohw:"))


@pytest.mark.postgres
def test_an_edit_through_one_replica_is_found_by_the_other_through_notify(tmp_path, own_postgres_db, subset_records):
    # polling every 60 s: only a NOTIFY can make the edit visible within the deadline
    a, b = two_replicas(tmp_path, own_postgres_db, subset_records, sync_poll_seconds=60.0)
    b.start_background()
    try:
        assert wait_for(lambda: b._watcher is not None and b._watcher.stats.listening)
        target = national(subset_records)
        for i in range(3):
            marker = f"복제본 알림 확인 SYNCNOTIFY{i}"
            version = edit(a, target, marker)
            seconds_until_found(b, marker, target, version)
        assert b._watcher is not None and b._watcher.stats.notifications >= 3
    finally:
        b.stop_background()


@pytest.mark.postgres
def test_polling_catches_an_edit_when_notify_is_unavailable(tmp_path, own_postgres_db, subset_records, monkeypatch):
    a, b = two_replicas(tmp_path, own_postgres_db, subset_records, sync_listen=False, sync_poll_seconds=0.5)
    # the writer does not announce either: nothing but the poll can find the change
    monkeypatch.setattr("assistant.kb.changes.announce_change", lambda session, kb_version=None: None)
    b.start_background()
    try:
        target = national(subset_records)
        version = edit(a, target, "복제본 폴링 확인 SYNCPOLL")
        seconds_until_found(b, "복제본 폴링 확인 SYNCPOLL", target, version)
        assert b._watcher is not None and b._watcher.stats.notifications == 0
    finally:
        b.stop_background()


@pytest.mark.postgres
def test_the_listener_reconnects_after_its_connection_is_killed(tmp_path, own_postgres_db, subset_records):
    import psycopg

    a, b = two_replicas(tmp_path, own_postgres_db, subset_records, sync_poll_seconds=60.0)
    b.start_background()
    try:
        watcher = b._watcher
        assert watcher is not None and wait_for(lambda: watcher.stats.listening)
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND query ILIKE 'LISTEN%%'", (own_postgres_db.rsplit("/", 1)[1],)).fetchone()
        assert killed and killed[0] >= 1
        target = national(subset_records)
        version = edit(a, target, "재접속 후 알림 SYNCRECONNECT")
        seconds_until_found(b, "재접속 후 알림 SYNCRECONNECT", target, version)
        assert wait_for(lambda: watcher.stats.listening) and watcher.stats.errors >= 1
        assert watcher.running
    finally:
        b.stop_background()


def test_sqlite_replicas_follow_each_other_by_polling(tmp_path, subset_records):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    a, b = two_replicas(tmp_path, url, subset_records, sync_poll_seconds=0.3)
    b.start_background()
    try:
        target = national(subset_records)
        version = edit(a, target, "복제본 SQLite 폴링 SYNCSQLITE")
        seconds_until_found(b, "복제본 SQLite 폴링 SYNCSQLITE", target, version)
    finally:
        b.stop_background()
    assert b._watcher is None


def test_the_watcher_survives_errors_and_stops_promptly(built_runtime, monkeypatch):
    calls = {"n": 0}

    def broken() -> list[str]:
        calls["n"] += 1
        raise RuntimeError("database went away")

    monkeypatch.setattr(built_runtime.manager, "catch_up", broken)
    w = KbWatcher(built_runtime.manager, poll_seconds=0.1, listen=False, save_seconds=0)
    w.start()
    try:
        assert wait_for(lambda: calls["n"] >= 3)
        assert w.running and w.stats.errors >= 3 and "went away" in w.stats.last_error
    finally:
        t0 = time.monotonic()
        w.stop()
        assert time.monotonic() - t0 < 2.0 and not w.running


def test_a_replica_without_the_write_lock_keeps_serving_and_saves_later(fresh_runtime):
    rt = fresh_runtime
    index_dir = rt.settings.index_dir
    before, _ = read_manifest(index_dir)
    edit(rt, national([rt.manager.holder.snapshot.entries[e] for e in rt.manager.holder.snapshot.entry_ids
                       if e.startswith("mohw:")]), "잠금 대기 SYNCLOCK")
    leftover = index_dir / "snapshots" / ".kb0000000001-1.tmp"
    leftover.mkdir()
    pointer = index_dir / ".CURRENT.x1y2z3.tmp"  # an interrupted replacement of CURRENT
    pointer.write_text("kb0000000001-1")
    with index_write_lock(rt.engine, index_dir) as got:
        assert got
        rt.manager.refresh()
        assert rt.manager.save() is None            # another writer holds it: nothing written
        assert read_manifest(index_dir)[0] == before
        assert leftover.exists() and pointer.exists()  # maybe someone's save in progress: left alone
    saved = rt.manager.save()
    assert saved is not None and read_manifest(index_dir)[0] == saved
    assert read_manifest(index_dir)[1]["kb_version"] == rt.manager.holder.snapshot.kb_version
    assert not leftover.exists() and not pointer.exists()


@pytest.mark.postgres
def test_kb_writers_are_serialised_so_versions_commit_in_order(tmp_path, own_postgres_db, subset_records):
    rt = replica(tmp_path, "a", own_postgres_db)
    import_records(rt.engine, subset_records[:5], "", author="test")
    first, second = subset_records[0].entry_id, subset_records[1].entry_id
    order: list[str] = []
    with session_scope(rt.engine) as s1:
        cur = repo.get_entry(s1, first)
        repo.update_entry(s1, first, EntryUpdate(content="첫 번째"), expected_version=cur.version, author="t")

        def other() -> None:
            with session_scope(rt.engine) as s2:
                cur2 = repo.get_entry(s2, second)
                repo.update_entry(s2, second, EntryUpdate(content="두 번째"), expected_version=cur2.version,
                                  author="t")
            order.append("second committed")

        t = threading.Thread(target=other)
        t.start()
        time.sleep(0.5)
        assert order == []  # waits for the first writer's commit
        order.append("first committing")
    t.join(10)
    assert order == ["first committing", "second committed"]
    with session_scope(rt.engine) as s:
        assert repo.get_entry(s, first).id < repo.get_entry(s, second).id  # type: ignore[operator]


def wait_for(cond, deadline: float = DEADLINE) -> bool:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return bool(cond())
