"""Phone numbers in Korean text: the one place that knows what they look like.

- ``WRITTEN``: a number as manuals write one, hyphen-joined groups (``02-120``, ``1544-4500``,
  ``02-6454-8500``); the eval metrics keep these apart from amounts, the answer card looks for them.
- ``SHORT_BEFORE_CUE``: a three- or four-digit agency number that the text marks as one (``129번``,
  ``(1366)``, ``126 (국세상담센터)``).
- ``contact_numbers``: the numbers a manual's 문의 paragraph gives, in order, each once, the short ones
  in brackets as written (``(129)``).
- ``PERSONAL``: a caller's own number, to be masked: a mobile or area-code prefix (010, 02, 031 …, 070,
  050x), written any way people and speech-to-text write it (``010 1234 5678``, ``+82 10-1234-5678``,
  ``0 1 0 1 2 3 4 …``). Agency numbers (1544-4500, 129, 02-120) are not personal.
- ``SPACE``, ``DASH``, ``HYPHENISH``: the separators of numbers read out or typed, shared with the other
  personal numbers (``text/pii.py``).

>>> WRITTEN.findall("상담 1544-4500, 서울 02-120, 중앙 02-6454-8500")
['1544-4500', '02-120', '02-6454-8500']
>>> contact_numbers("보건복지상담센터(129), 아이사랑(1566-3232)으로 문의")
['(129)', '1566-3232']
>>> bool(PERSONAL.search("제 번호는 010 1234 5678이에요")), bool(PERSONAL.search("상담 1544-4500"))
(True, False)
"""

from __future__ import annotations

import re

SPACE = r"[ \t\u00a0]"  # spaces inside one number: STT and typists put them anywhere, never a newline
DASH = r"[-\u2010\u2011\u2012\u2013\u2014\u2212]"  # hyphen and the dashes that word processors substitute
HYPHENISH = r"[-\u2010\u2011\u2012\u2013\u2014\u2212.]"
# Phones and accounts are hyphen-joined groups: a group hanging on by a hyphen is part of them too.
GROUP_START = rf"(?<!\d)(?<!\d{HYPHENISH})"
GROUP_END = rf"(?!\d)(?!{HYPHENISH}\d)"
# Digit-by-digit STT output ("0 1 0 1 2 ...") continues across single spaces.
SPACED_START = rf"(?<!\d)(?<!\d{SPACE})"
SPACED_END = rf"(?!\d)(?!{SPACE}\d)"

_WRITTEN = r"\d{2,4}(?:-\d{3,4}){1,2}"
WRITTEN = re.compile(rf"(?<!\d){_WRITTEN}(?!\d)")
SHORT_BEFORE_CUE = re.compile(r"(?<![\d-])1\d{2,3}(?=번|\)|\s*\()")
_CONTACT = re.compile(rf"(?<!\d)(?:{_WRITTEN}|\(\d{{3}}\))(?!\d)")


def contact_numbers(text: str) -> list[str]:
    """Every written or bracketed short number in ``text``, in order, each once."""
    return list(dict.fromkeys(_CONTACT.findall(text)))


def gives_phone(text: str) -> bool:
    """A written number, or a short one marked as a number (``129번``, ``(1366)``)."""
    return bool(WRITTEN.search(text) or SHORT_BEFORE_CUE.search(text))


# A mobile prefix (010, 011, 016-019) or an area code (02, 031-064), 070 and 050x safe numbers,
# possibly written +82 10 / +82 (0)10 / (02); then 3-4 and 4 digits. Numbers without such a prefix
# (1544-4500, 1600-3190, 129, 1366) are agency numbers and are kept, as is the short 02-120.
_CODE = r"(?:1[016789]|2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70|50[2-8])"
_SEP = rf"(?:{SPACE}*{HYPHENISH}{SPACE}*|{SPACE}{{1,2}})?"
_PREFIX = rf"(?:\+82{SPACE}*{DASH}?{SPACE}*(?:\(0\){SPACE}*)?0?{_CODE}|\(0{_CODE}\){SPACE}*|0{_CODE})"
PERSONAL = re.compile(
    rf"{GROUP_START}{_PREFIX}{_SEP}\d{{3,4}}{_SEP}\d{{4}}{GROUP_END}"
    rf"|{SPACED_START}0{SPACE}1{SPACE}[016789](?:{SPACE}\d){{7,8}}{SPACED_END}"
)


# --- is a written number a number one can call? (the 현행화 report's contact rule) ---------------------------
_AREA = frozenset({"02", "031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054", "055",
                   "061", "062", "063", "064"})
_RETIRED_MOBILE = frozenset({"011", "016", "017", "018", "019"})  # 2G/3G prefixes, closed by 2021
_UNITS = r"만|원|명|세|%|개|년|월|일|회|시간|분|천|억|가구|호|번지|층|km|㎞|m²|㎡"
# a hyphen-joined group of digits starting like a phone (0…, or a four-digit 1xxx), not part of a longer run
# of digits, dates or amounts: "2026-07-16", "1,000-2,000", "100-300만원" are not candidates
PHONE_LIKE = re.compile(rf"(?<![\d.,])(?<!{DASH})(?:0\d{{1,3}}|1\d{{3}})(?:{DASH}\d{{1,5}}){{1,2}}"
                        rf"(?!\d|,\d|{DASH}\d)(?!\s*(?:{_UNITS}))")


def phone_problem(number: str) -> str | None:
    """Why a written number (``PHONE_LIKE``) cannot be dialled as written: ``"retired"`` for a mobile prefix
    closed in 2021 (011, 016-019), ``"malformed"`` for an unknown area code or wrong group lengths; None if
    it is a valid form (area code + 3-4 + 4 digits, area code + a 1xx service number, 010-xxxx-xxxx,
    070/080/060/050x numbers, 15xx/16xx/18xx-xxxx).

    >>> [phone_problem(n) for n in ("02-120", "02-2133-7000", "1588-0466", "010-1234-5678")]
    [None, None, None, None]
    >>> [phone_problem(n) for n in ("011-234-5678", "045-123-4567", "1588-046", "02-213-70000")]
    ['retired', 'malformed', 'malformed', 'malformed']
    """
    head, *rest = re.split(DASH, number)
    lens = [len(p) for p in rest]
    standard = len(lens) == 2 and lens[0] in (3, 4) and lens[1] == 4
    if head in _AREA:
        return None if standard or (lens == [3] and rest[0].startswith("1")) else "malformed"
    if head in _RETIRED_MOBILE:
        return "retired"
    if head == "010":
        return None if lens == [4, 4] else "malformed"
    if head in ("060", "070", "080") or re.fullmatch(r"050\d", head):
        return None if standard else "malformed"
    if re.fullmatch(r"1[5-8]\d\d", head):
        return None if lens == [4] else "malformed"
    return "malformed"


def broken_numbers(text: str) -> list[tuple[str, str]]:
    """The phone-like numbers in ``text`` that cannot be dialled as written, with why, each once.

    >>> broken_numbers("문의: 02-2133-7000, 구 번호 017-123-4567, 상담 1588-046 (1,000-2,000만원)")
    [('017-123-4567', 'retired'), ('1588-046', 'malformed')]
    """
    found = dict.fromkeys(m.group(0) for m in PHONE_LIKE.finditer(text))
    return [(n, p) for n in found if (p := phone_problem(n)) is not None]
