"""The trends screen's reads: stored suggestions (one per question answered) reduced to ``QuestionRow``s, then
counted by the pure functions in ``counting``.

>>> trends = TrendsService(engine, RegionResolver(), tokenize=tokenizer.tokenize)          # doctest: +SKIP
>>> report = trends.report(parse_window("2026-11-01", "2026-11-07", today=date.today()))  # doctest: +SKIP
>>> report.daily_topic.totals()                                                            # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import true
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.errors import AssistantError
from assistant.feedback.models import Feedback, FeedbackKind, Suggestion
from assistant.kb.models import Entry, EntryVersion
from assistant.ops.trends.counting import (
    QuestionRow,
    Series,
    Window,
    abstentions,
    series,
    top_entries,
    unanswered,
)
from assistant.retrieval.regions import RegionResolver
from assistant.types import Region

TABLES = ("hourly", "daily", "entries", "unanswered", "abstentions")
PLOT_SERIES = 8  # names per plot; the rest are summed as 기타


@dataclass
class TrendsReport:
    window: Window
    region: str
    rows: int
    hourly_topic: Series
    hourly_district: Series
    daily_topic: Series
    daily_district: Series
    entries: list[dict[str, Any]]
    unanswered: list[dict[str, Any]]
    abstentions: list[dict[str, Any]]
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        plot = {f"{unit}_{by}": getattr(self, f"{unit}_{by}").capped(PLOT_SERIES).as_dict()
                for unit in ("hourly", "daily") for by in ("topic", "district")}
        return {"from": self.window.start.isoformat(), "to": self.window.end.isoformat(), "timezone": "Asia/Seoul",
                "region": self.region, "questions": self.rows,
                "abstained": sum(d["abstained"] for d in self.abstentions), "truncated": self.truncated,
                **plot, "entries": self.entries, "unanswered": self.unanswered, "abstentions": self.abstentions}

    def csv(self, table: str) -> str:
        """One table as CSV (UTF-8 with a byte-order mark, so Excel reads the Korean)."""
        head: list[str]
        body: list[list[Any]]
        if table in ("hourly", "daily"):
            head = ["시각" if table == "hourly" else "날짜", "구분", "이름", "질문 수"]
            body = [[b, "분야", n, c] for b, n, c in getattr(self, f"{table}_topic").rows()]
            body += [[b, "지역", n, c] for b, n, c in getattr(self, f"{table}_district").rows()]
        elif table == "entries":
            head = ["항목 ID", "제목", "분야", "질문 수", "좋은 답이 아니었던 수"]
            body = [[e["entry_id"], e["title"], e["topic"], e["count"], e["not_good"]] for e in self.entries]
        elif table == "unanswered":
            head = ["질문 묶음", "질문 수", "답변 보류", "낮은 신뢰도", "부정 의견", "지역", "질문 예", "최근"]
            body = [[g["label"], g["count"], g["kinds"]["abstained"], g["kinds"]["low_confidence"],
                     g["kinds"]["thumbs_down"], " / ".join(g["districts"]), " / ".join(g["questions"]),
                     g["last_seen"]] for g in self.unanswered]
        else:
            head = ["날짜", "질문 수", "답변 보류", "보류 비율"]
            body = [[d["day"], d["questions"], d["abstained"], d["rate"]] for d in self.abstentions]
        return to_csv(head, body)


def to_csv(head: list[str], body: list[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(head)
    w.writerows(body)
    return "\ufeff" + buf.getvalue()


class TrendsService:
    """Questions asked over a window, by topic, district, entry and how well they were answered."""

    def __init__(self, engine: Engine, regions: RegionResolver, *,
                 tokenize: Callable[[str], list[str]] = str.split, max_rows: int = 200_000) -> None:
        self.engine, self.regions, self.tokenize, self.max_rows = engine, regions, tokenize, max_rows
        self._label = lru_cache(maxsize=4096)(self._normalize)

    def _normalize(self, region: str) -> str:
        """A stored region as its full label ('서울 강남구' → '서울특별시 강남구'); '' when unknown."""
        if not region.strip():
            return ""
        try:
            return self.regions.parse(region).label
        except AssistantError:
            return ""

    def region(self, value: str | None) -> Region | None:
        """The region filter (an unknown one is a 422 listing the accepted forms)."""
        return self.regions.parse(value) if value and value.strip() else None

    def questions(self, window: Window, region: Region | None = None,
                  agencies: Sequence[str] | None = None) -> tuple[list[QuestionRow], bool]:
        """The window's questions in ``region`` (a city keeps its districts' too) asked by tokens of ``agencies``
        (``None`` = all; ``agencies.codes.readable``), oldest first; and whether ``max_rows`` cut them short."""
        mine = col(Suggestion.agency).in_(agencies) if agencies is not None else true()
        with Session(self.engine) as s:
            stmt = (sa_select(*(col(c) for c in (Suggestion.id, Suggestion.created_at, Suggestion.region,
                                                 Suggestion.abstained, Suggestion.confidence_level, Suggestion.hits,
                                                 Suggestion.question)))
                    .where(col(Suggestion.created_at) >= window.since, col(Suggestion.created_at) < window.until, mine)
                    .order_by(col(Suggestion.id)).limit(self.max_rows + 1))
            found = list(s.execute(stmt).tuples())
            ids = [r[0] for r in found]
            downs = set(s.exec(select(Feedback.suggestion_id).where(
                Feedback.kind == FeedbackKind.thumbs_down, col(Feedback.suggestion_id) >= min(ids, default=0),
                col(Feedback.suggestion_id) <= max(ids, default=0))))
            topics = dict(s.exec(select(EntryVersion.entry_id, EntryVersion.category).join(
                Entry, (col(Entry.entry_id) == col(EntryVersion.entry_id))
                & (col(Entry.current_version) == col(EntryVersion.version)))).all())
        truncated = len(found) > self.max_rows
        return list(self._rows(found[: self.max_rows], downs, topics, region)), truncated

    def _rows(self, found: list[Any], downs: set[int], topics: dict[str, str],
              region: Region | None) -> Iterator[QuestionRow]:
        for sid, at, raw_region, abstained, level, hits, question in found:
            district = self._label(raw_region or "")
            if region is not None and not _within(district, region):
                continue
            top = hits[0] if hits and not abstained else {}
            entry_id = str(top.get("entry_id", ""))
            yield QuestionRow(at=at if at.tzinfo else at.replace(tzinfo=UTC), district=district, topic=topics.get(entry_id, ""), entry_id=entry_id,
                              title=str(top.get("title", "")), abstained=bool(abstained),
                              low_confidence=level == "low", thumbs_down=sid in downs, question=question,
                              suggestion_id=sid)

    def report(self, window: Window, region: Region | None = None, *, top: int = 20,
               agencies: Sequence[str] | None = None) -> TrendsReport:
        rows, truncated = self.questions(window, region, agencies)
        return TrendsReport(
            window=window, region=region.label if region else "", rows=len(rows), truncated=truncated,
            hourly_topic=series(rows, window, unit="hour", by="topic"),
            hourly_district=series(rows, window, unit="hour", by="district"),
            daily_topic=series(rows, window, unit="day", by="topic"),
            daily_district=series(rows, window, unit="day", by="district"),
            entries=top_entries(rows, top), unanswered=unanswered(rows, self.tokenize, top),
            abstentions=abstentions(rows, window))


def _within(label: str, region: Region) -> bool:
    sido, _, sigungu = label.partition(" ")
    return sido == region.sido and (not region.sigungu or sigungu == region.sigungu)
