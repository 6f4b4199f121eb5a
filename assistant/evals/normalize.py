"""Korean-aware text normalisation for answer metrics: spacing, trailing particles, number formats.

"20만 원", "200,000원" and "20만원" all become ``200000원``; "1억 5천만 원" becomes ``150000000원``;
"만 65세" (the age prefix, not ten thousand) stays ``만65세``.

>>> normalize("지원금은 20만 원입니다") == normalize("지원금은 200,000원입니다")
True
>>> numbers("월 최대 20만 원, 최대 12개월, 문의 1544-4500")
['200000', '12', '1544-4500']
>>> fact_covered("단독가구의 경우는 165만 원", "단독가구 경우 1,650,000원을 받습니다")
True
"""

from __future__ import annotations

import re
import unicodedata

from assistant.text.phones import WRITTEN as _PHONE

_SMALL = {"십": 10, "백": 100, "천": 1000}
_BIG = {"만": 10**4, "억": 10**8, "조": 10**12}
# one group: digits (with thousands separators or a decimal part), then 십/백/천 and/or 만/억/조
_GROUP = r"\d+(?:,\d{3})*(?:\.\d+)?(?:[십백천])?(?:[만억조])?"
_AMOUNT = re.compile(rf"(?<![\d.,])({_GROUP})((?:\s?{_GROUP})*)")
_GROUP_RE = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)([십백천])?([만억조])?")
_PUNCT = re.compile(r"[\s\"'“”‘’`,·:;!?()\[\]{}<>「」『』《》〈〉…※*/]+")
_STRAY_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")

# longest first, so '에서' is stripped before '에' and '으로' before '로'
PARTICLES = tuple(sorted((
    "은", "는", "이", "가", "을", "를", "의", "에", "에서", "에게", "께", "께서", "으로", "로", "와", "과",
    "도", "만", "까지", "부터", "이나", "나", "이며", "며", "이고", "고", "이다", "입니다", "이에요", "예요",
    "에는", "에서는", "으로는", "로는", "과의", "와의", "이라도", "라도", "처럼", "보다", "마다", "한테",
), key=len, reverse=True))


def _group_value(text: str) -> float:
    m = _GROUP_RE.fullmatch(text.strip())
    if not m:
        return 0.0
    value = float(m.group(1).replace(",", ""))
    if m.group(2):
        value *= _SMALL[m.group(2)]
    if m.group(3):
        value *= _BIG[m.group(3)]
    return value


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _canon_amount(match: re.Match[str]) -> str:
    """A run of groups is one amount while each group's big unit is smaller than the one before
    (1억 5천만 = 150000000); otherwise the groups are separate numbers ("3 4" stays two)."""
    out: list[str] = []
    total: float | None = None
    last_big = 1
    for g in re.findall(_GROUP, match.group(0)):
        big = _BIG.get(g[-1], 1)
        if total is not None and last_big > big:
            total += _group_value(g)
        else:
            if total is not None:
                out.append(_fmt(total))
            total = _group_value(g)
        last_big = big
    out.append(_fmt(total or 0.0))
    return " ".join(out)


def canon_numbers(text: str) -> str:
    """Amounts written with 만/억/천 or thousands separators become plain digits; phone numbers stay."""
    phones: list[str] = []

    def keep(m: re.Match[str]) -> str:
        phones.append(m.group(0))
        return f"\x00{len(phones) - 1}\x00"

    text = _PHONE.sub(keep, unicodedata.normalize("NFKC", text))
    text = _AMOUNT.sub(_canon_amount, text)
    return re.sub(r"\x00(\d+)\x00", lambda m: phones[int(m.group(1))], text)


def normalize(text: str) -> str:
    """Comparable form: NFKC, lower case, canonical numbers, no spacing or punctuation."""
    text = canon_numbers(text).lower()
    text = _PUNCT.sub("", text)
    return _STRAY_DOT.sub("", text)


def numbers(text: str) -> list[str]:
    """Every number in ``text`` in text order, canonical (amounts as plain digits, phones as written)."""
    text = unicodedata.normalize("NFKC", text)
    found = [(m.start(), m.group(0)) for m in _PHONE.finditer(text)]
    rest = _PHONE.sub(lambda m: " " * len(m.group(0)), text)
    found += [(m.start(), n) for m in _AMOUNT.finditer(rest) for n in _canon_amount(m).split()]
    return [n.rstrip(".") for _, n in sorted(found, key=lambda p: p[0])]


def strip_particle(word: str) -> str:
    """'대상은' → '대상', '주민센터에서' → '주민센터'; a word that is only a particle is kept."""
    for p in PARTICLES:
        if word.endswith(p) and len(word) > len(p):
            return word[: -len(p)]
    return word


def fact_covered(fact: str, answer: str) -> bool:
    """Is a key fact stated in the answer? Either the normalised fact appears in the normalised answer,
    or every word of the fact (trailing particle removed) appears there in the same order."""
    nf, na = normalize(fact), normalize(answer)
    if not nf:
        return True
    if nf in na:
        return True
    pos = 0
    for word in _PUNCT.split(canon_numbers(fact)):
        stem = normalize(strip_particle(word))
        if not stem:
            continue
        at = na.find(stem, pos)
        if at < 0:
            return False
        pos = at + len(stem)
    return True
