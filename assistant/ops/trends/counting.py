"""Demand trends as pure functions over question rows: series per hour and day, top entries, unanswered groups.

A ``QuestionRow`` is one question the advisor answered (a stored suggestion): when, from which district, on
which topic (the category of the entry it answered with), and how well. Nothing here reads the database or the
clock, so each figure can be checked against a count done another way.

>>> from datetime import date
>>> rows = [QuestionRow(datetime(2026, 11, 2, 1, 30, tzinfo=UTC), "서울특별시 강남구", "임신·출산", "e1", "출산축하금")]
>>> window = Window(date(2026, 11, 2), date(2026, 11, 2))
>>> s = series(rows, window, unit="day", by="topic"); s.buckets, s.values
(['2026-11-02'], {'임신·출산': [1]})
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from assistant.errors import InvalidQuery
from assistant.feedback.service import cluster_questions

# the call center's clock: hours and days are counted as the counselors live them
KST = ZoneInfo("Asia/Seoul")
UNITS = ("hour", "day")
DIMENSIONS = ("topic", "district")
NO_TOPIC = "(분야 없음)"      # answered with an entry that has no category
NO_ANSWER = "(답변 보류)"     # abstained: no entry to take a topic from
NO_REGION = "지역 모름"
OTHERS = "기타"
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question asked (a stored suggestion), already reduced to what the trends count."""

    at: datetime                 # aware
    district: str                # a region label ('서울특별시 강남구', '서울특별시') or '' when unknown
    topic: str                   # the answering entry's category, or ''
    entry_id: str = ""           # the entry it answered with (the top hit), '' when abstained
    title: str = ""
    abstained: bool = False
    low_confidence: bool = False
    thumbs_down: bool = False    # a counselor marked the answer wrong
    question: str = ""           # masked when it was stored
    suggestion_id: int = 0

    @property
    def answered_well(self) -> bool:
        return not (self.abstained or self.low_confidence or self.thumbs_down)


