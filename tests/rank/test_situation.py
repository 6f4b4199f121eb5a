"""The caller's situation, read from questions in every language the 120 lines serve."""

from __future__ import annotations

import pytest

from assistant.errors import AssistantError
from assistant.rank.situation import SituationLexicon, read_age, stage_of_age

pytestmark = pytest.mark.unit
LEX = SituationLexicon.default()


@pytest.mark.parametrize(("text", "age"), [
    ("어머니가 72세이신데", 72), ("육십오 세 되셨어요", 65), ("여든 넘으신 할머니", 80), ("칠십대 아버지", 70),
    ("서른 다섯 살이에요", 35), ("my mother is seventy-two years old", 72), ("我妈妈75岁", 75), ("Tôi 68 tuổi", 68),
    ("ээж маань 70 настай", 70), ("母は80歳です", 80), ("애가 18개월이에요", 18), ("출산 지원금 문의", None),
])
def test_ages_in_digits_and_number_words(text: str, age: int | None) -> None:
    assert read_age(text)[0] == age


def test_an_age_gives_its_life_stage_and_months_are_infants() -> None:
    assert [stage_of_age(a) for a in (3, 9, 15, 30, 50, 70)] == ["영유아", "아동", "청소년", "청년", "중장년", "노년"]
    assert LEX.extract("아기가 18개월이에요").values("stage") == {"영유아"}


@pytest.mark.parametrize(("text", "attr", "value"), [
    ("한부모 가정이에요", "household", "한부모"), ("I'm a single mother", "household", "한부모"),
    ("我是单亲妈妈", "household", "한부모"), ("Tôi là mẹ đơn thân", "household", "한부모"),
    ("ひとり親です", "household", "한부모"), ("Би өрх толгойлсон эх", "household", "한부모"),
    ("남편이 장애가 있어요", "disability", "yes"), ("my son is disabled", "disability", "yes"),
    ("孩子有残疾", "disability", "yes"), ("con tôi bị khuyết tật", "disability", "yes"),
    ("хүү маань хөгжлийн бэрхшээлтэй", "disability", "yes"),
    ("기초수급자예요", "income", "기초수급"), ("차상위 가구인데", "income", "차상위"), ("we are low-income", "income", "저소득"),
    ("бага орлоготой өрх", "income", "저소득"), ("국가유공자 유족인데", "veteran", "yes"), ("I am a veteran", "veteran", "yes"),
    ("임신 20주예요", "stage", "임신·출산"), ("I'm pregnant", "stage", "임신·출산"), ("Би жирэмсэн", "stage", "임신·출산"),
    ("혼자 사시는 어르신", "household", "1인"), ("결혼이민자예요", "household", "다문화"),
])
def test_situation_words_in_six_languages(text: str, attr: str, value: str) -> None:
    assert value in LEX.extract(text).values(attr)


def test_latin_words_match_whole_words_only() -> None:
    assert not LEX.extract("please send the veterinary form").has("veteran")


def test_a_child_at_home_is_not_in_daycare() -> None:
    assert LEX.extract("아이를 어린이집에 안 보내고 집에서 키워요").values("care") == {"가정"}
    assert LEX.extract("아이가 유치원에 다녀요").values("care") == {"기관"}


def test_entry_thresholds_become_stages_but_not_an_age() -> None:
    s = LEX.extract("만 65세 이상 어르신", thresholds=True)
    assert s.values("stage") == {"노년"} and s.age is None


def test_the_label_the_counselor_sees() -> None:
    s = LEX.extract("70대 기초수급자 할머니가 혼자 사세요")
    assert s.label().startswith("70대") and "기초수급" in s.label() and "1인" in s.label()
    assert s.with_answer("disability", "no").label() == s.label()  # a 'no' adds nothing to show
    assert "장애" in s.with_answer("disability", "yes").label()


def test_a_bad_lexicon_line_is_reported_with_its_number() -> None:
    with pytest.raises(AssistantError, match="line 2"):
        SituationLexicon.parse("stage=노년\t노인\nmood=happy\t기뻐\n")
    with pytest.raises(AssistantError, match="bad pattern"):
        SituationLexicon.parse("stage=노년\t노인(\n")


def test_a_birth_year_is_an_age_in_the_year_it_is_said():
    assert read_age("57년생인데요", this_year=2026) == (69, False)
    assert read_age("57년생인데요", this_year=2027) == (70, False)
    assert read_age("05년생 아들", this_year=2026) == (21, False)
    assert read_age("26년생", this_year=2026) == (0, False)
    assert read_age("27년생", this_year=2026) == (99, False), "a two-digit year after this one is last century"
    assert read_age("150년생") == (None, False)
    from datetime import date

    assert read_age("60년생")[0] == date.today().year - 1960
