"""The latent-terms experiment's features (``bench/latent_terms.py``): what they say about each candidate."""

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from bench.latent_terms import latent_columns


class FakeSparse:
    """Latent terms of a question: a fixed sparse vector."""

    def sparse(self, text: str) -> np.ndarray:
        return np.array([1.0, 0.0, 2.0, 0.0], np.float32)


@pytest.mark.unit
def test_latent_features_are_the_dot_its_share_of_the_best_and_its_rank_in_candidate_order():
    matrix = csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 2, 0]], np.float32))  # dots 0, 3, 4
    rows = {"a": 0, "b": 1, "c": 2}
    cols = latent_columns(FakeSparse(), matrix, rows, "질문", ["b", "a", "c"])
    assert cols.shape == (3, 3)
    assert cols[:, 0].tolist() == [3.0, 0.0, 4.0]
    assert cols[:, 1] == pytest.approx([0.75, 0.0, 1.0], abs=1e-5)
    assert cols[:, 2].tolist() == [1.0, 2.0, 0.0]
