"""The model store: kept versions, the active pointer, and trainings that add models at the same time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from assistant.rank.features import FEATURES
from assistant.rank.model import RankModel
from assistant.rank.store import ModelStore
from assistant.rank.training import Example, Group, fit

pytestmark = pytest.mark.unit


def tiny_model(seed: int) -> RankModel:
    """A real LightGBM ranker on random candidates: a different model for each seed."""
    rng = np.random.default_rng(seed)
    groups = []
    for i in range(30):
        X = rng.random((8, len(FEATURES)))
        y = np.zeros(8, dtype=np.float32)
        y[int(np.argmax(X[:, 0] + 0.1 * rng.random(8)))] = 1.0
        groups.append(Group(Example(f"q{i}", "질문", None, ("e",)), [f"e{j}" for j in range(8)], X, y))
    return fit(groups, params={"seed": seed, "min_data_in_leaf": 5}, rounds=5)


def test_models_added_at_once_are_all_kept_whole(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "rank")
    models = [tiny_model(s) for s in (1, 2, 3, 1)]  # the last is the first again: one version
    with ThreadPoolExecutor(len(models)) as pool:  # all at once; an error in any is raised here
        versions = list(pool.map(store.add, models))
    assert len(set(versions)) == 3
    X = np.random.default_rng(0).random((5, len(FEATURES)))
    for m in models:
        again = store.load(m.version)
        assert again.version == m.version and np.allclose(again.score(X), m.score(X))
    kept = sorted(p.name for p in (tmp_path / "rank" / "models").iterdir())
    assert kept == sorted(set(versions))  # no temporary or half-written folder left


def test_adding_a_kept_version_again_changes_nothing(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "rank")
    m = tiny_model(7)
    v = store.add(m)
    folder = tmp_path / "rank" / "models" / v
    before = (folder / "model.txt").stat().st_mtime_ns
    assert store.add(tiny_model(7)) == v
    assert (folder / "model.txt").stat().st_mtime_ns == before
    store.activate(v, actor="qa", detail={})
    assert store.active().version == v and store.history()[-1]["version"] == v


def test_a_crashed_saves_folder_is_swept_once_stale_and_one_in_progress_is_kept(tmp_path: Path) -> None:
    import os
    import time

    store = ModelStore(tmp_path / "rank")
    models = tmp_path / "rank" / "models"
    dead, busy = models / ".abc123.x1.tmp", models / ".def456.x2.tmp"
    for folder in (dead, busy):
        folder.mkdir(parents=True)
        (folder / "model.txt").write_text("half")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(dead, (two_days_ago, two_days_ago))
    v = store.add(tiny_model(5))
    assert sorted(p.name for p in models.iterdir()) == sorted([v, busy.name])
    assert store.load(v).version == v
