"""Durable and atomic writes (``assistant.files``): what a crash or a failed writer leaves behind."""

from __future__ import annotations

import stat
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.files import SavedCopy, replace_atomic, replace_folder, write_durable

pytestmark = pytest.mark.unit


def test_replace_leaves_the_new_content_and_no_temporary_file(tmp_path):
    target = tmp_path / "sub" / "CURRENT"
    replace_atomic(target, "kb1\n")
    replace_atomic(target, b"kb2\n")
    assert target.read_text() == "kb2\n"
    assert [p.name for p in target.parent.iterdir()] == ["CURRENT"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # readable by a service running as another user


def test_a_writer_that_fails_keeps_the_old_file_and_cleans_up(tmp_path):
    target = tmp_path / "vectors.npy"
    replace_atomic(target, lambda fh: np.save(fh, np.arange(3), allow_pickle=False), suffix=".tmp.npy")

    def broken(fh):
        fh.write(b"half of a file")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomic(target, broken, suffix=".tmp.npy")
    assert np.load(target).tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.npy"]


def test_concurrent_writers_each_leave_a_whole_file(tmp_path):
    target = tmp_path / "model.json"
    texts = [str(i) * 200_000 for i in range(8)]
    threads = [threading.Thread(target=replace_atomic, args=(target, t)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert target.read_text() in texts
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_mode_and_durable_write(tmp_path):
    replace_atomic(tmp_path / "secret", "x", mode=0o600)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
    write_durable(tmp_path / "entries.jsonl", "한글\n")
    assert (tmp_path / "entries.jsonl").read_text(encoding="utf-8") == "한글\n"


def test_a_folder_the_filesystem_cannot_flush_still_gets_the_file(tmp_path, monkeypatch):
    import errno
    import os

    import assistant.files as files

    real = files.sync_path

    def refuse_folders(path):
        if path.is_dir():
            raise OSError(errno.EINVAL, "Invalid argument")
        real(path)

    monkeypatch.setattr(files, "sync_path", refuse_folders)
    replace_atomic(tmp_path / "backup.jsonl", "{}\n")
    assert (tmp_path / "backup.jsonl").read_text() == "{}\n"

    def broken_disk(path):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(files, "sync_path", broken_disk)
    with pytest.raises(OSError, match="I/O error"):
        replace_atomic(tmp_path / "backup.jsonl", "{}\n")
    assert os.path.exists(tmp_path / "backup.jsonl")


def _model_folder(text):
    def fill(tmp):
        write_durable(tmp / "model.txt", text)
        write_durable(tmp / "model.json", text[:10])
    return fill


def test_a_folder_is_replaced_whole_and_stays_readable(tmp_path):
    target = tmp_path / "models" / "abc"
    replace_folder(target, _model_folder("one" * 10))
    replace_folder(target, _model_folder("two" * 10))
    assert sorted(p.name for p in target.iterdir()) == ["model.json", "model.txt"]
    assert (target / "model.txt").read_text() == "two" * 10
    assert [p.name for p in target.parent.iterdir()] == ["abc"]  # nothing aside, no temporary folder
    assert stat.S_IMODE(target.stat().st_mode) == 0o755  # a service of another user can read the model


def test_a_folder_writer_that_fails_keeps_the_old_folder_and_cleans_up(tmp_path):
    target = tmp_path / "abc"
    replace_folder(target, _model_folder("old" * 10))

    def broken(tmp):
        write_durable(tmp / "model.txt", "half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_folder(target, broken)
    assert (target / "model.txt").read_text() == "old" * 10
    assert [p.name for p in tmp_path.iterdir()] == ["abc"]


def test_concurrent_folder_writers_each_leave_a_whole_folder(tmp_path):
    target = tmp_path / "abc"
    texts = [str(i) * 100_000 for i in range(8)]
    with ThreadPoolExecutor(len(texts)) as pool:  # all at once; an error in any is raised here
        list(pool.map(lambda t: replace_folder(target, _model_folder(t)), texts))
    text = (target / "model.txt").read_text()
    assert text in texts and (target / "model.json").read_text() == text[:10]
    assert [p.name for p in tmp_path.iterdir()] == ["abc"]


def test_leftovers_finds_what_an_interrupted_folder_replacement_leaves(tmp_path, monkeypatch):
    import assistant.files as files

    target = tmp_path / "abc"
    replace_folder(target, _model_folder("old" * 10))
    monkeypatch.setattr(files.shutil, "rmtree", lambda *a, **k: None)  # a crash: nothing gets cleaned up

    def crash(tmp):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replace_folder(target, crash)
    replace_folder(target, _model_folder("new" * 10))  # the old folder is moved aside and never removed
    found = files.leftovers(tmp_path)
    assert sorted(p.suffix for p in found) == [".old", ".tmp"] and target not in found
    assert (target / "model.txt").read_text() == "new" * 10


def test_a_saved_copy_that_fails_to_write_is_written_by_the_next_save() -> None:
    written: list[dict[str, int]] = []
    rows = {"a": 1}
    saved = SavedCopy(threading.Lock())
    saved.dirty = True

    def failing(copy: dict[str, int]) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        saved.save(lambda: dict(rows), failing)
    assert saved.dirty
    saved.save(lambda: dict(rows), written.append)
    saved.save(lambda: dict(rows), written.append)
    assert written == [{"a": 1}] and not saved.dirty
