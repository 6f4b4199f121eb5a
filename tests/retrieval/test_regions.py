import pytest

from assistant.errors import AmbiguousRegion, UnknownRegion
from assistant.retrieval.regions import RegionResolver
from assistant.types import Region

pytestmark = pytest.mark.unit

PAIRS = [("서울특별시", "강남구"), ("서울특별시", "중구"), ("부산광역시", "중구"), ("경기도", "수원시")]


@pytest.fixture()
def resolver():
    return RegionResolver(PAIRS)


@pytest.mark.parametrize("text, expected", [
    ("서울특별시 강남구", Region("서울특별시", "강남구")),
    ("서울 강남구", Region("서울특별시", "강남구")),
    ("  서울특별시   강남구 ", Region("서울특별시", "강남구")),
    ("강남구", Region("서울특별시", "강남구")),
    ("서울", Region("서울특별시")),
    ("서울특별시", Region("서울특별시")),
    ("부산 중구", Region("부산광역시", "중구")),
    ("수원시", Region("경기도", "수원시")),
    ("", Region()),
    (None, Region()),
])
def test_accepted_forms(resolver, text, expected):
    assert resolver.parse(text) == expected


def test_ambiguous_district_lists_the_cities(resolver):
    with pytest.raises(AmbiguousRegion) as exc:
        resolver.parse("중구")
    assert "서울특별시 중구" in str(exc.value) and "부산광역시 중구" in str(exc.value)


@pytest.mark.parametrize("text", ["화성", "서울 해운대구", "Atlantis", "서울 강남구 역삼동"])
def test_unknown_region_lists_accepted_forms(resolver, text):
    with pytest.raises(UnknownRegion) as exc:
        resolver.parse(text)
    assert "서울특별시" in str(exc.value)


def test_all_25_seoul_districts_are_known_without_data():
    r = RegionResolver()
    assert len([c for c in r.choices() if c.startswith("서울특별시 ")]) == 25


@pytest.mark.parametrize("text, expected", [
    ("저 서울 사는데요 기초연금", Region("서울특별시")),
    ("강남구에 사는데 출산", Region("서울특별시", "강남구")),
    ("부산 중구 사는데", Region("부산광역시", "중구")),
    ("수원에서 왔어요", Region("경기도", "수원시")),
    ("중구 사는데", None),
    ("기초연금 신청하려고요", None),
])
def test_region_named_in_passing(resolver, text, expected):
    assert resolver.mentioned_in(text) == expected
