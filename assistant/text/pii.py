"""Personal-data masking for call transcripts and questions before they are logged or sent to an LLM.

Replaces resident/alien registration numbers, card numbers, phone numbers, bank account numbers and
e-mail addresses with placeholders (``[주민등록번호]``, ``[카드번호]``, ``[전화번호]``, ``[계좌번호]``,
``[이메일]``). The numbers counselors give out stay: agency numbers (1544-4500, 1600-3190, 129,
02-120), amounts, dates, years and percentages are not personal data and manuals are full of them.

Kinds are matched most specific first (e-mail, resident number, card, phone, account), so a span
is masked once, as the kind that says the most about it. Masking runs to a fixed point: hiding one
number can uncover a neighbour that was held back because it looked like part of a longer number.

>>> r = mask_pii("제 주민번호는 900101-1234567이고 연락처는 010-1234-5678이에요")
>>> r.text
'제 주민번호는 [주민등록번호]이고 연락처는 [전화번호]이에요'
>>> r.counts
{'주민등록번호': 1, '전화번호': 1}
>>> mask_pii("다산콜센터 02-120, 상담 1544-4500").counts
{}
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.text import phones

RESIDENT_NUMBER = "주민등록번호"
CARD_NUMBER = "카드번호"
PHONE_NUMBER = "전화번호"
ACCOUNT_NUMBER = "계좌번호"
EMAIL = "이메일"
KINDS = (EMAIL, RESIDENT_NUMBER, CARD_NUMBER, PHONE_NUMBER, ACCOUNT_NUMBER)


def placeholder(kind: str) -> str:
    return f"[{kind}]"


@dataclass(frozen=True)
class MaskResult:
    """The masked text and how many spans of each kind were replaced (kinds not found are absent).

    >>> MaskResult("[이메일]로 보내 주세요", {"이메일": 1}).counts["이메일"]
    1
    """

    text: str
    counts: dict[str, int] = field(default_factory=dict)


_SP, _DASH = phones.SPACE, phones.DASH
# Digits next to a match would make it a piece of a longer number.
_START = r"(?<!\d)"
_END = r"(?!\d)"
_GROUP_START, _GROUP_END = phones.GROUP_START, phones.GROUP_END
_SPACED_START, _SPACED_END = phones.SPACED_START, phones.SPACED_END


def _spaced(first: str, rest: int) -> str:
    """``first`` then ``rest`` digits, each after one space: the STT way of reading a number out."""
    return rf"{first}(?:{_SP}\d){{{rest}}}"


# 주민등록번호 / 외국인등록번호: YYMMDD, then 7 digits whose first encodes century and sex (1-4) or
# marks a foreigner (5-8).
_RRN_SEP = rf"(?:{_SP}*{_DASH}{_SP}*|{_SP}{{1,3}})?"
_DIGIT = r"\d"
_RRN_FRONT = rf"(?:\d{{6}}|{_spaced(_DIGIT, 5)})"
_RRN_BACK = rf"(?:[1-8]\d{{6}}|{_spaced('[1-8]', 6)})"
_RRN = re.compile(
    rf"{_START}\d{{6}}{_RRN_SEP}[1-8]\d{{6}}{_END}|{_SPACED_START}{_RRN_FRONT}{_RRN_SEP}{_RRN_BACK}{_SPACED_END}"
)

# Cards: 16 digits as 4-4-4-4, or American Express 15 digits as 4-6-5, one separator throughout so that
# "010-1234-5678 1544-4500" is not read as a card.
_CARD_SEP = rf"(?:{_SP}*{_DASH}{_SP}*|{_SP})?"
_CARD = re.compile(
    rf"{_START}(?:\d{{4}}(?P<sep>{_CARD_SEP})\d{{4}}(?P=sep)\d{{4}}(?P=sep)\d{{4}}"
    rf"|3[47]\d{{2}}(?P<amex>{_CARD_SEP})\d{{6}}(?P=amex)\d{{5}}){_END}"
)

# Accounts: 2-6 digits, then one to four more groups joined by hyphens, 10-14 digits in all
# (110-123-456789, 1002-123-456789, 123-456789-01-234); or 10-14 digits in one run, as STT writes
# them, unless followed by 원 (an amount).
_ACCOUNT_DIGITS = range(10, 15)
_ACCOUNT = re.compile(
    rf"{_GROUP_START}\d{{2,6}}(?:{_SP}*{_DASH}{_SP}*\d{{1,7}}){{1,4}}{_GROUP_END}"
    rf"|(?<!\d)(?<!\d[.,])\d{{10,14}}(?!\d)(?![.,]\d)(?!{_SP}*원)"
)

# The lookbehind starts a local part only where it begins; without it a long run is rescanned from every offset.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])")


def _is_card(m: re.Match[str]) -> bool:
    """Not the tail of a longer number written the same way ("010 1234 5678 9012 3456")."""
    sep = m.group("sep") or m.group("amex") or ""
    before = m.string[max(0, m.start() - len(sep) - 1) : m.start()]
    return not (sep and before[1:] == sep and before[:1].isdigit())


def _is_account(m: re.Match[str]) -> bool:
    return sum(c.isdigit() for c in m.group()) in _ACCOUNT_DIGITS


_Accept = Callable[[re.Match[str]], bool] | None
_RULES: tuple[tuple[str, re.Pattern[str], _Accept], ...] = (
    (EMAIL, _EMAIL, None),
    (RESIDENT_NUMBER, _RRN, None),
    (CARD_NUMBER, _CARD, _is_card),
    (PHONE_NUMBER, phones.PERSONAL, None),  # personal numbers only: see text/phones.py
    (ACCOUNT_NUMBER, _ACCOUNT, _is_account),
)


def _mask_once(text: str, counts: dict[str, int]) -> str:
    for kind, pattern, accept in _RULES:

        def replace(m: re.Match[str], kind: str = kind, accept: _Accept = accept) -> str:
            if accept is not None and not accept(m):
                return m.group()
            counts[kind] = counts.get(kind, 0) + 1
            return placeholder(kind)

        text = pattern.sub(replace, text)
    return text


def mask_pii(text: str) -> MaskResult:
    """Replace personal data in ``text`` with ``[kind]`` placeholders; see the module docstring."""
    counts: dict[str, int] = {}
    while True:
        masked = _mask_once(text, counts)
        if masked == text:  # every pass that changes something removes digits, so this ends
            return MaskResult(masked, {k: counts[k] for k in KINDS if k in counts})
        text = masked


def contains_pii(text: str) -> bool:
    """True when ``mask_pii`` would change ``text``.

    >>> contains_pii("카드 1234-5678-9012-3456 분실"), contains_pii("1544-4500으로 전화하세요")
    (True, False)
    """
    return bool(mask_pii(text).counts)
