"""The cross-language glossary: English and Vietnamese caller words → Korean manual terms."""

import pytest

from assistant.config import ROOT
from assistant.errors import AssistantError
from assistant.text.crosslingual import Glossary

pytestmark = pytest.mark.unit


def test_words_match_on_boundaries_and_prefixes_whatever_the_case():
    g = Glossary.parse("rent\t월세\npregnan*\t임신\n")
    assert g.expand("I can't pay the RENT") == ["월세"]
    assert g.expand("My parents are current residents") == [], "'rent' inside another word does not fire"
    assert g.expand("I am Pregnant") == g.expand("during pregnancy") == ["임신"]


def test_phrases_need_their_words_in_order_and_vietnamese_diacritics_count():
    g = Glossary.parse("health insurance\t건강보험\nmang thai|có thai\t임신\nbảo hiểm y tế\t건강보험\n")
    assert g.expand("no health insurance") == ["건강보험"]
    assert g.expand("insurance for my health") == []
    assert g.expand("Tôi đang mang thai 7 tháng") == ["임신"]
    assert g.expand("Tôi không có bảo hiểm y tế") == ["건강보험"]
    assert g.expand("Tôi mang theo thai") == []


def test_terms_come_once_each_in_rule_order():
    g = Glossary.parse("baby|newborn\t아기 신생아\ninfant\t신생아 영아\n")
    assert g.expand("a newborn baby, an infant") == ["아기", "신생아", "영아"]


def test_a_malformed_line_is_a_clear_error_naming_it():
    with pytest.raises(AssistantError, match="line 2"):
        Glossary.parse("# comment\nno tab here\n")
    with pytest.raises(AssistantError, match="empty"):
        Glossary.parse("!!!\t월세\n")


def test_the_shipped_glossary_parses_and_has_english_and_vietnamese_rules():
    g = Glossary.load(ROOT / "knowledge_base" / "glossary.tsv")
    assert len(g.rules) > 50 and g.digest
    assert "임신" in g.expand("I'm pregnant") and "임신" in g.expand("Tôi đang mang thai")
    assert Glossary.load(ROOT / "missing.tsv").rules == []


def _naive_expand(g: Glossary, question: str) -> list[str]:
    """The glossary's meaning spelled out: every rule, every phrase, every starting word."""
    import re

    words = [w.lower() for w in re.findall(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", question)]

    def at(phrase: tuple[str, ...], i: int) -> bool:
        return i + len(phrase) <= len(words) and all(
            w.startswith(p[:-1]) if p.endswith("*") else w == p for p, w in zip(phrase, words[i:], strict=False))

    out: dict[str, None] = {}
    for rule in g.rules:
        if any(at(p, i) for p in rule.phrases for i in range(len(words))):
            out.update(dict.fromkeys(rule.terms))
    return list(out)


def test_the_indexed_lookup_finds_what_checking_every_rule_at_every_word_finds():
    import random

    g = Glossary.load(ROOT / "knowledge_base" / "glossary.tsv")
    vocab = sorted({w.rstrip("*") for rule in g.rules for p in rule.phrases for w in p} | {"the", "my", "rent"})
    rnd = random.Random(7)
    for _ in range(1500):
        q = " ".join(rnd.choice(vocab) + rnd.choice(["", "s", "ing", "ed", "-care"]) for _ in range(rnd.randint(1, 10)))
        assert g.expand(q) == _naive_expand(g, q), q
