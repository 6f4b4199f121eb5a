"""The index folder's write-lock key belongs to the folder, not to the path a replica mounts it at."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from sqlalchemy import text

from assistant.index.locking import index_write_lock, lock_key

pytestmark = pytest.mark.unit


def test_two_paths_to_one_folder_give_one_key_and_another_folder_another(tmp_path):
    shared = tmp_path / "volume" / "index"
    shared.mkdir(parents=True)
    (tmp_path / "replica-b").mkdir()
    other_path = tmp_path / "replica-b" / "index"
    other_path.symlink_to(shared, target_is_directory=True)
    assert lock_key(shared) == lock_key(other_path)
    other = tmp_path / "other-index"
    other.mkdir()
    assert lock_key(other) != lock_key(shared)


def test_the_key_stays_when_the_folder_is_mounted_somewhere_else(tmp_path):
    """A shared volume mounted at /app/var/index on one replica and /srv/index on another: the same
    folder under two unrelated paths (here: the folder moved)."""
    first = tmp_path / "app" / "var" / "index"
    first.mkdir(parents=True)
    key = lock_key(first)
    second = tmp_path / "srv" / "index"
    second.parent.mkdir()
    shutil.move(first, second)
    assert lock_key(second) == key


def test_replicas_creating_the_key_at_once_agree(tmp_path):
    folder = tmp_path / "index"
    folder.mkdir()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: lock_key(folder), range(32)))
    assert len(keys) == 1
    assert [p.name for p in folder.iterdir()] == [".lock-id"]  # no temporary file left behind


def test_a_bind_mount_of_the_folder_gives_the_same_key(tmp_path):
    source, mount = tmp_path / "volume", tmp_path / "mnt"
    source.mkdir()
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "--bind", str(source), str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("bind mounts need root and a kernel that allows them here")
    try:
        assert mount.resolve() != source.resolve()
        assert lock_key(mount) == lock_key(source)
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.postgres
@pytest.mark.integration
def test_a_replica_at_another_path_does_not_get_the_advisory_lock_while_one_holds_it(tmp_path, own_postgres_db):
    from assistant.kb.db import make_engine

    engine = make_engine(own_postgres_db)
    first = tmp_path / "a" / "index"
    first.mkdir(parents=True)
    lock_key(first)  # the folder's id exists before it is "mounted" elsewhere
    second = tmp_path / "b" / "index"
    second.parent.mkdir()
    second.symlink_to(first, target_is_directory=True)
    try:
        with index_write_lock(engine, first) as got, engine.connect() as other:
            assert got
            taken = other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(second)}).scalar()
            assert taken is False
    finally:
        engine.dispose()
