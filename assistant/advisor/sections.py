"""The sections of a manual entry that say what is given and how to apply.

A national manual entry is written in paragraphs (separated by a blank line), each led by a sentence
that names what it tells: '…의 대상은 …', '…의 지원내용은 …', '…의 신청방법은 …', '…의 문의는 …'.
The lead of the 내용 paragraph is the manual's own statement of what the caller gets ('…내용은 배우자
출산휴가 10일 중 최초 5일 통상임금에 해당되는 금액 지급입니다', '…내용은 돌봄서비스, 휴식지원 프로그램으로
나누어집니다'), so the answer card quotes it: a sentence that merely gives an amount or says 무료 (a cap,
a means-tested fee in the who-qualifies paragraph) does not say what the programme gives. The lead of
the 신청방법 paragraph is likewise the manual's own statement of how to apply ('…신청방법은 본인 또는 보호자가
거주지 읍면동 주민센터에 신청하시면 됩니다'): a sentence that merely contains 신청 (the title '장애인 등록신청',
'신청문의는 129로') does not say how.

A lead that names who qualifies first ('…대상은 …이며, 자세한 내용은 다음과 같습니다') is the who paragraph's.

>>> text = "청년월세 대상은 청년입니다.\\n\\n청년월세 지원내용은 월 20만 원 지급입니다. 12개월 동안입니다."
>>> given_lead(text, ["청년월세 대상은 청년입니다.", "청년월세 지원내용은 월 20만 원 지급입니다.", "12개월 동안입니다."])
'청년월세 지원내용은 월 20만 원 지급입니다.'
>>> apply_lead("청년월세 대상은 청년입니다.\\n\\n청년월세 신청방법은 구청 방문입니다.",
...            ["청년월세 대상은 청년입니다.", "청년월세 신청방법은 구청 방문입니다."])
'청년월세 신청방법은 구청 방문입니다.'
>>> given_lead("긴급복지 대상은 위기가구이며, 자세한 내용은 다음과 같습니다.",
...            ["긴급복지 대상은 위기가구이며, 자세한 내용은 다음과 같습니다."]) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_PARAGRAPH = re.compile(r"\n\s*\n")
#: '…내용은', '…지원 내용은', '…지원내용의 경우'
_NAMES_GIVEN = re.compile(r"내용(?:은|는|의\s*경우)")
#: '…신청방법은', '…신청 방법은', '…신청방법의 경우', '…신청은 …'
_NAMES_APPLY = re.compile(r"신청\s*방법(?:은|는|의\s*경우)|신청(?:은|는)\s")
_NAMES_WHO = re.compile(r"대상|자격")


def given_lead(content: str, sentences: Sequence[str]) -> str | None:
    """The first sentence of the first paragraph led by what is given, or None (no such paragraph:
    a local entry's ``label: value`` lines, a manual written as one block)."""
    return _lead(content, sentences, _NAMES_GIVEN)


def apply_lead(content: str, sentences: Sequence[str]) -> str | None:
    """The first sentence of the first paragraph led by how to apply, or None."""
    return _lead(content, sentences, _NAMES_APPLY)


def _lead(content: str, sentences: Sequence[str], names: re.Pattern[str]) -> str | None:
    """The first paragraph lead that ``names`` its section before naming who qualifies. ``sentences`` are
    the content's, as ``split_sentences`` gives them: it splits line by line, so a paragraph's lead is the
    longest of them that starts its first line (read off, not split again: no Kiwi call, no cache entry)."""
    for paragraph in _PARAGRAPH.split(content):
        first = " ".join(next((line for line in paragraph.splitlines() if line.strip()), "").split())
        lead = max((s for s in sentences if first.startswith(s)), key=len, default=None)
        if lead is None:
            continue
        found = names.search(lead)
        if found and not _NAMES_WHO.search(lead, 0, found.start()):
            return lead
    return None
