"""The one sentence splitter: what each of the three it replaced handled, and what Kiwi adds."""

import pytest

from assistant.text import tokenizer
from assistant.text.sentences import split_sentences

pytestmark = pytest.mark.integration  # Kiwi


# What the answer card and key facts split (stops followed by a space, line breaks, folded spaces)
def test_manual_lines_and_stops_end_sentences():
    assert split_sentences("요약입니다.  신청은\t방문으로 합니다!\n신청 방법: 방문\n\n담당 부서: 복지과") == [
        "요약입니다.", "신청은 방문으로 합니다!", "신청 방법: 방문", "담당 부서: 복지과"]


def test_one_character_fragments_are_dropped():
    assert split_sentences("가\n기초연금 안내입니다.\n?") == ["기초연금 안내입니다."]


# What the grounding check and its citations split
def test_answers_with_citations_and_other_stops():
    assert split_sentences("20만 원입니다[1]. 5만 원입니다[1].") == ["20만 원입니다[1].", "5만 원입니다[1]."]
    assert split_sentences("냉(冷)큼 달려갑니다! 쿨한 돌봄") == ["냉(冷)큼 달려갑니다!", "쿨한 돌봄"]
    assert split_sentences("신청하세요? 문의는 129。 Call 129. Then apply.") == [
        "신청하세요?", "문의는 129。", "Call 129.", "Then apply."]


# What chunking split: sentence ends without punctuation
def test_an_ending_without_punctuation_ends_a_sentence():
    assert split_sentences("매월 20만 원을 지원합니다 신청은 주민센터에서 합니다") == [
        "매월 20만 원을 지원합니다", "신청은 주민센터에서 합니다"]


def test_a_noun_ending_in_da_or_yo_does_not():  # the chunker's old rule cut after any 다 / 요
    assert split_sentences("필요 서류는 신분증입니다.") == ["필요 서류는 신분증입니다."]


# What Kiwi adds
def test_a_stop_without_a_space_after_a_sentence_ending():
    assert split_sentences("상담을 지원한다.아동학대 신고는 112로 한다.") == [
        "상담을 지원한다.", "아동학대 신고는 112로 한다."]


@pytest.mark.parametrize("text", [
    "기초생활수급자(생계.의료급여) 중 만65세 이상 노인에게 지원",
    "민.관이 협조체계를 구축하여 급식을 제공",
    "어린이집(민간？가정？협동) 이용 아동 지원",
])
def test_a_dot_between_nouns_is_not_a_sentence_end(text):
    assert split_sentences(text) == [text]


def test_a_list_number_stays_with_its_item():
    assert split_sentences("1. 장애정도 심사 결과가 미해당이어도 지원됩니다. 2. 이의신청은 지원이 안 됩니다.") == [
        "1. 장애정도 심사 결과가 미해당이어도 지원됩니다.", "2. 이의신청은 지원이 안 됩니다."]


@pytest.mark.parametrize("text", [
    "만 12세 이상 17세 이하 여성 청소년, 2005.1.1.~2011.12.31. 출생자가 해당한다.",
    "2022. 1. 1. 이후 출생한 셋째아 가정에 축하금을 지원합니다.",
    "조례(′24. 5. 16. 전부개정)에 따라 지급합니다.",
    "신청은 3. 15.까지 주민센터에서 합니다.",
])
def test_a_dotted_date_is_not_a_sentence_end(text):
    assert split_sentences(text) == [text]


def test_a_sentence_after_a_date_still_starts_after_the_stop():
    assert split_sentences("접수는 2024. 3. 2. 부터입니다. 신청은 방문으로 합니다. 1. 신분증") == [
        "접수는 2024. 3. 2. 부터입니다.", "신청은 방문으로 합니다.", "1. 신분증"]


def test_results_are_kept_and_callers_cannot_change_them():
    first = split_sentences("기초연금 안내입니다. 문의는 129입니다.")
    first.append("바뀜")
    assert split_sentences("기초연금 안내입니다. 문의는 129입니다.") == ["기초연금 안내입니다.", "문의는 129입니다."]


def test_the_tokenizers_kiwi_is_shared_not_loaded_again():
    tokenizer.KoreanTokenizer().load()
    loaded = dict(tokenizer._KIWI)
    split_sentences("공유 확인 문장입니다.")
    assert loaded == tokenizer._KIWI  # a model is ~400 MB: no second one for sentences
    assert any(tokenizer.shared_kiwi() is kiwi for kiwi, _ in loaded.values())
