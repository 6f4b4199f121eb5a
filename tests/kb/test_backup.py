"""Backup and restore keep the whole version history: backup → restore → backup gives the same bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.errors import ImportValidationError
from assistant.kb import repo
from assistant.kb.backup import RestoreRefused, read_backup, restore_backup, write_backup
from assistant.kb.db import make_engine, migrate, session_scope
from assistant.kb.models import EntryCreate, EntryUpdate
from assistant.types import EntryRecord

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_db(request, tmp_path):
    """A factory of fresh, migrated, empty databases of one kind (SQLite files or PostgreSQL databases)."""
    engines = []
    new_db = request.getfixturevalue("new_postgres_db") if request.param == "postgres" else None

    def make():  # type: ignore[no-untyped-def]
        url = f"sqlite:///{tmp_path / f'kb{len(engines)}.db'}" if new_db is None else new_db()
        engine = make_engine(url)
        migrate(engine)
        engines.append(engine)
        return engine, url

    yield make
    for e in engines:
        e.dispose()


def fill(engine, records: list[EntryRecord]) -> None:
    """Imported entries plus a history: edits by different authors, a retirement, a new entry."""
    repo.import_records(engine, records, "", author="import")
    a, b = records[0].entry_id, records[1].entry_id
    with session_scope(engine) as s:
        repo.update_entry(s, a, EntryUpdate(content="고친 본문 하나", contact="120"), expected_version=1,
                          author="김편집", note="연락처 정정")
    with session_scope(engine) as s:
        repo.update_entry(s, a, EntryUpdate(title="새 제목 \"따옴표\"\n줄바꿈"), expected_version=2,
                          author="editor2", note="제목 변경")
        repo.retire_entry(s, b, expected_version=1, author="김편집", note="폐지")
        repo.create_entry(s, EntryCreate(entry_id="new:1", title="새 항목", content="내용 🙂", scope="sigungu",
                                         sido="서울특별시", sigungu="강남구", tags=["a", "b"]), author="x")


def test_backup_restore_backup_is_identical(make_db, tmp_path, subset_records):
    source, _ = make_db()
    fill(source, subset_records)
    first = tmp_path / "one.jsonl"
    summary = write_backup(source, first)
    assert summary.versions == len(subset_records) + 4 and summary.entries == len(subset_records) + 1

    target, _ = make_db()
    restored = restore_backup(target, first)
    assert restored == summary
    second = tmp_path / "two.jsonl"
    write_backup(target, second)
    assert first.read_bytes() == second.read_bytes()

    with session_scope(target) as s:  # history, authors, notes, pointers and the KB version came back
        hist = repo.history(s, subset_records[0].entry_id)
        assert [(v.version, v.author, v.change_note) for v in hist][1:] == [
            (2, "김편집", "연락처 정정"), (3, "editor2", "제목 변경")]
        assert repo.get_entry(s, subset_records[1].entry_id).status == "retired"
        assert repo.kb_version(s) == summary.kb_version
        # the next edit continues after the restored versions
        v = repo.update_entry(s, "new:1", EntryUpdate(content="복원 뒤 수정"), expected_version=1, author="t")
        assert v.version == 2 and v.id == summary.kb_version + 1


def test_restore_refuses_a_database_that_is_not_empty(make_db, tmp_path, subset_records):
    source, _ = make_db()
    fill(source, subset_records[:5])
    path = tmp_path / "b.jsonl"
    write_backup(source, path)
    before = path.read_bytes()
    with pytest.raises(RestoreRefused, match="not empty"):
        restore_backup(source, path)
    write_backup(source, path)
    assert path.read_bytes() == before  # nothing changed


@pytest.mark.parametrize("damage, message", [
    (lambda lines: lines[:-1], "truncated"),
    (lambda lines: lines[:-2] + [lines[-1]], "altered or truncated"),
    (lambda lines: ["{not json"] + lines[1:], "not JSON"),
    (lambda lines: [lines[1]] + lines[1:], "header"),
])
def test_damaged_files_are_refused_before_anything_is_written(make_db, tmp_path, subset_records, damage, message):
    source, _ = make_db()
    fill(source, subset_records[:5])
    path = tmp_path / "b.jsonl"
    write_backup(source, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(damage(lines)) + "\n", encoding="utf-8")
    target, _ = make_db()
    with pytest.raises(ImportValidationError, match=message):
        restore_backup(target, path)
    with session_scope(target) as s:
        assert repo.kb_version(s) == 0


def reseal(lines: list[str]) -> list[str]:
    """Recompute the footer, as a careless hand edit with a fixed-up checksum would."""
    import hashlib

    body = lines[:-1]
    h = hashlib.sha256()
    for line in body:
        h.update(line.encode() + b"\n")
    return body + [json.dumps({"kind": "footer", "lines": len(body), "sha256": h.hexdigest()})]


def test_content_and_numbering_are_checked_even_with_a_valid_footer(make_db, tmp_path, subset_records):
    source, _ = make_db()
    fill(source, subset_records[:5])
    path = tmp_path / "b.jsonl"
    write_backup(source, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    objs = [json.loads(x) for x in lines]
    v = next(i for i, o in enumerate(objs) if o["kind"] == "version")
    objs[v]["content"] = "바꿔치기"
    objs[v + 1]["scope"] = "galaxy"
    lines = [json.dumps(o, ensure_ascii=False) for o in objs]
    path.write_text("\n".join(reseal(lines)) + "\n", encoding="utf-8")
    with pytest.raises(ImportValidationError) as exc:
        read_backup(path)
    assert "content_hash" in str(exc.value) and "galaxy" in str(exc.value)


def test_cli_backup_and_restore(tmp_path, subset_records):
    src_url, dst_url = f"sqlite:///{tmp_path / 'src.db'}", f"sqlite:///{tmp_path / 'dst.db'}"
    engine = make_engine(src_url)
    migrate(engine)
    fill(engine, subset_records[:5])
    engine.dispose()

    def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": url, "ASSISTANT_INDEX_DIR": str(tmp_path / "index"),
               "ASSISTANT_EMBEDDING_CACHE_DIR": str(tmp_path / "emb")}
        return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    out = cli(src_url, "kb", "backup", str(tmp_path / "b.jsonl"))
    assert out.returncode == 0, out.stderr
    assert "6 entries" in out.stdout
    out = cli(src_url, "kb", "restore", str(tmp_path / "b.jsonl"))
    assert out.returncode == 2 and "not empty" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    out = cli(dst_url, "kb", "restore", str(tmp_path / "missing.jsonl"))
    assert out.returncode == 2 and "missing.jsonl" in out.stderr
    out = cli(dst_url, "kb", "restore", str(tmp_path / "b.jsonl"))
    assert out.returncode == 0, out.stderr
    assert cli(dst_url, "kb", "backup", str(tmp_path / "c.jsonl")).returncode == 0
    assert (tmp_path / "b.jsonl").read_bytes() == (tmp_path / "c.jsonl").read_bytes()
