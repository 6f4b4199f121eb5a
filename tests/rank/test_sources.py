"""Learning from use: the service's own records become labelled examples."""

from __future__ import annotations

import pytest

from assistant.feedback.models import FeedbackKind, FeedbackReason
from assistant.rank.sources import examples_from_records
from assistant.runtime import Runtime

pytestmark = pytest.mark.integration


def test_copied_and_thumbs_up_are_positives_and_a_wrong_entry_never_is(fresh_runtime: Runtime) -> None:
    rt = fresh_runtime
    fb = rt.feedback
    answer = rt.advisor.advise("출산장려금 신청은 어디서 해요 010-1234-5678", "서울특별시 중구")
    first, second = answer.hits[0].entry_id, answer.hits[1].entry_id
    liked = fb.record_suggestion(answer, question="출산장려금 신청은 어디서 해요 010-1234-5678",
                                 region="서울특별시 중구", actor="c1")
    fb.add(liked, FeedbackKind.copied, actor="c1", entry_id=first)
    fb.add(liked, FeedbackKind.thumbs_down, actor="c1", entry_id=second, reason=FeedbackReason.wrong_entry)
    wrong = fb.record_suggestion(answer, question="다른 질문", region="", actor="c2")
    fb.add(wrong, FeedbackKind.thumbs_up, actor="c2", entry_id=second)
    fb.add(wrong, FeedbackKind.thumbs_down, actor="c3", entry_id=second, reason=FeedbackReason.wrong_entry)
    shown = fb.record_suggestion(answer, question="보기만 한 질문", region="", actor="c4")
    fb.add(shown, FeedbackKind.displayed, actor="c4")

    examples = {ex.qid: ex for ex in examples_from_records(rt.engine)}
    ex = examples[f"suggestion-{liked}"]
    assert ex.positives == (first,) and ex.negatives == (second,) and ex.region == "서울특별시 중구"
    assert "010-1234-5678" not in ex.question  # learned from the masked question, as it was searched
    assert f"suggestion-{wrong}" not in examples  # 👍 and 👎 'wrong entry' on one entry: not a positive
    assert f"suggestion-{shown}" not in examples  # shown is not chosen
