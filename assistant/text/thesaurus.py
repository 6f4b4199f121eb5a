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
        # Each alternative filed under its first word: an alternative can fire only when that word is
        # present, so a question is checked against the few alternatives its words start, not all.
        self._by_first: dict[str, list[tuple[int, frozenset[str]]]] = {}
        for i, rule in enumerate(self.rules):
            for alt in rule.triggers:
                if alt:  # the file cannot write an empty alternative; one built by hand never fires
                    self._by_first.setdefault(alt[0], []).append((i, frozenset(alt)))
        self._words = frozenset(w for rule in self.rules for alt in rule.triggers for w in alt)
        self._longest = max((len(w) for w in self._words), default=0)

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
        present = self._present(question, question_morphemes)
        fired = sorted({i for w in present for i, alt in self._by_first.get(w, ()) if alt <= present})
        out: dict[str, None] = {}
        for i in fired:
            out.update(dict.fromkeys(self.rules[i].terms))
        return list(out)

    def _present(self, question: str, question_morphemes: set[str]) -> set[str]:
        """The rules' words the question has: as a morpheme, or (two syllables or more) inside its
        text with spaces removed. The text's substrings up to the longest word are looked up, rather
        than every word searched for in the text."""
        compact = "".join(question.split()).lower()
        found = {w for w in question_morphemes if w in self._words}
        for n in range(2, min(self._longest, len(compact)) + 1):
            found.update(w for i in range(len(compact) - n + 1) if (w := compact[i:i + n]) in self._words)
        return found
