"""Who receives which event: the rules, checked on every pairing of audience and widget."""

from __future__ import annotations

import json

import pytest

from assistant.ops.push.events import BadEventId, Event, delivers, id_key, overlaps, region_of, sse_frame
from assistant.types import Region

pytestmark = pytest.mark.unit

GANGNAM, SEOUL, MAPO, BUSAN_JUNG = (Region("서울특별시", "강남구"), Region("서울특별시"), Region("서울특별시", "마포구"),
                                    Region("부산광역시", "중구"))


@pytest.mark.parametrize(("a", "b", "expected"), [
    (GANGNAM, GANGNAM, True), (GANGNAM, SEOUL, True), (SEOUL, GANGNAM, True), (GANGNAM, MAPO, False),
    (Region("부산광역시", "중구"), Region("서울특별시", "중구"), False), (Region(), SEOUL, False),
])
def test_overlap_is_symmetric_and_needs_the_same_city(a, b, expected):
    assert overlaps(a, b) is expected and overlaps(b, a) is expected


def test_a_user_event_reaches_only_that_user_whatever_regions_they_follow():
    e = Event("suggestion", {"call_id": "c"}, user="kim")
    assert delivers(e, "kim", []) and delivers(e, "kim", [BUSAN_JUNG])
    assert not delivers(e, "lee", []) and not delivers(e, "lee", [GANGNAM])


def test_a_region_event_reaches_widgets_following_an_overlapping_region_or_none():
    e = Event("notice", {}, region=GANGNAM.label)
    assert delivers(e, "x", [GANGNAM]) and delivers(e, "x", [SEOUL]) and delivers(e, "x", [MAPO, GANGNAM])
    assert delivers(e, "x", [])
    assert not delivers(e, "x", [MAPO]) and not delivers(e, "x", [BUSAN_JUNG])
    assert region_of(e.region) == GANGNAM


def test_a_broadcast_reaches_everyone():
    assert all(delivers(Event("alert", {}), u, r) for u in ("kim", "lee") for r in ([], [MAPO]))


@pytest.mark.parametrize("bad", ["", "abc", "12", "1-2-3", "-1-0", "1733212345678-", "１２-0"])
def test_bad_event_ids_are_refused_with_the_expected_form(bad):
    with pytest.raises(BadEventId, match="milliseconds"):
        id_key(bad)


def test_ids_order_numerically_not_as_text():
    assert id_key("99-0") < id_key("100-0") and id_key("5-9") < id_key("5-10")


def test_an_sse_frame_carries_id_kind_and_the_data_on_one_line():
    e = Event("notice", {"text": "단수\n복구"}, id="5-1")
    frame = sse_frame(e)
    lines = frame.split("\n")
    assert frame.endswith("\n\n") and lines[0] == "id: 5-1" and lines[1] == "event: notice"
    assert json.loads(lines[2].removeprefix("data: ")) == e.data
    assert Event.from_fields("5-1", Event("notice", e.data, user="u", region="r").fields()) == \
        Event("notice", e.data, user="u", region="r", id="5-1")
