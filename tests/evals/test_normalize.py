import pytest

from assistant.evals.normalize import canon_numbers, fact_covered, normalize, numbers, strip_particle

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("a, b", [
    ("20만 원", "200,000원"),
    ("20만원", "200000 원"),
    ("1억 5천만 원", "150,000,000원"),
    ("5천만원", "50,000,000 원"),
    ("1,500만 원", "15000000원"),
    ("만 65세 이상", "만65세 이상"),
    ("읍면동 주민센터", "읍면동주민센터"),
])
def test_equivalent_forms_normalise_alike(a, b):
    assert normalize(a) == normalize(b)


def test_age_prefix_is_not_ten_thousand():
    assert numbers("만 65세 이상") == ["65"]
    assert "650000" not in canon_numbers("만 65세")


def test_numbers_keep_phones_and_text_order():
    assert numbers("월 최대 20만 원, 최대 12개월, 문의 1544-4500") == ["200000", "12", "1544-4500"]
    assert numbers("02-2133-1234로 전화") == ["02-2133-1234"]
    assert numbers("3.5% 금리, 19~34세") == ["3.5", "19", "34"]
    assert numbers("두 숫자 3 4") == ["3", "4"]  # separate numbers are not one amount


def test_strip_particle():
    assert strip_particle("대상은") == "대상"
    assert strip_particle("주민센터에서") == "주민센터"
    assert strip_particle("은") == "은"


@pytest.mark.parametrize("fact, answer", [
    ("20만 원", "지원금은 200,000원입니다."),
    ("단독가구의 경우는 165만 원", "단독가구 경우 1,650,000원을 받습니다"),
    ("읍면동 주민센터(행정복지센터)", "읍면동 주민센터 또는 행정복지센터에서 신청"),
    ("만 65세 이상", "만65세 이상 어르신"),
])
def test_fact_covered_despite_spacing_particles_and_number_formats(fact, answer):
    assert fact_covered(fact, answer)


@pytest.mark.parametrize("fact, answer", [
    ("30만 원", "지원금은 200,000원입니다."),
    ("1544-4500", "1544-4501로 문의"),
    ("최대 12개월", "최대 6개월 지원"),
    ("단독가구 165만 원", "165만 원, 단독가구"),  # words out of order
])
def test_fact_not_covered_when_it_is_not_there(fact, answer):
    assert not fact_covered(fact, answer)
