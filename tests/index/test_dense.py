import threading

import faiss
import numpy as np
import pytest

from assistant.index.dense import DenseIndex

pytestmark = pytest.mark.unit


def test_a_search_runs_on_one_thread_whichever_thread_calls_it():
    """Request threads search one query each: FAISS's OpenMP team would only spin on shared cores."""
    d = DenseIndex(4).build(np.eye(4, dtype=np.float32), np.arange(4))
    seen: list[tuple[list[int], int]] = []

    def search() -> None:
        _, ids = d.search(np.eye(4, dtype=np.float32)[2], 1)
        seen.append((ids.tolist(), faiss.omp_get_max_threads()))

    t = threading.Thread(target=search)
    t.start()
    t.join(30)
    assert seen == [([2], 1)]
