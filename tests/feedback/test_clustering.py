import pytest

from assistant.feedback.service import cluster_questions

pytestmark = pytest.mark.unit


def test_questions_sharing_content_words_group_together_in_order():
    items = [("a", {"여권", "재발급"}), ("b", {"운전", "면허"}), ("c", {"여권", "재발급", "방법"}), ("d", set())]
    assert cluster_questions(items) == [[0, 2], [1], [3]]


def test_inputs_are_not_mutated_and_empty_input_is_empty():
    items = [("a", {"x"}), ("b", {"x", "y"})]
    before = [(q, set(w)) for q, w in items]
    cluster_questions(items)
    assert items == before and cluster_questions([]) == []
