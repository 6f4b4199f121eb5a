"""The situation thesaurus (상황어 사전): how callers put a need → the terms manuals use.

Rules live in ``knowledge_base/thesaurus.tsv`` (editors maintain it). A rule fires when all the
words of one of its trigger alternatives occur in the question, compared as morphemes, so
'때려요' and '때렸어요' both contain 때리; a word of two or more syllables also matches inside the
question's text with spaces removed ('잠잘 데' contains 잠). Firing only adds search terms.

>>> th = Thesaurus.parse("때리 남편|폭력 집\\t가정폭력 쉼터\\n")
>>> th.expand("남편이 때려요", {"남편", "이", "때리", "어요"})
['가정폭력', '쉼터']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.text.rules import parse_rule_lines


@dataclass(frozen=True)
class Rule:
    triggers: tuple[tuple[str, ...], ...]  # alternatives of words
    terms: tuple[str, ...]
    line: int


class Thesaurus:
    """Parsed rules; ``expand`` returns the extra terms for a question's morphemes."""

    def __init__(self, rules: Iterable[Rule] = (), digest: str = "") -> None:
        self.rules = list(rules)
        self.digest = digest

    @classmethod
    def parse(cls, text: str, where: str = "thesaurus") -> Thesaurus:
        rules, digest = parse_rule_lines(
            text, where, lambda lhs: tuple(tuple(a.split()) for a in lhs.split("|") if a.split()))
        return cls([Rule(alts, terms, line) for alts, terms, line in rules], digest)

    @classmethod
    def load(cls, path: Path) -> Thesaurus:
        if not path.exists():
            return cls()
        return cls.parse(path.read_text(encoding="utf-8"), str(path))

    def expand(self, question: str, question_morphemes: set[str]) -> list[str]:
        """Terms of every rule that fires, in rule order, without duplicates."""
        compact = "".join(question.split()).lower()

        def present(word: str) -> bool:
            return word in question_morphemes or (len(word) >= 2 and word in compact)

        out: dict[str, None] = {}
        for rule in self.rules:
            if any(all(present(w) for w in alt) for alt in rule.triggers):
                out.update(dict.fromkeys(rule.terms))
        return list(out)
