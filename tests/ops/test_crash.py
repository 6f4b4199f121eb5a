"""kill -9 during index builds, snapshot saves and imports, a few loops: nothing lost, nothing corrupt.

``python -m bench.crash_loop --loops 50`` runs the same loop longer and prints the figures."""

from __future__ import annotations

import pytest

from bench.crash_loop import crash_loop

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_killed_builds_saves_and_imports_lose_nothing_and_corrupt_nothing(tmp_path, subset_records):
    fig = crash_loop(tmp_path, subset_records, loops=3, seed=7, max_seconds=600)
    assert fig.loops == 3 and fig.committed_edits == 3
    assert fig.problems == []
    assert (fig.lost_edits, fig.corrupt_indexes, fig.stale_indexes, fig.torn_imports) == (0, 0, 0, 0)
    assert fig.leftovers_after_restart == 0 and fig.database_errors == 0 and fig.cache_errors == 0


def test_an_embedding_cache_cut_between_its_two_files_keeps_its_consistent_part(tmp_path):
    import numpy as np

    from assistant.index.cache import EmbeddingCache, _atomic_save

    class Fake:
        name, dim = "fake/4", 4

        def embed(self, texts, kind="passage"):  # type: ignore[no-untyped-def]
            return np.array([[len(t), 1, 2, 3] for t in texts], np.float32)

    cache = EmbeddingCache(tmp_path, Fake.name, Fake.dim)
    cache.embed(Fake(), ["가", "나나"])
    cache.embed(Fake(), ["다다다"], persist=False)
    # the crash: the longer vectors file was replaced, the keys file not yet
    _atomic_save(cache.dir / "vectors.npy", cache._vectors)
    again = EmbeddingCache(tmp_path, Fake.name, Fake.dim)
    assert len(again) == 2
    vecs, missing = again.get_many(["가", "나나", "다다다"])
    assert missing == [2] and vecs[1][0] == 2
