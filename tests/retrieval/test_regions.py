import random

import pytest

from assistant.errors import AmbiguousRegion, UnknownRegion
from assistant.retrieval.regions import (
    SIDO_ALIASES,
    RegionResolver,
    RegionTableError,
    read_divisions,
    shipped_divisions,
)
from assistant.types import Region

pytestmark = pytest.mark.unit

CURRENT = [d for d in shipped_divisions() if d.status == "current"]
FORMER = [d for d in shipped_divisions() if d.status == "former"]


@pytest.fixture(scope="module")
def resolver():
    return RegionResolver()


@pytest.mark.parametrize("text, expected", [
    ("서울특별시 강남구", Region("서울특별시", "강남구")),
    ("서울 강남구", Region("서울특별시", "강남구")),
    ("  서울특별시   강남구 ", Region("서울특별시", "강남구")),
    ("강남구", Region("서울특별시", "강남구")),
    ("서울", Region("서울특별시")),
    ("서울시", Region("서울특별시")),
    ("서울특별시", Region("서울특별시")),
    ("부산 중구", Region("부산광역시", "중구")),
    ("수원시", Region("경기도", "수원시")),
    ("인천광역시 서구", Region("인천광역시", "서구")),  # split in 2026: still a caller's region
    ("광주광역시 북구", Region("전남광주통합특별시", "북구")),
    ("강원도", Region("강원특별자치도")),
    ("강원도 고성군", Region("강원특별자치도", "고성군")),
    ("전라북도", Region("전북특별자치도")),
    ("전라북도 전주시", Region("전북특별자치도", "전주시")),
    ("대구광역시 군위군", Region("대구광역시", "군위군")),
    ("경상북도 군위군", Region("대구광역시", "군위군")),
    ("경기도 부천시", Region("경기도", "부천시")),
    ("경기도 수원시 장안구", Region("경기도", "수원시")),  # an 일반구 is its city's
    ("수원시 장안구", Region("경기도", "수원시")),
    ("장안구", Region("경기도", "수원시")),
    ("세종", Region("세종특별자치시")),
    ("", Region()),
    (None, Region()),
])
def test_accepted_forms(resolver, text, expected):
    assert resolver.parse(text) == expected


def test_every_sido_and_its_short_names_parse(resolver):
    sidos = {d.sido for d in CURRENT if not d.sigungu}
    assert len(sidos) == 16  # 17 until 광주광역시 and 전라남도 merged (2026)
    for sido in sidos:
        assert resolver.parse(sido) == Region(sido)
    for name, aliases in SIDO_ALIASES.items():
        target = resolver.parse(name)
        assert target.sido in sidos and not target.sigungu
        assert all(resolver.parse(a) == target for a in aliases)


def test_a_sample_of_every_kind_of_division_parses(resolver):
    rng = random.Random(9)
    sigungu = [d for d in CURRENT if d.sigungu and not d.district]
    districts = [d for d in CURRENT if d.district]
    for d in rng.sample(sigungu, 40) + rng.sample(districts, 10) + rng.sample(FORMER, 15):
        text = f"{d.sido} {d.sigungu} {d.district}".strip()
        assert resolver.parse(text) == d.region, text
        assert resolver.parse(d.region.label) == d.region  # what the counselor is shown parses back


def test_the_table_is_complete_and_current():
    sigungu = {(d.sido, d.sigungu) for d in CURRENT if d.sigungu and not d.district}
    assert len(sigungu) >= 226  # every 기초자치단체, plus 제주시 and 서귀포시
    assert len([s for s, _ in sigungu if s == "서울특별시"]) == 25
    assert ("대구광역시", "군위군") in sigungu and ("경상북도", "군위군") not in sigungu
    assert {d.sido for d in CURRENT} >= {"강원특별자치도", "전북특별자치도"}
    assert not {d.sido for d in CURRENT} & {"강원도", "전라북도"}


def test_choices_are_the_current_divisions(resolver):
    choices = resolver.choices()
    assert len([c for c in choices if c.startswith("서울특별시 ")]) == 25
    assert "경기도 수원시" in choices and "경상북도 군위군" not in choices
    assert all(resolver.parse(c).label == c for c in choices)


@pytest.mark.parametrize("text, listed", [
    ("중구", ["서울특별시 중구", "부산광역시 중구"]),
    ("남구", ["경상북도 포항시 남구", "부산광역시 남구"]),
])
def test_ambiguous_district_lists_the_cities(resolver, text, listed):
    with pytest.raises(AmbiguousRegion) as exc:
        resolver.parse(text)
    assert all(c in str(exc.value) for c in listed)
    for c in listed:  # and each listed form is accepted
        assert resolver.parse(c).sido == c.split()[0]


@pytest.mark.parametrize("text", ["화성", "서울 해운대구", "Atlantis", "서울 강남구 역삼동", "경기도 장안동"])
def test_unknown_region_lists_accepted_forms(resolver, text):
    with pytest.raises(UnknownRegion) as exc:
        resolver.parse(text)
    assert "Accepted forms" in str(exc.value) and ("서울특별시" in str(exc.value) or "경기도 " in str(exc.value))


def test_a_small_table_is_all_that_is_known():
    table = read_divisions("status\tcode\tsido\tsigungu\tdistrict\tto_sido\tto_sigungu\n"
                           "current\t11\t서울특별시\t\t\t\t\ncurrent\t11680\t서울특별시\t강남구\t\t\t\n")
    r = RegionResolver(table)
    assert r.parse("서울 강남구") == Region("서울특별시", "강남구")
    with pytest.raises(UnknownRegion):
        r.parse("부산광역시")


@pytest.mark.parametrize("text", ["", "sido\tsigungu\n", "status\tcode\tsido\tsigungu\tdistrict\tto_sido\tto_sigungu\n"
                                  "present\t11\t서울특별시\t\t\t\t\n"])
def test_a_broken_table_is_a_clear_error(text):
    with pytest.raises(RegionTableError):
        read_divisions(text)


@pytest.mark.parametrize("text, expected", [
    ("저 서울 사는데요 기초연금", Region("서울특별시")),
    ("강남구에 사는데 출산", Region("서울특별시", "강남구")),
    ("부산 중구 사는데", Region("부산광역시", "중구")),
    ("수원에서 왔어요", Region("경기도", "수원시")),
    ("마포 살아요 기초연금", Region("서울특별시", "마포구")),
    ("인천 서구 사는데 출산", Region("인천광역시", "서구")),
    ("중구 사는데", None),
    ("기초연금 신청하려고요", None),
    # district names without their suffix that are ordinary words
    ("고령자 기초연금 신청", None),
    ("예산이 부족하대요", None),
    ("음성 메시지로 남겼어요", None),
    ("장수수당 받을 수 있나요", None),
])
def test_region_named_in_passing(resolver, text, expected):
    assert resolver.mentioned_in(text) == expected
