"""The one question that separates look-alike programmes: pure logic over eligibility.

When the first entries are close and differ on an eligibility attribute the caller has not spoken
about (one is for disabled households, the other for everyone), guessing is wrong half the time;
a counselor asks. ``clarify`` picks that attribute, words the question, and says what each answer
leads to. The counselor's answer comes back as a ``Situation`` and the ranking runs again with it.

>>> from assistant.rank.situation import Situation
>>> a = ("e1", "장애인가정 출산지원금", Situation({"disability": frozenset({"yes"})}), 0.45)
>>> b = ("e2", "출산양육지원금", Situation(), 0.40)
>>> c = clarify(Situation(), [a, b])
>>> c.attribute, c.question, [o.entry_id for o in c.options]
('disability', '장애인 가정이신가요?', ['e1', 'e2'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.errors import InvalidQuery
from assistant.rank.situation import ATTRIBUTES, Situation

#: how the counselor asks, per attribute (the value a 'yes' stands for is the entry's own)
QUESTIONS = {
    "disability": "장애인 가정이신가요?",
    "veteran": "국가유공자(보훈대상) 본인이나 가족이신가요?",
    "income": "기초생활수급자나 차상위 가구이신가요?",
    "care": "아이가 어린이집이나 유치원에 다니나요?",
    "stage": "도움이 필요한 분의 나이(생애주기)가 어떻게 되시나요?",
}
HOUSEHOLD_QUESTIONS = {"한부모": "한부모 가정이신가요?", "조손": "조부모가 손주를 키우는 가정이신가요?",
                       "다문화": "다문화(결혼이민) 가정이신가요?", "1인": "혼자 사시나요?",
                       "다자녀": "자녀가 셋 이상이신가요?"}
YES, NO = "예", "아니요"
_ORDER = ("disability", "household", "veteran", "income", "care", "stage")


class UnknownAttribute(InvalidQuery):
    """A clarifying answer names an attribute or value the ranker does not know (422 in the API)."""


@dataclass(frozen=True)
class Option:
    label: str           # what the counselor clicks: 예 / 아니요 / a life stage
    attribute: str
    value: str           # sent back as the answer
    entry_id: str        # the entry this answer leads to
    title: str

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "attribute": self.attribute, "value": self.value,
                "entry_id": self.entry_id, "title": self.title}


@dataclass(frozen=True)
class Clarification:
    attribute: str
    question: str
    options: tuple[Option, ...]

    def as_dict(self) -> dict[str, object]:
        return {"attribute": self.attribute, "question": self.question,
                "options": [o.as_dict() for o in self.options]}


def parse_answer(answers: dict[str, str]) -> Situation:
    """{'disability': 'yes', 'household': '한부모'} → a Situation; unknown names → ``UnknownAttribute``."""
    attrs = {}
    for attr, value in answers.items():
        if attr not in ATTRIBUTES:
            raise UnknownAttribute(f"unknown attribute {attr!r}; valid: {', '.join(ATTRIBUTES)}")
        allowed = (*ATTRIBUTES[attr], "no") if attr == "household" else ATTRIBUTES[attr]
        if value not in allowed:
            raise UnknownAttribute(f"unknown value {value!r} for {attr}; valid: {', '.join(allowed)}")
        attrs[attr] = frozenset({value})
    return Situation(attrs)


Candidate = tuple[str, str, Situation, float]  # entry id, title, eligibility, ranker score


def clarify(caller: Situation, candidates: Sequence[Candidate], *, close: float = 0.2,
            window: int = 3) -> Clarification | None:
    """A question when the first entry's closest rival (score at least ``close`` × the first's, within
    the first ``window``) differs from it on an attribute the caller has not stated; else None."""
    if len(candidates) < 2:
        return None
    first = candidates[0]
    rivals = [c for c in candidates[1:window] if first[3] > 0 and c[3] >= close * first[3]]
    for rival in rivals:
        for attr in _ORDER:
            if caller.has(attr):
                continue
            q = _separate(attr, first, rival)
            if q is not None:
                return q
    return None


def _separate(attr: str, a: Candidate, b: Candidate) -> Clarification | None:
    va, vb = a[2].values(attr), b[2].values(attr)
    if va == vb:
        return None
    if attr == "stage":
        if not va or not vb or va & vb:
            return None  # one open to every age, or overlapping: age does not decide
        return Clarification(attr, QUESTIONS[attr], (
            Option("·".join(sorted(va)), attr, sorted(va)[0], a[0], a[1]),
            Option("·".join(sorted(vb)), attr, sorted(vb)[0], b[0], b[1])))
    if attr == "care":
        if not va or not vb:
            return None
        yes, no = (a, b) if "기관" in va else (b, a)
        return Clarification(attr, QUESTIONS[attr], (Option(YES, attr, "기관", yes[0], yes[1]),
                                                     Option(NO, attr, "가정", no[0], no[1])))
    if va and vb:
        return None  # both restricted, differently: not a yes/no question
    needs, other = (a, b) if va else (b, a)
    value = sorted(needs[2].values(attr))[0]
    question = HOUSEHOLD_QUESTIONS[value] if attr == "household" else QUESTIONS[attr]
    no_value = "none" if attr == "income" else "no"
    return Clarification(attr, question, (Option(YES, attr, value, needs[0], needs[1]),
                                          Option(NO, attr, no_value, other[0], other[1])))
