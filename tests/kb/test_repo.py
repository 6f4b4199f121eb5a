import pytest
from sqlmodel import select

from assistant.errors import EntryNotFound, VersionConflict
from assistant.kb import repo
from assistant.kb.db import make_engine, migrate, session_scope
from assistant.kb.models import EntryCreate, EntryUpdate, EntryVersion
from assistant.types import EntryRecord, Scope, Status

pytestmark = pytest.mark.unit


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    """Every repository test runs on SQLite and on the real PostgreSQL server."""
    if request.param == "sqlite":
        e = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    else:
        e = make_engine(request.getfixturevalue("postgres_url"))
        with e.begin() as conn:  # a clean schema per test, whatever tables migrations have added
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    migrate(e)
    yield e
    e.dispose()


def rec(entry_id="e1", content="본문", **kw):
    return EntryRecord(entry_id=entry_id, title=kw.pop("title", "제목"), content=content,
                       scope=kw.pop("scope", Scope.national), source=kw.pop("source", "src"), **kw)


def test_every_edit_appends_a_version_and_keeps_the_old_one(engine):
    with session_scope(engine) as s:
        repo.create_entry(s, EntryCreate(entry_id="e1", title="t", content="v1", scope="national"), author="a")
    with session_scope(engine) as s:
        v2 = repo.update_entry(s, "e1", EntryUpdate(content="v2"), expected_version=1, author="b", note="fix")
    assert v2.version == 2
    with session_scope(engine) as s:
        hist = repo.history(s, "e1")
        assert [v.content for v in hist] == ["v1", "v2"]
        assert [v.author for v in hist] == ["a", "b"]
        assert repo.get_entry(s, "e1").content == "v2"
        assert repo.get_version(s, "e1", 1).content == "v1"


def test_stale_version_is_a_conflict_and_changes_nothing(engine):
    with session_scope(engine) as s:
        repo.create_entry(s, EntryCreate(entry_id="e1", title="t", content="v1", scope="national"), author="a")
        repo.update_entry(s, "e1", EntryUpdate(content="v2"), expected_version=1, author="a")
    with pytest.raises(VersionConflict), session_scope(engine) as s:
        repo.update_entry(s, "e1", EntryUpdate(content="lost?"), expected_version=1, author="b")
    with session_scope(engine) as s:
        assert repo.get_entry(s, "e1").content == "v2"
        assert len(repo.history(s, "e1")) == 2


def test_unknown_entry(engine):
    with pytest.raises(EntryNotFound), session_scope(engine) as s:
        repo.get_entry(s, "nope")


def test_sync_is_idempotent_and_reports_changes(engine):
    records = [rec("a"), rec("b")]
    with session_scope(engine) as s:
        first = repo.sync_records(s, records, source="src", author="imp")
    assert sorted(first.added) == ["a", "b"]
    with session_scope(engine) as s:
        kb1 = repo.kb_version(s)
        again = repo.sync_records(s, records, source="src", author="imp")
        assert repo.kb_version(s) == kb1
    assert again.added == again.changed == [] and again.unchanged == 2
    with session_scope(engine) as s:
        rep = repo.sync_records(s, [rec("a", content="새 본문")], source="src", author="imp", prune=True)
    assert rep.changed == ["a"] and rep.removed == ["b"]
    with session_scope(engine) as s:
        assert repo.get_entry(s, "b").status == Status.retired
        assert [r.entry_id for r in repo.current_records(s)] == ["a"]


def test_dry_run_writes_nothing(engine):
    with session_scope(engine) as s:
        rep = repo.sync_records(s, [rec("a")], source="src", author="imp", dry_run=True)
        s.rollback()
    assert rep.added == ["a"]
    with session_scope(engine) as s:
        assert s.exec(select(EntryVersion)).first() is None


def test_prune_only_touches_its_own_source(engine):
    with session_scope(engine) as s:
        repo.sync_records(s, [rec("a", source="x")], source="x", author="i")
        repo.sync_records(s, [rec("b", source="y")], source="y", author="i")
        rep = repo.sync_records(s, [], source="x", author="i", prune=True)
    assert rep.removed == ["a"]


def test_changed_since_lists_entries_edited_after_a_kb_version(engine):
    with session_scope(engine) as s:
        repo.sync_records(s, [rec("a"), rec("b")], source="src", author="i")
        v = repo.kb_version(s)
        repo.update_entry(s, "b", EntryUpdate(title="새 제목"), expected_version=1, author="i")
        assert repo.changed_since(s, v) == ["b"]
