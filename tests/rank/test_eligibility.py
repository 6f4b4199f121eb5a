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


def _fit_by_definition(caller: Situation, entry: Situation) -> tuple:
    """Every requirement in turn: the entry needs it and the caller said nothing (unstated), said no or
    another value of an exclusive attribute (conflict), or a fitting value (met); the caller said yes
    to something the entry does not ask (extra)."""
    from assistant.rank.eligibility import REQUIREMENTS
    cs, es = caller.values("stage"), entry.values("stage")
    stage = 0 if not cs or not es else 1 if cs & es else -1
    met = conflicts = extra = 0
    unstated = []
    for attr in REQUIREMENTS:
        have, need = caller.values(attr), entry.values(attr)
        said_no = bool(have) and have <= {"no", "none"}
        if need and not have:
            unstated.append(attr)
        elif need and (said_no or (attr == "care" and not have & need)):
            conflicts += 1
        elif need:
            met += 1
        elif have and not said_no:
            extra += 1
    return stage, met, tuple(unstated), conflicts, extra


def _situations():
    from hypothesis import strategies as st

    from assistant.rank.situation import ATTRIBUTES
    value = {a: st.frozensets(st.sampled_from(list(v) + ["yes", "no", "none"]), max_size=2)
             for a, v in ATTRIBUTES.items()}
    return st.dictionaries(st.sampled_from(list(ATTRIBUTES)), st.just(None), max_size=4).flatmap(
        lambda keys: st.fixed_dictionaries({k: value[k] for k in keys})).map(Situation)


def test_fit_agrees_with_its_definition_on_any_pair_of_situations() -> None:
    from hypothesis import given, settings

    @settings(max_examples=400, deadline=None)
    @given(_situations(), _situations())
    def check(caller: Situation, entry: Situation) -> None:
        f = fit(caller, entry)
        assert (f.stage, f.met, f.unstated, f.conflicts, f.extra) == _fit_by_definition(caller, entry)

    check()
