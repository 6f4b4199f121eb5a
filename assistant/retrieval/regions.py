"""Caller regions: parse '서울특별시 강남구', '서울 강남구', '강남구', '수원시 장안구' into a ``Region``.

Every 시도, 시군구 and 일반구 of the country is known, from the official code table shipped with the
package (``data/regions.tsv``, its provenance in ``data/README.md``), whether or not the knowledge base
has an entry for it: a caller from a district without local entries gets the province's and the
national ones. Former names (강원도, 전라북도, 인천광역시 서구) resolve to their successor, or stay a
region of their own when the division was split.

>>> r = RegionResolver()
>>> r.parse("서울 강남구")
Region(sido='서울특별시', sigungu='강남구')
>>> r.parse("수원시 장안구")
Region(sido='경기도', sigungu='수원시')
>>> r.parse("강원도 고성군")
Region(sido='강원특별자치도', sigungu='고성군')
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from assistant.errors import AmbiguousRegion, UnknownRegion
from assistant.types import Region

# Short names callers use for a province; a key that is a former name resolves through the table
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
    "강원특별자치도": ("강원",),
    "충청북도": ("충북",),
    "충청남도": ("충남",),
    "전북특별자치도": ("전북",),
    "전라남도": ("전남",),
    "전남광주통합특별시": ("전남광주", "전남광주특별시"),
    "경상북도": ("경북",),
    "경상남도": ("경남",),
    "제주특별자치도": ("제주", "제주도"),
}

# A district named without its suffix ('마포 살아요', '수원에서 왔어요') counts only with one of these
# after it, in the word or as the next word: '고령자', '예산이', '음성 메시지' are not places.
_SHORT_TAILS = ("", "에서", "에", "에선", "에서는", "쪽", "쪽에", "쪽에서")
_RESIDENCE_WORDS = ("살", "사는", "사니", "사시", "삽니", "거주", "주민", "사람", "출신")

COLUMNS = ("status", "code", "sido", "sigungu", "district", "to_sido", "to_sigungu")


@dataclass(frozen=True, slots=True)
class Division:
    """One row of the code table: a 시도 (empty sigungu), a 시군구, or an 일반구 (``district``)."""

    status: str  # 'current' or 'former'
    code: str
    sido: str
    sigungu: str = ""
    district: str = ""
    to_sido: str = ""
    to_sigungu: str = ""

    @property
    def region(self) -> Region:
        """What a caller from here is: the city for an 일반구, the successor for a former name."""
        if self.status == "current":
            return Region(self.sido, self.sigungu)
        return Region(self.to_sido or self.sido, self.to_sigungu or self.sigungu)


class RegionTableError(RuntimeError):
    """The shipped region table is missing or malformed (a broken install)."""


def read_divisions(text: str) -> list[Division]:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise RegionTableError(f"region table header is not {' '.join(COLUMNS)}")
    out = []
    for n, ln in enumerate(lines[1:], start=2):
        cells = ln.split("\t")
        if len(cells) != len(COLUMNS) or cells[0] not in ("current", "former") or not cells[2]:
            raise RegionTableError(f"region table row {n} is malformed: {ln!r}")
        out.append(Division(*cells))
    return out


@lru_cache(maxsize=1)
def shipped_divisions() -> tuple[Division, ...]:
    """The table shipped inside the package (read once per process)."""
    try:
        text = files("assistant.retrieval").joinpath("data/regions.tsv").read_text(encoding="utf-8")
    except OSError as exc:
        raise RegionTableError(f"the region table is missing from the installed package: {exc}") from exc
    return tuple(read_divisions(text))


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


class RegionResolver:
    """Every region of the shipped table (or of ``divisions``), independent of the knowledge base.

    ``parse`` accepts '<시도>', '<시도> <시군구>', '<시도> <시> <구>', '<시> <구>', and '<시군구>' or
    '<구>' alone when only one division has that name; 시도 also by their short names.
    """

    def __init__(self, divisions: Iterable[Division] | None = None) -> None:
        rows = list(shipped_divisions() if divisions is None else divisions)
        self.sidos: list[str] = [d.sido for d in rows if d.status == "current" and not d.sigungu]
        self.sido_of_alias: dict[str, str] = {}
        for d in rows:
            if not d.sigungu:
                self.sido_of_alias[d.sido] = d.region.sido
        for key, aliases in SIDO_ALIASES.items():
            target = self.sido_of_alias.get(key)
            if target is None:
                continue  # a table without that province (tests with a small table)
            for a in aliases:
                self.sido_of_alias.setdefault(a.lower(), target)
        # sido → the 시군구 callers choose from (current names; an 일반시 once, not per 구)
        self.districts: dict[str, set[str]] = defaultdict(set)
        # (sido, name) → region, where name is a 시군구, '시 구' or a 구 alone; the sido key of a former
        # name is its successor, as the alias map resolves the province first
        by_sido: dict[tuple[str, str], set[Region]] = defaultdict(set)
        for d in sorted(rows, key=lambda d: d.status != "current"):
            if not d.sigungu:
                continue
            if d.status == "current" and not d.district:
                self.districts[d.sido].add(d.sigungu)
            region = d.region
            for sido in {self.sido_of_alias.get(d.sido, d.sido), region.sido}:
                names = [f"{d.sigungu} {d.district}", d.district] if d.district else [d.sigungu]
                for name in names:
                    if d.status == "former" and by_sido.get((sido, name)):
                        continue  # a current name wins over a former one
                    by_sido[(sido, name)].add(region)
        self._by_sido = dict(by_sido)
        self._by_name: dict[str, set[Region]] = defaultdict(set)
        for (_, name), regions in by_sido.items():
            self._by_name[name] |= regions
        # free text: district names without 시/군/구 ('마포', '수원'), only before a place word
        self._short: dict[str, set[Region]] = defaultdict(set)
        for name, regions in self._by_name.items():
            if " " not in name and len(name) >= 3 and name[-1] in "시군구":
                self._short[name[:-1]] |= regions

    def examples(self) -> list[str]:
        return ["서울특별시", "서울특별시 강남구", "서울 마포구", "부산광역시 중구", "강남구", "경기도 수원시 장안구"]

    def choices(self) -> list[str]:
        out = []
        for sido in sorted(self.districts.keys() | set(self.sidos)):
            out.append(sido)
            out.extend(f"{sido} {d}" for d in sorted(self.districts.get(sido, ())))
        return out

    def _in_sido(self, sido: str, name: str) -> Region | None:
        regions = self._by_sido.get((sido, name))
        return next(iter(regions)) if regions and len(regions) == 1 else None

    def mentioned_in(self, text: str) -> Region | None:
        """A region the caller names in passing ('강남구 사는데요', '서울 살아요'), if unambiguous."""
        words = [w.strip(".,?!~") for w in _norm(text).split(" ")]
        sidos: set[str] = set()
        found: set[Region] = set()
        for i, w in enumerate(words):
            following = words[i + 1] if i + 1 < len(words) else ""
            for cut in range(0, 4):  # '강남구에', '서울에서', '마포구인데'
                stem = w[: len(w) - cut] if cut else w
                if len(stem) < 2:
                    continue
                sido = self.sido_of_alias.get(stem) or self.sido_of_alias.get(stem.lower())
                if sido:
                    sidos.add(sido)
                found |= self._by_name.get(stem, set())
                tail = w[len(stem):]
                if not sido and stem in self._short and tail in _SHORT_TAILS and \
                        (tail or following.startswith(_RESIDENCE_WORDS)):
                    found |= self._short[stem]
        if len(sidos) == 1:
            (sido,) = sidos
            own = {r for r in found if r.sido == sido}
            return own.pop() if len(own) == 1 else Region(sido)
        if not sidos and len(found) == 1:
            return found.pop()
        return None

    def parse(self, text: str | Region | None) -> Region:
        """'' or None → no region (search everything); unknown or ambiguous → a clear error."""
        if isinstance(text, Region):
            return text
        raw = _norm(text or "")
        if not raw:
            return Region()
        first, _, rest = raw.partition(" ")
        sido = self.sido_of_alias.get(first) or self.sido_of_alias.get(first.lower())
        if sido and not rest:
            return Region(sido)
        if sido:
            found = self._in_sido(sido, rest)
            if found is not None:
                return found
            raise UnknownRegion(raw, [f"{sido} {d}" for d in sorted(self.districts.get(sido, ()))[:8]]
                                or self.examples())
        cands = sorted(self._by_name.get(raw, ()), key=lambda r: (r.sido, r.sigungu))
        if len(cands) == 1:
            return cands[0]
        if cands:
            raise AmbiguousRegion(raw, [f"{c.sido} {raw}" if c.sigungu == raw else f"{c.label} {raw}" for c in cands])
        raise UnknownRegion(raw, self.examples())
