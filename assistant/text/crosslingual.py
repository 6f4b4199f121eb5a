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
from typing import Any

IDEOGRAPH_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

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
