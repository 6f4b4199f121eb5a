import pytest

from assistant.config import ROOT
from assistant.errors import AssistantError
from assistant.text.thesaurus import Thesaurus
from assistant.text.tokenizer import KoreanTokenizer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tok():
    return KoreanTokenizer()


def expand(th, tok, q):
    return th.expand(q, tok.morphemes(q))


def test_conjugated_verbs_and_compact_text_trigger_rules(tok):
    th = Thesaurus.parse("때리 남편\t가정폭력 쉼터\n잠잘 데\t청소년쉼터\n")
    assert expand(th, tok, "남편이 술만 마시면 때려요") == ["가정폭력", "쉼터"]
    assert expand(th, tok, "남편이 때렸어요") == ["가정폭력", "쉼터"]
    assert expand(th, tok, "잠잘 데 있어요?") == ["청소년쉼터"]
    assert expand(th, tok, "남편이 도와줘요") == []


def test_every_word_of_an_alternative_must_occur(tok):
    th = Thesaurus.parse("다치 공장|다치 회사\t산업재해\n")
    assert expand(th, tok, "공장에서 다쳤어요") == ["산업재해"]
    assert expand(th, tok, "넘어져서 다쳤어요") == []


def test_malformed_rules_are_reported_with_line_numbers():
    with pytest.raises(AssistantError, match="line 2"):
        Thesaurus.parse("# comment\nno tab here\n")


def test_shipped_thesaurus_parses():
    th = Thesaurus.load(ROOT / "knowledge_base" / "thesaurus.tsv")
    assert len(th.rules) > 50 and th.digest


def test_thesaurus_terms_reach_bm25(built_runtime):
    from assistant.retrieval.hybrid import HybridRetriever

    r = built_runtime.retriever
    plain = HybridRetriever(r.holder, r.embedder, r.regions, r.tokenizer, Thesaurus())
    rich = HybridRetriever(r.holder, r.embedder, r.regions, r.tokenizer,
                           Thesaurus.parse("우주선\t출산장려금\n"))
    q = "우주선 타고 싶어요"
    assert not any("출산" in h.title for h in plain.search(q, mode="lexical").hits)
    assert "출산" in rich.search(q, mode="lexical").hits[0].title
