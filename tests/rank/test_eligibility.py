"""Entries' eligibility, the caller's fit to it, scope cues and the clarifying question: pure logic."""

from __future__ import annotations

import pytest

from assistant.errors import InvalidQuery
from assistant.rank.clarify import clarify, parse_answer
from assistant.rank.cues import CITY, DISTRICT, NATIONAL, NONE, scope_cue, scope_level
from assistant.rank.eligibility import entry_situation, fit
from assistant.rank.situation import Situation, SituationLexicon
from assistant.types import EntryRecord, Scope

pytestmark = pytest.mark.unit
LEX = SituationLexicon.default()


def entry(title: str, content: str, scope: Scope = Scope.national, **kw: str) -> EntryRecord:
    return EntryRecord(entry_id=title, title=title, content=content, scope=scope, **kw)


def test_eligibility_from_the_lifecycle_line_title_and_target_sentence() -> None:
    local = entry("장애인가정 출산지원금", "출산 가정 지원\n대상(생애주기): 임신 · 출산, 영유아", Scope.sigungu, sido="서울특별시",
                  sigungu="중구")
    s = entry_situation(local, LEX)
    assert s.values("stage") == {"임신·출산", "영유아"} and s.has("disability")
    national = entry("기초연금", "기초연금 지원대상은 만 65세 이상 어르신 중 소득하위 70%입니다.\n\n신청은 주민센터")
    assert entry_situation(national, LEX).values("stage") == {"노년"}


def test_fit_counts_met_unstated_conflicting_and_extra() -> None:
    need = Situation({"stage": frozenset({"노년"}), "disability": frozenset({"yes"})})
    assert fit(Situation({"stage": frozenset({"청년"})}), need).stage == -1
    said = fit(Situation({"stage": frozenset({"노년"}), "disability": frozenset({"yes"})}), need)
    assert (said.stage, said.met, said.unstated, said.conflicts) == (1, 1, (), 0)
    assert fit(Situation({"disability": frozenset({"no"})}), need).conflicts == 1
    assert fit(Situation({"veteran": frozenset({"yes"})}), need).extra == 1
    assert fit(Situation({"care": frozenset({"기관"})}), Situation({"care": frozenset({"가정"})})).conflicts == 1


@pytest.mark.parametrize(("q", "cue"), [
    ("구청에서 주는 거 있어요", DISTRICT), ("우리 동네에서 하는 거", DISTRICT), ("서울시에서 따로 주는", CITY),
    ("나라에서 주는 지원금", NATIONAL), ("정부 지원 있나요", NATIONAL), ("출산 지원금 얼마예요", NONE),
])
def test_scope_cues(q: str, cue: int) -> None:
    assert scope_cue(q) == cue


def test_entry_scope_on_the_cue_scale() -> None:
    assert [scope_level(s) for s in ("national", "sido", "sigungu", "agency")] == [NATIONAL, CITY, DISTRICT, NATIONAL]


DISABLED = ("a", "장애인가정 출산지원금", Situation({"disability": frozenset({"yes"})}), 0.5)
ORDINARY = ("b", "출산양육지원금", Situation(), 0.4)


def test_a_question_separates_close_look_alikes_and_says_where_each_answer_leads() -> None:
    c = clarify(Situation(), [DISABLED, ORDINARY])
    assert c is not None and c.attribute == "disability"
    assert {(o.value, o.entry_id) for o in c.options} == {("yes", "a"), ("no", "b")}
    assert clarify(Situation(), [ORDINARY, DISABLED]) is not None  # either order


def test_no_question_when_the_caller_said_it_or_the_rival_is_far_behind() -> None:
    assert clarify(Situation({"disability": frozenset({"no"})}), [DISABLED, ORDINARY]) is None
    assert clarify(Situation(), [DISABLED, (*ORDINARY[:3], 0.01)]) is None
    assert clarify(Situation(), [DISABLED]) is None


def test_ages_separate_child_and_adult_programmes_with_a_stage_question() -> None:
    child = ("c", "소아 암 환자 의료비", Situation({"stage": frozenset({"아동", "청소년"})}), 0.5)
    adult = ("d", "성인 암 환자 의료비", Situation({"stage": frozenset({"청년", "중장년", "노년"})}), 0.45)
    c = clarify(Situation(), [child, adult])
    assert c is not None and c.attribute == "stage" and [o.entry_id for o in c.options] == ["c", "d"]


def test_clarifying_answers_are_parsed_and_unknown_ones_refused_with_the_valid_list() -> None:
    assert parse_answer({"disability": "yes"}).values("disability") == {"yes"}
    with pytest.raises(InvalidQuery, match="valid: stage, household"):
        parse_answer({"mood": "happy"})
    with pytest.raises(InvalidQuery, match="valid: yes, no"):
        parse_answer({"disability": "maybe"})
