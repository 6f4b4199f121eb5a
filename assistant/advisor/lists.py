"""The manual's lists, as the answer card quotes them.

A list intro ('…의 지원내용은 다음과 같습니다.', '…내용은 돌봄서비스, 휴식지원 프로그램으로 나누어집니다.') says
nothing by itself: what it announces is in the sentences after it (``list_items``). Numbered steps
('1. 누리집에서 참여신청', '2. 자격확인', '3. 청약 신청 및 가입', …) are a procedure: quoted with holes
(1, 3, 5) it reads as if steps 2 and 4 did not exist, so the short steps between two quoted ones come
too (``numbered_gaps``). A long item is a case of a table ('2. 원발성 폐암의 경우 요양생활수당이 …'), not a
step: the caller's own case is the one to quote, not its neighbours.

>>> steps = ["1. 참여신청.", "2. 자격확인", "사이트는 a.kr 입니다.", "3. 청약 및 가입.", "4. 적립", "5. 만기금 지급"]
>>> sorted(numbered_gaps(steps, {"1. 참여신청.", "3. 청약 및 가입.", "5. 만기금 지급"}))
['1. 참여신청.', '2. 자격확인', '3. 청약 및 가입.', '4. 적립', '5. 만기금 지급']
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# '…의 지원내용은 다음과 같습니다.' says nothing by itself: what it announces is in the sentences after it;
# nor does '…내용은 돌봄서비스, 휴식지원 프로그램으로 나누어집니다.' (or '…3가지로 구분된다.'), which names the parts
_LIST_INTRO = re.compile(r"(?:(?:다음과|아래와)\s*같(?:습니다|다|음|이)"
                         r"|(?:으로|로)\s*(?:크게\s*)?(?:나누어|나뉘어|나뉩|나뉜|구분)(?:지게\s*됩니다|지게\s*된다|집니다|진다|됩니다|된다|니다|다))\s*[.:]?$")


def list_items(cands: Sequence[str], chosen: set[str], min_chars: int = 60, most: int = 3) -> set[str]:
    """The sentences that a chosen list intro ('…은 다음과 같습니다.') announces: those after it, up to the
    next intro, until they say ``min_chars`` characters or ``most`` sentences (a list's items are short). An
    intro right after a chosen one ('…은 다음과 같습니다. 감면 내역은 크게 8가지로 나누어집니다.') is what the
    first announces: it comes, with what it announces."""
    out: set[str] = set()
    for i, s in enumerate(cands):
        if (s not in chosen and s not in out) or not _LIST_INTRO.search(s):
            continue
        said = 0
        for j, item in enumerate(cands[i + 1:i + 1 + most]):
            if _LIST_INTRO.search(item):
                if j == 0:
                    out.add(item)  # a nested intro: its own items follow when the loop reaches it
                break
            if said >= min_chars:
                break
            out.add(item)
            said += len(item)
    return out


_STEP = re.compile(r"^(\d{1,2})[.)]\s")
#: a list item's mark: '1. ', '2) ', '가. ', '- ', '· ', '○ '
_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[가-하][.)]|[-·•○◦▪※*])\s*\S")


def marked_items(cands: Sequence[str], intros: set[str], most: int = 8) -> set[str]:
    """The marked items ('1. 사진 1장', '2. 진단서', '- 신분증') right after each of ``intros``, up to ``most``
    and up to the first sentence that is not one: a whole list, for a question that asked for it (what to
    bring), where ``list_items`` quotes a list's first items only.

    >>> sorted(marked_items(["서류는 다음과 같습니다.", "1. 사진", "2. 진단서", "문의는 129", "3. 별개"], {"서류는 다음과 같습니다."}))
    ['1. 사진', '2. 진단서']
    """
    out: set[str] = set()
    for i, s in enumerate(cands):
        if s in intros:
            for item in cands[i + 1:i + 1 + most]:
                if not _ITEM.match(item):
                    break
                out.add(item)
    return out


def numbered_gaps(cands: Sequence[str], chosen: set[str], step_chars: int = 40) -> set[str]:
    """``chosen`` and the numbered steps (at most ``step_chars`` long) between two chosen ones of one list. A list is a run of
    sentences numbered 1, 2, 3, … in the manual's order (unnumbered sentences between steps belong to
    the step before and are not added); a number that does not follow on starts another list."""
    out = set(chosen)
    run: list[str] = []

    def close() -> None:
        picked = [i for i, r in enumerate(run) if r in chosen]
        if len(picked) >= 2:
            out.update(r for r in run[picked[0]:picked[-1] + 1] if len(r) <= step_chars)

    for s in cands:
        step = _STEP.match(s)
        if not step:
            continue  # a step's own further sentences, or text outside any list
        number = int(step.group(1))
        if run and number == len(run) + 1:
            run.append(s)
            continue
        close()
        run = [s] if number == 1 else []
    close()
    return out
