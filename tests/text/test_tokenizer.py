import pytest

from assistant.text.tokenizer import KoreanTokenizer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tok():
    t = KoreanTokenizer()
    t.load()
    return t


def test_content_morphemes_without_particles_or_endings(tok):
    tokens = tok.tokenize("아버지가 치매 진단을 받으셨는데요")
    assert {"아버지", "치매", "진단"} <= set(tokens)
    assert not {"가", "을", "는데", "요"} & set(tokens)


def test_spacing_does_not_decide_the_match(tok):
    together = set(tok.tokenize("출산장려금"))
    apart = set(tok.tokenize("출산 장려금"))
    assert {"출산", "장려금"} <= together & apart
    assert "출산장려금" in together


def test_complex_words_are_split_and_kept_whole(tok):
    tokens = tok.tokenize("긴급복지지원")
    assert {"긴급", "복지", "지원", "긴급복지지원"} <= set(tokens)


def test_numbers_phone_numbers_and_foreign_words(tok):
    tokens = tok.tokenize("LPG 시설 문의 1544-4500, 25만 원")
    assert "lpg" in tokens and "1544-4500" in tokens and "25" in tokens


def test_english_stopwords_are_dropped(tok):
    assert tok.tokenize("how do I apply for the childbirth grant") == ["apply", "childbirth", "grant"]


def test_user_words_travel_with_the_config():
    t = KoreanTokenizer(user_words=[("다산콜", "NNP")])
    again = KoreanTokenizer.from_config(t.config())
    assert again.config() == t.config()
    assert "다산콜" in again.tokenize("다산콜 상담")


def test_batch_equals_one_by_one(tok):
    texts = ["기초연금 신청", "", "장애인 활동지원 서비스", "Visa 外国人"]
    assert tok.tokenize_many(texts) == [tok.tokenize(t) for t in texts]


def test_query_side_reads_chinese_characters_the_korean_way(tok):
    zh = tok.tokenize_query("孩子上托儿所，保育费可以申请补助吗")
    ja = tok.tokenize_query("外国人の子どもにも保育料の支援はありますか")
    assert {"보육", "신청"} <= set(zh)
    assert {"외국인", "보육료", "지원"} <= set(ja)
    assert tok.tokenize_query("기초연금 신청") == tok.tokenize("기초연금 신청")


def test_initial_sound_rule():
    from assistant.text.crosslingual import HanjaReader

    r = HanjaReader()
    assert r.runs("老人 女性 理由 料金") == ["노인", "여성", "이유", "요금"]


def test_user_dictionary_keeps_the_name_whole_and_adds_its_spaced_parts(tmp_path):
    from assistant.text.tokenizer import load_user_dictionary

    path = tmp_path / "u.tsv"
    path.write_text("# names\n다함께돌봄\t다함께 돌봄\n", encoding="utf-8")
    t = KoreanTokenizer(load_user_dictionary(path))
    glued, spaced = t.tokenize("다함께돌봄 신청"), t.tokenize("다함께 돌봄 신청")
    assert "다함께돌봄" in glued and (set(spaced) & set(glued)) - {"신청"}, (spaced, glued)
    assert KoreanTokenizer.from_config(t.config()).tokenize("다함께돌봄 신청") == glued


def test_malformed_user_dictionary_names_the_line(tmp_path):
    from assistant.errors import AssistantError
    from assistant.text.tokenizer import load_user_dictionary

    path = tmp_path / "u.tsv"
    path.write_text("ok\tok\nbroken-line-without-tab\n", encoding="utf-8")
    with pytest.raises(AssistantError, match="line 2"):
        load_user_dictionary(path)


def test_the_memo_of_recent_analyses_changes_no_result_and_stays_bounded():
    tok = KoreanTokenizer()
    texts = [f"{i}번째 질문: 기초연금 신청은 어디서 하나요" for i in range(tok.RECENT + 10)]
    first = [tok.tokenize(t) for t in texts]
    again = [tok.tokenize(t) for t in texts]  # the last RECENT from the memo, the rest analysed anew
    assert first == again
    assert len(tok._recent) == tok.RECENT
    tok.forget_recent()
    assert not tok._recent
    assert [tok.tokenize(t) for t in texts[:3]] == first[:3]
    assert tok.morphemes(texts[0]) >= {"기초", "연금", "신청"}