@dataclass(frozen=True, slots=True)
class Window:
    """Days ``start`` to ``end`` inclusive, on the call center's clock (KST)."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), KST).astimezone(UTC)

    @property
    def until(self) -> datetime:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), KST).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_window(start: str | None, end: str | None, *, today: date, default_days: int = 7) -> Window:
    """``from``/``to`` as ``YYYY-MM-DD`` (either may be left out: the last ``default_days`` days to ``today``).

    >>> parse_window("2026-11-01", "2026-11-07", today=date(2026, 12, 1)).days
    7
    >>> parse_window("2026-11-07", "2026-11-01", today=date(2026, 12, 1))
    Traceback (most recent call last):
    ...
    assistant.errors.InvalidQuery: from (2026-11-07) is after to (2026-11-01)
    """
    def day(value: str | None, name: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidQuery(f"{name} must be a date as YYYY-MM-DD (e.g. 2026-11-01), not {value!r}") from None

    last = day(end, "to") or today
    first = day(start, "from") or last - timedelta(days=default_days - 1)
    if first > last:
        raise InvalidQuery(f"from ({first}) is after to ({last})")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidQuery(f"the range is {(last - first).days + 1} days; at most {MAX_DAYS}")
    return Window(first, last)


def choice(value: str, valid: Sequence[str], name: str) -> str:
    if value not in valid:
        raise InvalidQuery(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    return value


def bucket_starts(window: Window, unit: str) -> list[datetime]:
    """Every hour or day of the window, in KST."""
    step = timedelta(hours=1) if unit == "hour" else timedelta(days=1)
    t = datetime.combine(window.start, datetime.min.time(), KST)
    end = datetime.combine(window.end + timedelta(days=1), datetime.min.time(), KST)
    out = []
    while t < end:
        out.append(t)
        # step on the UTC clock and come back: KST has no daylight saving, but do not assume it
        t = (t.astimezone(UTC) + step).astimezone(KST)
    return out


def bucket_of(at: datetime, unit: str) -> datetime:
    local = at.astimezone(KST)
    if unit == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def label_of(t: datetime, unit: str) -> str:
    return t.strftime("%Y-%m-%dT%H:00") if unit == "hour" else t.strftime("%Y-%m-%d")


def name_of(row: QuestionRow, by: str) -> str:
    if by == "district":
        return row.district or NO_REGION
    if row.abstained:
        return NO_ANSWER
    return row.topic or NO_TOPIC


@dataclass
class Series:
    """Counts per bucket for each name (a topic or a district), zero where nothing was asked."""

    unit: str
    by: str
    buckets: list[str]
    values: dict[str, list[int]] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        return {name: sum(v) for name, v in self.values.items()}

    def capped(self, n: int) -> Series:
        """The ``n`` largest names, the rest summed as '기타' (a plot with 30 lines says nothing)."""
        order = sorted(self.values, key=lambda k: (-sum(self.values[k]), k))
        if len(order) <= n:
            return Series(self.unit, self.by, self.buckets, {k: self.values[k] for k in order})
        keep = {k: self.values[k] for k in order[:n]}
        rest = [sum(col) for col in zip(*(self.values[k] for k in order[n:]), strict=True)]
        keep[OTHERS] = [a + b for a, b in zip(keep.get(OTHERS, [0] * len(rest)), rest, strict=True)]
        return Series(self.unit, self.by, self.buckets, keep)

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "by": self.by, "buckets": self.buckets,
                "series": [{"name": k, "counts": v, "total": sum(v)} for k, v in self.values.items()]}

    def rows(self) -> list[list[Any]]:
        """Long form for a CSV: bucket, name, count (buckets with a count only)."""
        return [[b, name, c] for name, counts in sorted(self.values.items())
                for b, c in zip(self.buckets, counts, strict=True) if c]


def series(rows: Iterable[QuestionRow], window: Window, *, unit: str, by: str) -> Series:
    starts = bucket_starts(window, unit)
    index = {t: i for i, t in enumerate(starts)}
    values: dict[str, list[int]] = {}
    for r in rows:
        i = index.get(bucket_of(r.at, unit))
        if i is None:
            continue
        values.setdefault(name_of(r, by), [0] * len(starts))[i] += 1
    return Series(unit, by, [label_of(t, unit) for t in starts], values)


def top_entries(rows: Iterable[QuestionRow], n: int = 20) -> list[dict[str, Any]]:
    """The entries questions were answered with most, with how many of those answers were not good."""
    asked: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    meta: dict[str, tuple[str, str]] = {}
    for r in rows:
        if not r.entry_id or r.abstained:
            continue
        asked[r.entry_id] += 1
        weak[r.entry_id] += not r.answered_well
        meta.setdefault(r.entry_id, (r.title, r.topic))
    ranked = sorted(asked, key=lambda e: (-asked[e], e))[:n]
    return [{"entry_id": e, "title": meta[e][0], "topic": meta[e][1] or NO_TOPIC, "count": asked[e],
             "not_good": weak[e]} for e in ranked]


def unanswered(rows: Sequence[QuestionRow], tokenize: Callable[[str], list[str]], n: int = 20) -> list[dict[str, Any]]:
    """The most-asked questions with no good answer (abstained, low confidence, or marked wrong), grouped by
    shared content words like the knowledge-gap report, largest group first."""
    bad = [r for r in rows if not r.answered_well]
    items = [(r.question, set(tokenize(r.question))) for r in bad]
    groups: list[dict[str, Any]] = []
    for members in cluster_questions(items):
        rs = [bad[i] for i in members]
        words = Counter(w for i in members for w in items[i][1])
        kinds = {"abstained": sum(r.abstained for r in rs),
                 "low_confidence": sum(r.low_confidence and not r.abstained for r in rs),
                 "thumbs_down": sum(r.thumbs_down for r in rs)}
        districts = Counter(r.district or NO_REGION for r in rs)
        groups.append({"label": " ".join(w for w, _ in words.most_common(3)) or rs[0].question[:30],
                       "count": len(rs), "kinds": kinds,
                       "questions": list(dict.fromkeys(r.question for r in rs))[:5],
                       "districts": [d for d, _ in districts.most_common(3)],
                       "suggestion_ids": sorted(r.suggestion_id for r in rs)[-50:],
                       "last_seen": max(r.at for r in rs).isoformat()})
    groups.sort(key=lambda g: (-g["count"], g["label"]))
    return groups[:n]


def abstentions(rows: Iterable[QuestionRow], window: Window) -> list[dict[str, Any]]:
    """Per day: questions, abstentions and their share."""
    starts = bucket_starts(window, "day")
    asked: defaultdict[datetime, int] = defaultdict(int)
    declined: defaultdict[datetime, int] = defaultdict(int)
    for r in rows:
        b = bucket_of(r.at, "day")
        asked[b] += 1
        declined[b] += r.abstained
    return [{"day": label_of(t, "day"), "questions": asked[t], "abstained": declined[t],
             "rate": round(declined[t] / asked[t], 4) if asked[t] else 0.0} for t in starts]
