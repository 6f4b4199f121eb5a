"""Amounts a manual sentence gives: what the caller receives, told apart from an eligibility threshold.

A manual's "who qualifies" sentence is full of numbers (기준 중위소득 65% 이하, 월 임금총액 300만 원
이하) that look like amounts but say who may apply, not what is given. The answer card must still
quote what is given (1인당 연간 35만 원, 만기금 1200만 원), so a quantity counts as an amount
only when it is not a means test: a figure of income, pay, assets or sales bounded by 이하/이상/미만/초과.

>>> bool(benefit_amount("1인당 연간 35만 원 사용이 가능한 바우처 카드를 지원합니다."))
True
>>> bool(benefit_amount("기준 중위소득 65% 이하인 가구의 구성원입니다."))
False
>>> bool(benefit_amount("개인신용평점 하위 20% 이하인 자영업자입니다."))
False
"""

from __future__ import annotations

import re

#: money or a share (hours are left out: '24시간 돌봄' says how, and kept the day's fee off the card)
QUANTITY = re.compile(r"\d[\d,.]*\s*(?:천|만|억)?\s*원|\d+(?:\.\d+)?\s*%")
#: a bound right after the figure
_BOUND = re.compile(r"\s*(?:\([^)]{0,20}\)\s*)?(?:이하|이상|미만|초과)")
#: what a means test measures, just before the figure (기준 중위소득, 월 임금총액, 재산, 연 매출)
_MEANS = re.compile(r"(?:소득|임금|급여|보수|월급|연봉|총액|재산|자산|매출|소득인정액|평가액|수입)[^.,;:]{0,8}$")


#: a share of the population ('개인신용평점 하위 20%', '소득 상위 10%'): who, never how much
_RANKED = re.compile(r"(?:하위|상위)\s*$")


def is_threshold(text: str, match: re.Match[str]) -> bool:
    """Is the quantity at ``match`` a means test (a bounded figure of income, pay, assets or sales, or a
    share of the population ranked by one)?"""
    before = text[max(0, match.start() - 20):match.start()]
    return bool(_RANKED.search(before) or (_BOUND.match(text, match.end()) and _MEANS.search(before)))


def benefit_amount(text: str) -> re.Match[str] | None:
    """The first quantity in ``text`` that is not a means test, or None."""
    return next((m for m in QUANTITY.finditer(text) if not is_threshold(text, m)), None)


class BenefitLooks:
    """What a sentence that says what is given looks like: one of ``words`` or a benefit amount; a
    drop-in for a compiled pattern's ``search``.

    >>> BenefitLooks(re.compile("무료")).search("소득 120% 이하 가정은 무료입니다.") is not None
    True
    """

    def __init__(self, words: re.Pattern[str] | None = None) -> None:
        self.words = words

    def search(self, text: str) -> re.Match[str] | None:
        found = self.words.search(text) if self.words is not None else None
        return found or benefit_amount(text)
