"""현행화 rules as pure functions: quarters, when an entry was last brought up to date, and what looks stale.

An entry's **last update** is the later of the source's own date (``updated``: 2023, 202607, 20260716 or
2026-07-16; a year alone counts as its 1 January, a month as its first day) and the last *edit* made here
(a version after the first: the first version is only when the entry came into this knowledge base).

An entry **looks stale** when its contact field or text has (each a ``Finding``):
- ``phone_retired``: a mobile number with a prefix closed in 2021 (011, 016-019);
- ``phone_malformed``: a phone-like number that is no valid Korean form (unknown area code, wrong group
  lengths; ``text.phones.phone_problem``);
- ``deadline_past``: a date followed by 까지/마감/종료 (or after ``~``) that was over before the quarter began
  (a month alone means its last day, a year alone its 31 December);
- ``year_past``: the newest year the text names (``2024년``, ``2024. 3. 1.``) is before the quarter's year,
  so every period or amount it gives is at least a year old.

>>> q = parse_quarter("2026Q4"); q.start, q.end
(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
>>> [f.rule for f in stale_findings("사용기간은 2025년 12월 31일까지입니다. 문의 011-234-5678", "", q)]
['phone_retired', 'deadline_past', 'year_past']
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from assistant.errors import InvalidQuery
from assistant.ops.trends.counting import KST
from assistant.text.phones import broken_numbers

QUARTER_FORM = "YYYYQn, e.g. 2026Q4 (n = 1 to 4)"
RULES = {
    "phone_retired": "폐지된 휴대전화 국번(011·016~019)",
    "phone_malformed": "전화번호 형식 오류",
    "deadline_past": "지난 기한",
    "year_past": "지난 연도만 언급",
}


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    year: int
    q: int

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        month = 3 * self.q
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.q}"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_quarter(value: str) -> Quarter:
    """``2026Q4`` (or ``2026q4``) → Quarter; anything else is an ``InvalidQuery`` naming the accepted form.

    >>> parse_quarter("2026-4")
    Traceback (most recent call last):
    ...
    assistant.errors.InvalidQuery: quarter must be written YYYYQn, e.g. 2026Q4 (n = 1 to 4), not '2026-4'
    """
    m = re.fullmatch(r"(\d{4})[Qq]([1-4])", value.strip())
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise InvalidQuery(f"quarter must be written {QUARTER_FORM}, not {value!r}")
    return Quarter(int(m.group(1)), int(m.group(2)))


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def source_date(updated: str) -> date | None:
    """The source's own last-updated field as a date (the earliest day it can mean), None if unreadable.

    >>> [source_date(v) for v in ("2023", "202607", "20260716", "2026-07-16", "")]  # doctest: +NORMALIZE_WHITESPACE
    [datetime.date(2023, 1, 1), datetime.date(2026, 7, 1), datetime.date(2026, 7, 16), datetime.date(2026, 7, 16),
     None]
    """
    digits = updated.strip().replace("-", "").replace(".", "")
    try:
        if re.fullmatch(r"\d{4}", digits):
            return date(int(digits), 1, 1)
        if re.fullmatch(r"\d{6}", digits):
            return date(int(digits[:4]), int(digits[4:]), 1)
        if re.fullmatch(r"\d{8}", digits):
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return None


def last_update(updated: str, edited_at: datetime | None) -> date | None:
    """The later of the source's date and the last edit made here (its day in KST)."""
    days = [d for d in (source_date(updated), edited_at.astimezone(KST).date() if edited_at else None) if d]
    return max(days) if days else None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    detail: str

    @property
    def label(self) -> str:
        return f"{RULES[self.rule]}: {self.detail}"


_DATE = re.compile(r"(20\d{2})\s*(?:년\s*(?:(\d{1,2})\s*월\s*(?:(\d{1,2})\s*일)?)?|[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})\.?)")
_AFTER = re.compile(r"\s*(?:까지|마감|종료)")
_BEFORE = re.compile(r"[~∼〜]\s*$")
_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*(?:년|[.\-/]\s*\d{1,2}\s*[.\-/])")


def _day(y: str, m: str | None, d: str | None) -> date | None:
    year = int(y)
    try:
        if not m:
            return date(year, 12, 31)
        month = int(m)
        if not d:
            return date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, int(d))
    except ValueError:
        return None


def past_deadlines(text: str, before: date) -> list[str]:
    """The deadlines ``text`` states that ended before ``before``, as written."""
    out = []
    for m in _DATE.finditer(text):
        cue = _AFTER.match(text, m.end())
        if not (cue or _BEFORE.search(text[max(0, m.start() - 3):m.start()])):
            continue
        day = _day(m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5))
        if day is not None and day < before:
            out.append(" ".join(m.group(0).split()) + (cue.group(0).strip() if cue else ""))
    return list(dict.fromkeys(out))


def newest_year(text: str, latest_plausible: int) -> int | None:
    """The newest year ``text`` names (years past ``latest_plausible`` are typos or ids, not years)."""
    years = [int(y) for y in _YEAR.findall(text) if int(y) <= latest_plausible]
    return max(years) if years else None


def stale_findings(content: str, contact: str, quarter: Quarter) -> list[Finding]:
    """What makes an entry's contact or text look stale in ``quarter`` (see the module docstring)."""
    found = [Finding(f"phone_{why}", number) for number, why in broken_numbers(f"{contact}\n{content}")]
    found += [Finding("deadline_past", d) for d in past_deadlines(content, quarter.start)]
    year = newest_year(content, quarter.year + 5)
    if year is not None and year < quarter.year:
        found.append(Finding("year_past", f"{year}년"))
    return found


def high_demand(demand: Mapping[str, int], *, share: float = 0.1, minimum: int = 3) -> set[str]:
    """The entries asked about most: the top ``share`` of those asked about at all (at least one entry), each
    with at least ``minimum`` questions.

    >>> sorted(high_demand({"a": 40, "b": 9, "c": 3, "d": 1}, share=0.5))
    ['a', 'b']
    """
    asked = sorted((e for e, n in demand.items() if n > 0), key=lambda e: (-demand[e], e))
    top = asked[: max(1, math.ceil(len(asked) * share))] if asked else []
    return {e for e in top if demand[e] >= minimum}
