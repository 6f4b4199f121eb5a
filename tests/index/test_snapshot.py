import json
import time

import pytest

from assistant.errors import IndexNotReady
from assistant.index.snapshot import load_snapshot, read_manifest, save_snapshot
from assistant.kb import repo
from assistant.kb.db import session_scope
from assistant.kb.models import EntryCreate, EntryUpdate

pytestmark = pytest.mark.integration


def test_saved_snapshot_loads_identically(built_runtime, tmp_path):
    snap = built_runtime.manager.holder.snapshot
    save_snapshot(snap, tmp_path)
    loaded, tok = load_snapshot(tmp_path, built_runtime.embedder.name)
    assert loaded.manifest.kb_version == snap.manifest.kb_version
    assert [c.chunk_id for c in loaded.chunks] == [c.chunk_id for c in snap.chunks]
    assert loaded.tokens == snap.tokens
    assert tok.config() == built_runtime.manager.tokenizer.config()
    q = snap.dense.vectors()[0]
    assert loaded.dense.search(q, 3)[1].tolist() == snap.dense.search(q, 3)[1].tolist()


def test_manifest_mismatch_is_a_clear_error(built_runtime, tmp_path):
    save_snapshot(built_runtime.manager.holder.snapshot, tmp_path)
    with pytest.raises(IndexNotReady, match="assistant index build") as exc:
        load_snapshot(tmp_path, "some-other-embedder")
    assert "some-other-embedder" in str(exc.value)


def test_corrupt_or_missing_files_name_the_rebuild_command(built_runtime, tmp_path):
    folder = save_snapshot(built_runtime.manager.holder.snapshot, tmp_path)
    (folder / "tokens.json").write_text("[]", encoding="utf-8")
    with pytest.raises(IndexNotReady, match="corrupt.*assistant index build"):
        load_snapshot(tmp_path, built_runtime.embedder.name)
    (folder / "dense.faiss").unlink()
    with pytest.raises(IndexNotReady, match="missing"):
        load_snapshot(tmp_path, built_runtime.embedder.name)
    with pytest.raises(IndexNotReady, match="no index"):
        load_snapshot(tmp_path / "empty", built_runtime.embedder.name)


def test_old_snapshots_are_pruned_and_current_points_at_a_complete_one(built_runtime, tmp_path):
    for _ in range(5):
        save_snapshot(built_runtime.manager.holder.snapshot, tmp_path, keep=2)
    folders = [p for p in (tmp_path / "snapshots").iterdir() if p.name.startswith("kb")]
    assert len(folders) == 2
    folder, manifest = read_manifest(tmp_path)
    assert set(manifest["checksums"]) == {"entries.jsonl", "chunks.jsonl", "tokens.json", "dense.faiss"}


def test_a_save_that_fails_midway_keeps_the_current_snapshot_and_leaves_nothing(built_runtime, tmp_path,
                                                                               monkeypatch):
    snap = built_runtime.manager.holder.snapshot
    first = save_snapshot(snap, tmp_path)

    def disk_full(path):
        raise OSError("disk full")

    monkeypatch.setattr(snap.dense, "save", disk_full)
    with pytest.raises(OSError, match="disk full"):
        save_snapshot(snap, tmp_path)
    assert read_manifest(tmp_path)[0] == first
    assert [p.name for p in (tmp_path / "snapshots").iterdir()] == [first.name]  # no half-written folder


def test_edit_is_searchable_after_an_incremental_refresh(fresh_runtime):
    rt = fresh_runtime
    marker = "반려식물 돌봄 바우처"
    with session_scope(rt.engine) as s:
        repo.create_entry(s, EntryCreate(entry_id="test:new", title=marker, content=f"{marker}는 화분을 돌봐줍니다.",
                                         scope="sido", sido="서울특별시"), author="t")
    t0 = time.perf_counter()
    changed = rt.manager.refresh()
    elapsed = time.perf_counter() - t0
    assert changed == ["test:new"]
    assert rt.retriever.search(marker, region="서울특별시 강남구").hits[0].entry_id == "test:new"
    print(f"create→searchable {elapsed:.2f}s")

    target = next(e for e in rt.manager.holder.snapshot.entries.values() if e.sido == "서울특별시" and e.sigungu == "강남구")
    with session_scope(rt.engine) as s:
        repo.update_entry(s, target.entry_id, EntryUpdate(content="우주여행 상담 창구 운영"),
                          expected_version=target.version, author="t")
    rt.manager.refresh()
    top = rt.retriever.search("우주여행 상담", region="서울특별시 강남구").hits[0]
    assert (top.entry_id, top.version) == (target.entry_id, target.version + 1)

    with session_scope(rt.engine) as s:
        repo.retire_entry(s, "test:new", expected_version=1, author="t")
    rt.manager.refresh()
    assert "test:new" not in [h.entry_id for h in rt.retriever.search(marker, top_k=20).hits]


def test_incremental_equals_full_rebuild(fresh_runtime):
    rt = fresh_runtime
    entry = next(iter(rt.manager.holder.snapshot.entries.values()))
    with session_scope(rt.engine) as s:
        repo.update_entry(s, entry.entry_id, EntryUpdate(content=entry.content + " 추가 안내: 야간 상담 가능."),
                          expected_version=entry.version, author="t")
    rt.manager.refresh()
    inc = rt.manager.holder.snapshot
    q = ["야간", "상담", "출산", "장려금"]
    inc_scores = dict(zip((c.chunk_id for c in inc.chunks), inc.lexical.scores(q).tolist(), strict=True))
    full = rt.manager.rebuild()
    full_scores = dict(zip((c.chunk_id for c in full.chunks), full.lexical.scores(q).tolist(), strict=True))
    assert inc_scores.keys() == full_scores.keys()
    assert all(abs(inc_scores[k] - full_scores[k]) < 1e-5 for k in full_scores)
    assert json.dumps(sorted(inc.entries)) == json.dumps(sorted(full.entries))


def test_loading_catches_up_with_edits_made_while_it_was_down(fresh_runtime):
    from assistant.runtime import Runtime

    rt = fresh_runtime
    with session_scope(rt.engine) as s:
        repo.create_entry(s, EntryCreate(entry_id="test:late", title="야간 민원 전용 창구", content="야간 민원 전용 창구 안내",
                                         scope="national"), author="t")
    other = Runtime(rt.settings)
    other.start()
    assert other.retriever.search("야간 민원 전용 창구").hits[0].entry_id == "test:late"


def test_a_changed_user_dictionary_refuses_the_old_index(fresh_runtime):
    from assistant.index.manager import IndexManager

    rt = fresh_runtime
    other = IndexManager(rt.engine, rt.settings.index_dir, rt.embedder, rt.cache, user_words=[("새이름", "NNP", "새 이름")])
    with pytest.raises(IndexNotReady, match="user dictionary.*assistant index build"):
        other.load()
