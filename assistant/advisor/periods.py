"""Times a manual sentence gives: when to apply, how long, what hours; told apart from a date that bounds
who qualifies.

A who-qualifies sentence often carries dates that say who may apply, not when: a birth-date cutoff
('만 18세 미만(2004년 1월 2일 이후 출생)') or the day a means test is read on ('2022년 6월 1일 기준 재산').
Counted as "the card says when", such a date kept '매년 5월에 신청하여 9월에 지급' off the card of a
caller who asked in which month to apply. So a date counts as a time only when no 출생 / 기준 follows it
closely. '까지' and '이내' alone are no time either: '연 50만 원에서 80만 원까지', '2000만 원 이내'.

>>> bool(PeriodLooks().search("매년 5월에 신청하여 9월에 지급됩니다."))
True
>>> bool(PeriodLooks().search("만 18세 미만(2004년 1월 2일 이후 출생)의 부양자녀가 있는 가구입니다."))
False
>>> bool(PeriodLooks().search("자녀 1인당 연 50만 원에서 80만 원까지 지급합니다."))
False
>>> bool(PeriodLooks().search("학기중의 경우 필수 운영시간이 14시 부터 20시 까지입니다."))
True
"""

from __future__ import annotations

import re

#: a date, a span or an hour of the day; or a word that names a time
PERIOD = re.compile(r"\d+\s*(?:월|일|년|개월|주|시)|기간|기한|마감")
#: what makes a date a bound of who qualifies, just after it: the births it counts, the day a test is read on
_BOUND = re.compile(r"출생|생년|태어난|기준")
_WINDOW = 16


def eligibility_date(text: str, match: re.Match[str]) -> bool:
    """Is the time at ``match`` a bound of who qualifies ('2004년 1월 2일 이후 출생', '6월 1일 기준 재산')?"""
    return bool(_BOUND.search(text, match.end(), match.end() + _WINDOW))


class PeriodLooks:
    """What a sentence that says when (or for how long, or what hours) looks like; a drop-in for a
    compiled pattern's ``search``."""

    def search(self, text: str) -> re.Match[str] | None:
        return next((m for m in PERIOD.finditer(text) if not eligibility_date(text, m)), None)
