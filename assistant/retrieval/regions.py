"""Caller regions: parse '서울특별시 강남구', '서울 강남구', '강남구', '서울' into a ``Region``.

>>> r = RegionResolver([("서울특별시", "강남구")])
>>> r.parse("서울 강남구")
Region(sido='서울특별시', sigungu='강남구')
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from assistant.errors import AmbiguousRegion, UnknownRegion
from assistant.types import Region

SIDO_ALIASES: dict[str, tuple[str, ...]] = {
    "서울특별시": ("서울", "서울시", "seoul"),
    "부산광역시": ("부산", "부산시", "busan"),
    "대구광역시": ("대구", "대구시", "daegu"),
    "인천광역시": ("인천", "인천시", "incheon"),
    "광주광역시": ("광주", "광주시", "gwangju"),
    "대전광역시": ("대전", "대전시", "daejeon"),
    "울산광역시": ("울산", "울산시", "ulsan"),
    "세종특별자치시": ("세종", "세종시", "sejong"),
    "경기도": ("경기",),
    "강원특별자치도": ("강원", "강원도"),
    "충청북도": ("충북",),
    "충청남도": ("충남",),
    "전북특별자치도": ("전북", "전라북도"),
    "전라남도": ("전남",),
    "경상북도": ("경북",),
    "경상남도": ("경남",),
    "제주특별자치도": ("제주", "제주도"),
}

SEOUL_DISTRICTS = ["종로구", "중구", "용산구", "성동구", "광진구", "동대문구", "중랑구", "성북구", "강북구", "도봉구", "노원구", "은평구", "서대문구", "마포구", "양천구", "강서구", "구로구", "금천구", "영등포구", "동작구", "관악구", "서초구", "강남구", "송파구", "강동구"]


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


class RegionResolver:
    """Knows the (sido, sigungu) pairs the KB uses plus Seoul's 25 districts."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.sido_of_alias: dict[str, str] = {}
        for sido, aliases in SIDO_ALIASES.items():
            self.sido_of_alias[sido] = sido
            for a in aliases:
                self.sido_of_alias[a.lower()] = sido
        self.districts: dict[str, set[str]] = defaultdict(set)
        for d in SEOUL_DISTRICTS:
            self.districts["서울특별시"].add(d)
        for sido, sigungu in pairs:
            if sido and sido not in self.sido_of_alias:
                self.sido_of_alias[sido] = sido
            if sido and sigungu:
                self.districts[sido].add(sigungu)
        self.sido_of_district: dict[str, set[str]] = defaultdict(set)
        for sido, names in self.districts.items():
            for n in names:
                self.sido_of_district[n].add(sido)
        # callers drop the suffix: '마포 살아요', '창원에서 왔어요' (only in free text, never in parse)
        self._short: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for sido, names in self.districts.items():
            for n in names:
                if len(n) >= 3 and n[-1] in "시군구":
                    self._short[n[:-1]].add((sido, n))

    def examples(self) -> list[str]:
        return ["서울특별시", "서울특별시 강남구", "서울 마포구", "부산광역시 중구", "강남구"]

    def choices(self) -> list[str]:
        out = []
        for sido in sorted(self.districts):
            out.append(sido)
            out.extend(f"{sido} {d}" for d in sorted(self.districts[sido]))
        return out

    def mentioned_in(self, text: str) -> Region | None:
        """A region the caller names in passing ('강남구 사는데요', '서울 살아요'), if unambiguous."""
        words = [w.strip(".,?!~") for w in _norm(text).split(" ")]
        sidos: set[str] = set()
        districts: set[tuple[str, str]] = set()
        for w in words:
            for stem in {w, w[:-1], w[:-2], w[:-3]}:  # '강남구에', '서울에서', '마포구인데'
                if len(stem) < 2:
                    continue
                sido = self.sido_of_alias.get(stem) or self.sido_of_alias.get(stem.lower())
                if sido:
                    sidos.add(sido)
                for owner in self.sido_of_district.get(stem, ()):
                    districts.add((owner, stem))
                if not sido:
                    districts.update(self._short.get(stem, ()))
        if sidos and len(sidos) == 1:
            (sido,) = sidos
            own = [d for s, d in districts if s == sido]
            return Region(sido, own[0]) if len(own) == 1 else Region(sido)
        if not sidos and len(districts) == 1:
            (pair,) = districts
            return Region(*pair)
        return None

    def parse(self, text: str | Region | None) -> Region:
        """'' or None → no region (search everything); unknown or ambiguous → a clear error."""
        if isinstance(text, Region):
            return text
        raw = _norm(text or "")
        if not raw:
            return Region()
        parts = raw.split(" ")
        sido = self.sido_of_alias.get(parts[0]) or self.sido_of_alias.get(parts[0].lower())
        if sido and len(parts) == 1:
            return Region(sido)
        if sido and len(parts) == 2:
            if parts[1] in self.districts.get(sido, ()):
                return Region(sido, parts[1])
            raise UnknownRegion(raw, [f"{sido} {d}" for d in sorted(self.districts.get(sido, ()))[:8]]
                                or self.examples())
        if not sido and len(parts) == 1 and parts[0] in self.sido_of_district:
            cands = sorted(self.sido_of_district[parts[0]])
            if len(cands) == 1:
                return Region(cands[0], parts[0])
            raise AmbiguousRegion(raw, [f"{c} {parts[0]}" for c in cands])
        raise UnknownRegion(raw, self.examples())
