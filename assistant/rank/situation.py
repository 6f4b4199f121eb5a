"""The caller's situation: who the call is about, read from a question or from an entry's 대상 text.

One extractor serves both sides of eligibility matching, so "여든 넘으신 어머니" (a question) and
"65세 이상 어르신" (an entry) both come out as life stage 노년. The vocabulary is the package's
``situations.tsv`` (Korean, English, Chinese, Vietnamese, Japanese, Mongolian); ages in digits or
number words are read here.

>>> lex = SituationLexicon.default()
>>> s = lex.extract("여든 되신 어머니가 기초수급자인데요")
>>> s.age, sorted(s.values("stage")), sorted(s.values("income"))
(80, ['노년'], ['기초수급'])
>>> s.label()
'80대 · 기초수급'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib.resources import files

from assistant.errors import AssistantError

#: attributes in display order, with the values a clarifying answer may give
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "stage": ("영유아", "아동", "청소년", "청년", "중장년", "노년", "임신·출산"),
    "household": ("한부모", "조손", "다문화", "1인", "다자녀"),
    "disability": ("yes", "no"),
    "income": ("기초수급", "차상위", "저소득", "중위소득", "none"),
    "veteran": ("yes", "no"),
    "care": ("기관", "가정"),
}

_DISPLAY = {("disability", "yes"): "장애", ("veteran", "yes"): "보훈", ("care", "기관"): "어린이집·유치원 다님",
            ("care", "가정"): "가정 양육"}

_LATIN_OR_CYRILLIC = re.compile(r"^[\w\s'-]+$", re.ASCII)

_NATIVE_TENS = {"스물": 20, "서른": 30, "마흔": 40, "쉰": 50, "예순": 60, "일흔": 70, "여든": 80, "아흔": 90}
_NATIVE_ONES = {"하나": 1, "한": 1, "둘": 2, "두": 2, "셋": 3, "세": 3, "넷": 4, "네": 4, "다섯": 5,
                "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9}
_SINO = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "륙": 6, "칠": 7, "팔": 8, "구": 9}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}
_EN_ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}

_AGE_DIGITS = re.compile(
    r"(?<!\d)(?:만\s?)?(\d{1,3})\s?(?:세|살|대|년생|개월|years?[\s-]old|year-old|yo\b|岁|歲|歳|才|tuổi|настай|нас)",
    re.IGNORECASE)
_SINO_AGE = re.compile(r"(?<![가-힣])([이삼사오육륙칠팔구]?십)\s?([일이삼사오육륙칠팔구])?\s?(세|살|대)")
_NATIVE_AGE = re.compile(r"(스물|서른|마흔|쉰|예순|일흔|여든|아흔)\s?(하나|한|둘|두|셋|세|넷|네|다섯|여섯|일곱|여덟|아홉)?"
                         r"(?=\s|살|이|을|넘|되|정도|쯤|$)")
_EN_AGE = re.compile(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-]?(one|two|three|four|five|"
                     r"six|seven|eight|nine)?\b", re.IGNORECASE)
_THRESHOLD = re.compile(r"(\d{1,3})\s?세\s?(이상|미만|이하|초과)")


def stage_of_age(age: int, months: bool = False) -> str:
    """The welfare-local life stage (생애주기) of an age in years (or months, for infants)."""
    if months:
        return "영유아" if age < 72 else stage_of_age(age // 12)
    if age < 6:
        return "영유아"
    if age < 13:
        return "아동"
    if age < 19:
        return "청소년"
    if age < 40:
        return "청년"
    if age < 65:
        return "중장년"
    return "노년"


def read_age(text: str, this_year: int | None = None) -> tuple[int | None, bool]:
    """The first age said in ``text`` (digits, Sino- or native Korean number words, English words),
    and whether it was in months. A birth year ('57년생') is an age in ``this_year`` (default: today's)."""
    m = _AGE_DIGITS.search(text)
    if m:
        n = int(m.group(1))
        unit = m.group(0)
        if "년생" in unit:
            if n >= 100:
                return None, False
            year = this_year or date.today().year
            return year - (1900 + n if n > year % 100 else 2000 + n), False
        return n, "개월" in unit
    m = _SINO_AGE.search(text)
    if m:
        tens = m.group(1)
        n = (_SINO.get(tens[0], 1) if len(tens) == 2 else 1) * 10 + (_SINO[m.group(2)] if m.group(2) else 0)
        return n, False
    m = _NATIVE_AGE.search(text)
    if m:
        return _NATIVE_TENS[m.group(1)] + (_NATIVE_ONES[m.group(2)] if m.group(2) else 0), False
    m = _EN_AGE.search(text)
    if m and re.search(r"years?|old|age", text[m.end():m.end() + 14], re.IGNORECASE):
        return _EN_TENS[m.group(1).lower()] + (_EN_ONES[m.group(2).lower()] if m.group(2) else 0), False
    return None, False


@dataclass(frozen=True)
class Situation:
    """What was said about the person the call is about: attribute → values, and an age if one was said."""

    attrs: dict[str, frozenset[str]] = field(default_factory=dict)
    age: int | None = None

    def values(self, attribute: str) -> frozenset[str]:
        return self.attrs.get(attribute, frozenset())

    def has(self, attribute: str) -> bool:
        return bool(self.attrs.get(attribute))

    def __bool__(self) -> bool:
        return bool(self.attrs) or self.age is not None

    def with_answer(self, attribute: str, value: str) -> Situation:
        """This situation plus a clarifying answer ('no' and 'none' record that the caller said no)."""
        attrs = dict(self.attrs)
        attrs[attribute] = frozenset({value})
        return Situation(attrs, self.age)

    def label(self) -> str:
        """For the counselor: '70대 · 노년 · 기초수급'."""
        parts = [f"{self.age // 10 * 10}대" if self.age is not None and self.age >= 10 else
                 f"{self.age}세" if self.age is not None else ""]
        for attr in ATTRIBUTES:
            for v in sorted(self.values(attr)):
                if v in ("no", "none") or (attr == "stage" and self.age is not None
                                           and v == stage_of_age(self.age)):
                    continue
                parts.append(_DISPLAY.get((attr, v), v))
        return " · ".join(p for p in parts if p)

    def as_dict(self) -> dict[str, object]:
        return {"age": self.age, "label": self.label(),
                **{a: sorted(self.values(a)) for a in ATTRIBUTES if self.has(a)}}


class SituationLexicon:
    """Compiled ``attribute=value<TAB>patterns`` rules; ``extract(text)`` gives a ``Situation``."""

    def __init__(self, rules: list[tuple[str, str, re.Pattern[str]]], digest: str = "") -> None:
        self.rules, self.digest = rules, digest

    @classmethod
    def parse(cls, text: str, where: str = "situations.tsv") -> SituationLexicon:
        import hashlib

        rules, problems = [], []
        for i, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, _, patterns = line.partition("\t")
            attr, _, value = key.partition("=")
            if attr not in ATTRIBUTES or value not in ATTRIBUTES[attr] or not patterns.strip():
                problems.append(f"{where} line {i}: expected 'attribute=value<TAB>patterns' with attribute one of "
                                f"{', '.join(ATTRIBUTES)} and a value it allows")
                continue
            alts = []
            for p in patterns.split("|"):
                p = p.strip()
                if p:
                    # Latin words match whole; Mongolian (Cyrillic) words take suffixes ('орлоготой')
                    alts.append(rf"(?<!\w){p}(?!\w)" if _LATIN_OR_CYRILLIC.match(p) else
                                rf"(?<!\w){p}" if _is_cyrillic(p) else p)
            try:
                rules.append((attr, value, re.compile("|".join(alts), re.IGNORECASE)))
            except re.error as exc:
                problems.append(f"{where} line {i}: bad pattern: {exc}")
        if problems:
            raise AssistantError("; ".join(problems))
        return cls(rules, hashlib.sha256(text.encode()).hexdigest()[:12])

    @classmethod
    def default(cls) -> SituationLexicon:
        return _default()

    def extract(self, text: str, *, thresholds: bool = False) -> Situation:
        """``thresholds``: also read '65세 이상' style limits as the stage they imply (entry text)."""
        t = unicodedata.normalize("NFC", text)
        attrs: dict[str, set[str]] = {}
        for attr, value, rx in self.rules:
            if rx.search(t):
                attrs.setdefault(attr, set()).add(value)
        if {"기관", "가정"} <= attrs.get("care", set()):
            attrs["care"] = {"가정"}  # '어린이집을 이용하지 않는': the negated form is the meaning
        age, months = (None, False) if thresholds else read_age(t)
        if age is not None:
            attrs.setdefault("stage", set()).add(stage_of_age(age, months))
        if thresholds:
            for m in _THRESHOLD.finditer(t):
                n, rel = int(m.group(1)), m.group(2)
                if rel in ("이상", "초과") and n >= 60:
                    attrs.setdefault("stage", set()).add("노년")
                elif rel in ("미만", "이하") and n <= 18:
                    attrs.setdefault("stage", set()).add("아동" if n <= 12 else "청소년")
        return Situation({a: frozenset(v) for a, v in attrs.items()}, None if thresholds else age)


def _is_cyrillic(p: str) -> bool:
    return bool(re.fullmatch(r"[\u0400-\u04FF\s'-]+", p))


@lru_cache(maxsize=1)
def _default() -> SituationLexicon:
    return SituationLexicon.parse(files("assistant.rank").joinpath("situations.tsv").read_text(encoding="utf-8"))
