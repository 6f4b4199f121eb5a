"""Notices (공지): post one for a region and a time window, push it to the widgets following that region at
once, end it early; and, for the advisor, the active notices a question matches.

Every change is written with its audit row in one transaction. Rows are only appended (``models``), so
the history is the table. The advisor's lookups read a copy of the active notices refreshed at most every
``cache_seconds`` (and at once after a change made through this process), so a notice posted on one
replica is cited by the others within that time, and no answer waits for the database.

>>> notices = NoticeService(engine, RegionResolver(), tokenizer.tokenize, push=hub)   # doctest: +SKIP
>>> notices.create(NoticeCreate(region="강남구", text="역삼동 일대 단수, 18시 복구 예정",
...                             topics="단수, 수돗물", duration_minutes=240), by=supervisor)  # doctest: +SKIP
>>> notices.active_for("역삼동인데 물이 단수됐나요", Region("서울특별시", "강남구"))        # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.auth.service import Principal, record_audit
from assistant.kb.db import session_scope
from assistant.kb.models import utcnow
from assistant.ops.notices.logic import (
    InvalidNotice,
    NoticeEnded,
    NoticeNotFound,
    Tokenize,
    cite_label,
    draft_from_alert,
    from_db,
    matched_topics,
    parse_status,
    parse_topics,
    status_of,
    topic_terms,
    window,
)
from assistant.ops.notices.models import Notice, NoticeCreate, NoticeDraft, NoticeEnd, NoticePublic, NoticesPublic
from assistant.ops.push.events import overlaps, region_of
from assistant.ops.push.hub import PushHub
from assistant.retrieval.regions import RegionResolver
from assistant.types import Region

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Active:
    notice: NoticePublic
    region: Region
    terms: list[tuple[str, frozenset[str]]]


class NoticeService:
    """Posts, lists and ends notices; finds the active ones a question matches (the advisor's ``NoticeSource``)."""

    def __init__(self, engine: Engine, regions: RegionResolver, tokenize: Tokenize, *, push: PushHub | None = None,
                 clock: Callable[[], datetime] = utcnow, cache_seconds: float = 2.0) -> None:
        self.engine, self.regions, self.tokenize = engine, regions, tokenize
        self.push, self.clock, self.cache_seconds = push, clock, cache_seconds
        self._active: list[_Active] = []
        self._loaded_at = float("-inf")  # monotonic
        self._lock = threading.Lock()

    # ---- posting and ending ----

    def region_label(self, value: str) -> str:
        """The full label of a region in any accepted form; unknown, ambiguous or empty is a 422 listing the forms."""
        if not value.strip():
            raise InvalidNotice("region is empty; name the 시도 or 시군구 the notice is for, e.g. '서울특별시 강남구', "
                                "'서울 마포구', '강남구' or '서울특별시' (the whole city)")
        return self.regions.parse(value).label

    def create(self, body: NoticeCreate, *, by: Principal) -> NoticePublic:
        """Validate, store with its audit row, push to the widgets following the region; the notice as stored."""
        region = self.region_label(body.region)
        text = " ".join(body.text.split())
        if not text:
            raise InvalidNotice("text is empty; write what counselors should tell callers, e.g. "
                                "'역삼동 일대 단수, 18시 복구 예정, 문의 강남구청 물관리과'")
        topics = parse_topics(body.topics, self.tokenize)
        now = self.clock()
        start, end = window(body.starts_at, body.ends_at, body.duration_minutes, now)
        with session_scope(self.engine) as s:
            row = Notice(region=region, text=text, topics=topics, starts_at=start, ends_at=end,
                         source_alert=body.source_alert, author=by.name, author_role=str(by.role), created_at=now)
            s.add(row)
            s.flush()
            assert row.id is not None
            record_audit(s, by, "notice.create", f"notice:{row.id}", detail={
                "region": region, "topics": topics, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
                "source_alert": body.source_alert})
        out = self._public(row, None, now)
        self._changed()
        if self.push is not None:
            self.push.publish("notice", out.model_dump(mode="json"), region=region)
        return out

    def end(self, notice_id: int, *, by: Principal, reason: str = "") -> NoticePublic:
        """End a notice before its window is over (a new row; nothing is deleted); an ended or expired
        notice is a ``NoticeEnded`` (409) and nothing changes."""
        now = self.clock()
        with session_scope(self.engine) as s:
            row = s.get(Notice, notice_id)
            if row is None:
                raise NoticeNotFound(notice_id)
            current = self._public(row, self._end_of(s, notice_id), now)
            if current.status in ("ended", "expired"):
                raise NoticeEnded(f"notice {notice_id} is {current.status} already (since "
                                  f"{(current.ended_at or current.ends_at).isoformat()}); nothing was changed")
            ending = NoticeEnd(notice_id=notice_id, ended_at=now, by=by.name, role=str(by.role), reason=reason.strip())
            s.add(ending)
            record_audit(s, by, "notice.end", f"notice:{notice_id}", detail={"reason": ending.reason})
            out = self._public(row, ending, now)
        self._changed()
        if self.push is not None:
            self.push.publish("notice_end", {"id": notice_id, "status": out.status, "ended_at": now.isoformat(),
                                             "ended_by": by.name}, region=out.region)
        return out

    def draft(self, alert: Mapping[str, Any] | Any) -> NoticeDraft:
        """A notice prefilled from an alert-like mapping (topic, region, samples, count, id), or the alert
        model itself: not stored."""
        if hasattr(alert, "model_dump"):
            alert = alert.model_dump(mode="json")
        raw = str(alert.get("region") or "")  # '' when the alert's callers gave no region: the supervisor picks one
        region = self.region_label(raw) if raw.strip() else ""
        return NoticeDraft(**draft_from_alert({**alert, "region": region}, self.tokenize, self.clock()))

    # ---- reading ----

    def get(self, notice_id: int) -> NoticePublic:
        with Session(self.engine) as s:
            row = s.get(Notice, notice_id)
            if row is None:
                raise NoticeNotFound(notice_id)
            return self._public(row, self._end_of(s, notice_id), self.clock())

    def find(self, *, status: str = "active", region: str = "", offset: int = 0, limit: int = 50) -> NoticesPublic:
        """Notices newest first: ``status`` one of scheduled, active, ended, expired, all; ``region``: those
        for a region overlapping it (the whole city's notices for a district, a district's for the city)."""
        status = parse_status(status)
        near = region_of(self.region_label(region)) if region.strip() else None
        now = self.clock()
        with Session(self.engine) as s:
            stmt = select(Notice)
            if status in ("active", "scheduled"):
                stmt = stmt.where(col(Notice.ends_at) > now)
            rows = list(s.exec(stmt.order_by(col(Notice.id).desc())))
            ends = self._ends(s, [r.id for r in rows if r.id is not None])
        out = [self._public(r, ends.get(r.id or 0), now) for r in rows]
        out = [n for n in out if (status == "all" or n.status == status)
               and (near is None or overlaps(region_of(n.region), near))]
        return NoticesPublic(data=out[offset: offset + limit], count=len(out))

    def active_for(self, question: str, region: Region) -> list[dict[str, Any]]:
        """The active notices whose topic words the question uses, for the caller's region (every region's
        when it is unknown: the counselor sees whose notice it is), newest first, as answers cite them."""
        active = self._snapshot()
        if not active:
            return []
        words = {m.lower() for m in self.tokenize(question)}
        now = self.clock()
        out = []
        for a in active:
            n = a.notice
            if not (from_db(n.starts_at) <= now < from_db(n.ends_at)):
                continue
            if region.sido and not overlaps(a.region, region):
                continue
            matched = matched_topics(a.terms, words)
            if matched:
                out.append({"id": n.id, "region": n.region, "text": n.text, "topics": n.topics, "matched": matched,
                            "author": n.author, "posted_at": n.created_at.isoformat(),
                            "starts_at": n.starts_at.isoformat(), "ends_at": n.ends_at.isoformat(), "cite": n.cite})
        return out

    # ---- helpers ----

    def _snapshot(self) -> list[_Active]:
        with self._lock:
            if time.monotonic() - self._loaded_at < self.cache_seconds:
                return self._active
        try:
            notices = self.find(status="active", limit=1000).data
        except Exception as exc:  # noqa: BLE001 - an answer never fails for its notices: keep the last copy
            log.error("active notices not refreshed (%s: %s); using the last copy", type(exc).__name__, exc)
            with self._lock:
                self._loaded_at = time.monotonic()
                return self._active
        fresh = [_Active(n, region_of(n.region), topic_terms(n.topics, self.tokenize)) for n in notices]
        with self._lock:
            self._active, self._loaded_at = fresh, time.monotonic()
        return fresh

    def _changed(self) -> None:
        with self._lock:
            self._loaded_at = float("-inf")

    @staticmethod
    def _end_of(s: Session, notice_id: int) -> NoticeEnd | None:
        return s.exec(select(NoticeEnd).where(NoticeEnd.notice_id == notice_id)
                      .order_by(col(NoticeEnd.ended_at), col(NoticeEnd.id)).limit(1)).first()

    @staticmethod
    def _ends(s: Session, ids: list[int]) -> dict[int, NoticeEnd]:
        out: dict[int, NoticeEnd] = {}
        for start in range(0, len(ids), 500):
            rows = s.exec(select(NoticeEnd).where(col(NoticeEnd.notice_id).in_(ids[start:start + 500]))
                          .order_by(col(NoticeEnd.ended_at).desc(), col(NoticeEnd.id).desc()))
            out.update({r.notice_id: r for r in rows})  # the earliest end wins: it is written last
        return out

    @staticmethod
    def _public(row: Notice, ending: NoticeEnd | None, now: datetime) -> NoticePublic:
        starts, ends = from_db(row.starts_at), from_db(row.ends_at)
        ended = from_db(ending.ended_at) if ending is not None else None
        return NoticePublic(
            id=row.id or 0, region=row.region, text=row.text, topics=list(row.topics), starts_at=starts, ends_at=ends,
            author=row.author, author_role=row.author_role, created_at=from_db(row.created_at),
            status=status_of(starts, ends, ended, now), ended_at=ended,
            ended_by=ending.by if ending is not None else "", end_reason=ending.reason if ending is not None else "",
            source_alert=row.source_alert, cite=cite_label(row.author, row.created_at))

