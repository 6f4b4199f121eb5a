"""What the widgets are sent, and who receives each event (pure functions).

An event is addressed to one token holder (``user``: a call's counselor gets that call's suggestions),
to the widgets following a region (``region``: notices and alert banners), or to every widget. Ids are
Redis stream ids, ``<milliseconds>-<sequence>``, ordered as the pairs of numbers they spell, whichever
log (memory or Redis) wrote them: a widget's ``Last-Event-ID`` resumes after exactly that event.

>>> notice = Event("notice", {"text": "역삼동 일대 단수"}, region="서울특별시 강남구")
>>> delivers(notice, "kim", [Region("서울특별시", "강남구")]), delivers(notice, "kim", [Region("부산광역시")])
(True, False)
>>> delivers(notice, "kim", [])   # a widget with no region set follows every region
True
>>> delivers(Event("suggestion", {}, user="kim"), "lee", [])
False
>>> delivers(Event("suggestion", {}, user="kim", agency="nts"), "kim", [], agency="mois")  # a namesake elsewhere
False
>>> id_key("1733212345678-2") < id_key("1733212345679-0")
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.errors import InvalidQuery
from assistant.types import Region

KINDS = ("suggestion", "notice", "notice_end", "alert", "transfer", "transfer_claimed")
_ID = re.compile(r"^([0-9]{1,20})-([0-9]{1,20})$")


class BadEventId(InvalidQuery):
    """A ``Last-Event-ID`` (or ``after``) that is not an id this service sent."""


@dataclass(frozen=True, slots=True)
class Event:
    """One pushed event; ``id`` is set by the log that stored it."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    user: str = ""    # only this token holder's widgets
    region: str = ""  # only widgets following a region that overlaps this one (a Region label)
    id: str = ""
    # only widgets of tokens of this agency (token names are unique per agency, not across agencies, so a
    # user-addressed event names the agency too); "" = any agency
    agency: str = ""

    def with_id(self, event_id: str) -> Event:
        return replace(self, id=event_id)

    def fields(self) -> dict[str, str]:
        """Flat string fields, as a Redis stream entry stores them."""
        return {"kind": self.kind, "user": self.user, "region": self.region, "agency": self.agency,
                "data": json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))}

    @classmethod
    def from_fields(cls, event_id: str, fields: dict[str, str]) -> Event:
        return cls(fields.get("kind", ""), json.loads(fields.get("data") or "{}"), fields.get("user", ""),
                   fields.get("region", ""), event_id, fields.get("agency", ""))


def id_key(event_id: str) -> tuple[int, int]:
    """An event id as a sortable pair; anything else is a ``BadEventId`` naming the expected form."""
    m = _ID.match(event_id.strip())
    if m is None:
        raise BadEventId(f"event id {event_id[:40]!r} is not one this service sent: expected "
                         "'<milliseconds>-<sequence>', two numbers and a dash, as on the id: line of an event")
    return int(m.group(1)), int(m.group(2))


def region_of(label: str) -> Region:
    """A Region from its label ('서울특별시 강남구'): a 시도 name has no space in it."""
    sido, _, sigungu = label.strip().partition(" ")
    return Region(sido, sigungu)


def overlaps(a: Region, b: Region) -> bool:
    """Same 시도, and one of them is the whole 시도 or both are the same 시군구."""
    return bool(a.sido) and a.sido == b.sido and (not a.sigungu or not b.sigungu or a.sigungu == b.sigungu)


def delivers(event: Event, user: str, regions: Sequence[Region], agency: str = "") -> bool:
    """Does a widget of token holder ``user`` (of ``agency``) following ``regions`` receive ``event``? A widget
    with no region follows all of them: its counselor may take a call from anywhere."""
    if event.agency != agency and (event.agency or event.user):
        return False  # another agency's, or addressed to a namesake in another agency
    if event.user and event.user != user:
        return False
    if event.region and regions:
        target = region_of(event.region)
        return any(overlaps(target, r) for r in regions)
    return True


def sse_frame(event: Event) -> str:
    """The event as a server-sent event: ``id``, ``event`` and one ``data`` line of JSON."""
    data = json.dumps(event.data, ensure_ascii=False, separators=(",", ":"))
    head = f"id: {event.id}\n" if event.id else ""
    return f"{head}event: {event.kind}\ndata: {data}\n\n"
