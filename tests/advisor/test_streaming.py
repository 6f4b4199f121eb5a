"""Sentence-by-sentence grounding of a streamed answer decides exactly as the check of the whole text,
however the model's stream happens to be cut into pieces."""

import pytest

from assistant.advisor.grounding import check_grounding
from assistant.advisor.streaming import grounded_sentences, report_of

pytestmark = pytest.mark.unit

SOURCES = ["출산장려금은 첫째 10만 원을 지원합니다. 신청은 주민센터에서 합니다. 문의 120.",
           "기초연금은 만 65세 이상에게 지급합니다."]

ANSWERS = [
    "출산장려금은 첫째 10만 원을 지원합니다[1]. 신청은 주민센터에서 합니다[1].",
    # small models put the citation after the full stop: the whole-text check keeps such sentences
    "출산장려금은 첫째 10만 원을 지원합니다. [1] 신청은 주민센터에서 합니다. [1]",
    "출산장려금은 10만 원입니다.[1][2] 기초연금은 만 65세 이상입니다. [2] 문의는 120입니다. [1]",
    "지원금은 999만 원입니다. [1] 더 궁금하시면 문의하세요. 기초연금은 만 65세부터입니다[2].",
    "출산장려금 안내입니다[1]! 신청하세요[1]? 문의 120[1].",
]


def pieces(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


@pytest.mark.parametrize("answer", ANSWERS)
@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 1000])
def test_streamed_grounding_keeps_and_drops_what_the_whole_text_check_does(answer, size):
    whole, kept = check_grounding(answer, SOURCES)
    streamed, text = report_of(list(grounded_sentences(pieces(answer, size), SOURCES)))
    assert text == kept
    assert (streamed.sentences, streamed.supported, streamed.reasons) == (whole.sentences, whole.supported,
                                                                          whole.reasons)


def test_a_sentence_is_shown_before_the_stream_ends():
    produced: list[str] = []

    def stream():
        for p in ["출산장려금은 첫째 10만 원을 ", "지원합니다. [1] ", "신청은 주민센터", "에서 합니다. [1]"]:
            produced.append(p)
            yield p

    first = next(grounded_sentences(stream(), SOURCES))
    assert first.supported and first.sentence == "출산장려금은 첫째 10만 원을 지원합니다[1]."
    assert len(produced) < 4
