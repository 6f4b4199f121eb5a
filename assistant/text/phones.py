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
