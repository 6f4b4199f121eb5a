"""The scope a caller asks about: '구에서' (their district), '서울시에서' (the city), '나라에서' (national).

Callers say which level of government they mean; the same programme often exists at several. The
ranker weighs this cue against each entry's scope instead of a fixed vote for every local entry.

>>> scope_cue("구청에서 주는 출산지원금 있어요?"), scope_cue("서울시에서 따로 해주는 거"), scope_cue("나라에서 주는 거")
(3, 2, 1)
>>> scope_cue("출산지원금 얼마예요")
0
"""

from __future__ import annotations

import re

NONE, NATIONAL, CITY, DISTRICT = 0, 1, 2, 3

_DISTRICT = re.compile(r"(?:구|군)(?:청|에서|에서는|에선|\s?자체|\s?차원|\s?에서\s?따로)|우리\s?(?:구|동네|군)|동네에서|"
                       r"주민센터|동사무소|행정복지센터에서|district office|区政府|区役所|quận|дүүрэг")
_CITY = re.compile(r"(?:서울|부산|대구|인천|광주|대전|울산|세종)?\s?시(?:청|에서|에서는|\s?차원|\s?자체)|"
                   r"서울시|도청|도에서|city hall|市政府|市役所|thành phố|хотын захиргаа")
_NATIONAL = re.compile(r"나라에서|정부|국가에서|국가\s?지원|국가\s?차원|국가에서|보건복지부|복지부|고용노동부|"
                       r"국민연금|중앙정부|government|national|政府|国家|国の|chính phủ|nhà nước|засгийн газар|улсаас")


def scope_cue(question: str) -> int:
    """0 no cue, 1 national, 2 city (시·도), 3 district (시·군·구); the most local cue said wins."""
    if _DISTRICT.search(question):
        return DISTRICT
    if _CITY.search(question):
        return CITY
    if _NATIONAL.search(question):
        return NATIONAL
    return NONE


def scope_level(scope: str) -> int:
    """An entry's scope on the cue's scale: national 1, sido 2, sigungu 3 (agency entries count as national)."""
    return {"sido": CITY, "sigungu": DISTRICT}.get(str(scope), NATIONAL)
