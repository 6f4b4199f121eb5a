"""The thesaurus' index (alternatives filed under their first word, the text's substrings looked up)
must fire exactly the rules its definition does: every word of one alternative present, as a morpheme
or (two syllables or more) inside the question's text with spaces removed."""

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.config import ROOT
from assistant.text.thesaurus import Thesaurus

SHIPPED = Thesaurus.load(ROOT / "knowledge_base" / "thesaurus.tsv")
WORDS = sorted({w for r in SHIPPED.rules for alt in r.triggers for w in alt})


def by_definition(th: Thesaurus, question: str, morphemes: set[str]) -> list[str]:
    compact = "".join(question.split()).lower()

    def present(w: str) -> bool:
        return w in morphemes or (len(w) >= 2 and w in compact)

    out: dict[str, None] = {}
    for rule in th.rules:
        if any(all(present(w) for w in alt) for alt in rule.triggers):
            out.update(dict.fromkeys(rule.terms))
    return list(out)


pieces = st.one_of(st.sampled_from(WORDS), st.sampled_from([" ", "이", "요", "에서", "는데", "A", "b"]),
                   st.text(alphabet="가나다라마바사아자차카타파하 ", max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=12), st.lists(st.sampled_from(WORDS + ["이", "요"]), max_size=5))
def test_index_fires_what_the_definition_fires(parts, morphemes):
    question = "".join(parts)
    assert SHIPPED.expand(question, set(morphemes)) == by_definition(SHIPPED, question, set(morphemes))


def test_a_word_split_by_a_space_still_matches_and_one_syllable_needs_a_morpheme():
    th = Thesaurus.parse("잠잘 데\t청소년쉼터\n집 나오\t가출\n")
    assert th.expand("잠 잘 데 있어요", {"데"}) == ["청소년쉼터"]  # 잠잘 inside "잠잘데있어요"
    assert th.expand("잠 잘 데 있어요", set()) == []  # 데 is one syllable: only as a morpheme
    assert th.expand("집에서 나왔어요", {"나오"}) == []  # 집 is one syllable: the text alone does not count
    assert th.expand("집에서 나왔어요", {"집", "나오"}) == ["가출"]


def test_a_rule_built_by_hand_with_an_empty_alternative_never_fires():
    from assistant.text.thesaurus import Rule
    th = Thesaurus([Rule(((), ("잠",)), ("청소년쉼터",), 1)])
    assert th.expand("잠 잘 곳", {"잠"}) == ["청소년쉼터"]
    assert th.expand("다른 질문", {"다른"}) == []
