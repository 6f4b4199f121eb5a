"""Sino-Korean readings of Chinese characters, so Chinese and Japanese questions share words with
Korean manuals: 兒童保育費 → 아동보육비, 出産 → 출산, 生活費の支援 → 생활비 지원.

Most welfare vocabulary is Sino-Korean, so reading each character the Korean way recovers
words a Korean manual uses. Simplified characters are first mapped to traditional ones (OpenCC),
whose readings the Hanja table (Unihan-derived, ``hanja`` package) has; the first syllable of a
word follows the initial-sound rule (두음법칙: 老人 → 노인, 女性 → 여성).

>>> r = HanjaReader(); r.load()
>>> r.read("出産手当")
'출산수당'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.text.rules import parse_rule_lines
from assistant.text.scripts import IDEOGRAPH

IDEOGRAPH_RUN = re.compile(rf"[{IDEOGRAPH}]+")

_L, _V, _T = 0x1100, 21, 28  # jamo arithmetic on precomposed Hangul syllables


def _initial_sound_rule(syllable: str) -> str:
    code = ord(syllable) - 0xAC00
    if not 0 <= code < 11172:
        return syllable
    lead, vowel, tail = code // (_V * _T), (code // _T) % _V, code % _T
    # vowels ㅑ ㅕ ㅖ ㅛ ㅠ ㅣ (and ㅒ) take ㅇ in place of ㄹ or ㄴ; the others take ㄴ in place of ㄹ
    iotized = vowel in (2, 3, 6, 7, 12, 17, 20)
    if lead == 5:  # ㄹ
        lead = 11 if iotized else 2
    elif lead == 2 and iotized:  # ㄴ
        lead = 11
    return chr(0xAC00 + (lead * _V + vowel) * _T + tail)


class HanjaReader:
    """Reads runs of Chinese characters as Hangul; other text is dropped."""

    def __init__(self) -> None:
        self._table: dict[str, str] | None = None
        self._s2t: Any = None

    def load(self) -> None:
        if self._table is not None:
            return
        from hanja.table import hanja_table

        self._table = dict(hanja_table)
        try:
            from opencc import OpenCC

            self._s2t = OpenCC("s2t")
        except ImportError:  # readings of simplified characters are then sometimes off
            self._s2t = None

    def has_ideographs(self, text: str) -> bool:
        return bool(IDEOGRAPH_RUN.search(text))

    def runs(self, text: str) -> list[str]:
        """The Hangul reading of every run of Chinese characters in ``text``."""
        self.load()
        assert self._table is not None
        out = []
        for run in IDEOGRAPH_RUN.findall(text):
            trad = self._s2t.convert(run) if self._s2t is not None else run
            syllables = [self._table.get(ch, "") for ch in trad]
            if syllables and syllables[0]:
                syllables[0] = _initial_sound_rule(syllables[0])
            reading = "".join(syllables)
            if reading:
                out.append(reading)
        return out

    def read(self, text: str) -> str:
        return " ".join(self.runs(text))


_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


@dataclass(frozen=True)
class GlossaryRule:
    phrases: tuple[tuple[str, ...], ...]  # alternatives; each a sequence of words ('*' ends a prefix)
    terms: tuple[str, ...]
    line: int


def _phrases(column: str) -> tuple[tuple[str, ...], ...]:
    """'pregnan*|expecting a baby' → (('pregnan*',), ('expecting', 'a', 'baby')), lower-cased."""
    alts = (tuple(_WORD.findall(a.lower().replace("*", "STAR"))) for a in column.split("|"))  # '*' survives
    return tuple(tuple(w[:-4] + "*" if w.endswith("STAR") else w for w in alt) for alt in alts if alt)


def _word_matches(pattern: str, word: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


def _phrase_at(phrase: tuple[str, ...], words: list[str], i: int) -> bool:
    """Whether ``phrase`` occurs in ``words`` starting at word ``i``."""
    return len(words) - i >= len(phrase) and all(
        _word_matches(p, w) for p, w in zip(phrase, words[i:i + len(phrase)], strict=True))


class Glossary:
    """English, Vietnamese and Mongolian caller words → the Korean terms manuals use (``knowledge_base/glossary.tsv``).

    Words are matched on word boundaries, case-insensitively, so 'rent' does not fire inside 'parent';
    a pattern ending in '*' is a prefix ('pregnan*' matches 'pregnant' and 'pregnancy').

    >>> g = Glossary.parse("pregnan*|expecting a baby\\t임신 임산부\\nrent\\t월세\\n")
    >>> g.expand("I'm pregnant and my parents can't help")
    ['임신', '임산부']
    """

    def __init__(self, rules: list[GlossaryRule] | None = None, digest: str = "") -> None:
        self.rules = rules or []
        self.digest = digest
        # each phrase filed under its first word (exact, or a prefix pattern's stem), so a question is
        # checked only against the phrases that can start at each of its words, not every rule at every word
        self._exact: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        self._prefix: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for i, rule in enumerate(self.rules):
            for phrase in rule.phrases:
                first = phrase[0]
                if first.endswith("*"):
                    self._prefix.setdefault(first[:-1], []).append((i, phrase))
                else:
                    self._exact.setdefault(first, []).append((i, phrase))
        self._stems = sorted({len(k) for k in self._prefix})

    @classmethod
    def parse(cls, text: str, where: str = "glossary") -> Glossary:
        rules, digest = parse_rule_lines(text, where, _phrases, left="phrases")
        return cls([GlossaryRule(alts, terms, line) for alts, terms, line in rules], digest)

    @classmethod
    def load(cls, path: Path) -> Glossary:
        if not path.exists():
            return cls()
        return cls.parse(path.read_text(encoding="utf-8"), str(path))

    def expand(self, question: str) -> list[str]:
        """Korean terms of every rule one of whose phrases occurs in the question, in rule order, once each."""
        words = [w.lower() for w in _WORD.findall(unicodedata.normalize("NFC", question))]
        fired: set[int] = set()
        for i, word in enumerate(words):
            starting = list(self._exact.get(word, ()))
            for n in self._stems:
                if n <= len(word):
                    starting.extend(self._prefix.get(word[:n], ()))
            for rule, phrase in starting:
                if rule not in fired and _phrase_at(phrase, words, i):
                    fired.add(rule)
        out: dict[str, None] = {}
        for rule in sorted(fired):
            out.update(dict.fromkeys(self.rules[rule].terms))
        return list(out)
