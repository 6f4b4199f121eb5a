"""현행화 reads: every active entry's current version, when it was last edited here, and how often the
quarter's questions were answered with it; assessed and rendered by ``report``.

>>> currency = CurrencyService(engine, RegionResolver())                      # doctest: +SKIP
>>> quarter, statuses = currency.assess(parse_quarter("2026Q4"), region=None)  # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.feedback.models import Suggestion
from assistant.kb.models import Entry, EntryVersion
from assistant.ops.currency.report import EntryFacts, EntryStatus, assess
from assistant.ops.currency.rules import Quarter
from assistant.ops.trends.counting import KST
from assistant.retrieval.regions import RegionResolver
from assistant.types import Region, Status


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, KST).astimezone(UTC)


class CurrencyService:
    """Entries assessed for one quarter, optionally within one region (a city keeps its districts')."""

    def __init__(self, engine: Engine, regions: RegionResolver, *, max_questions: int = 500_000) -> None:
        self.engine, self.regions, self.max_questions = engine, regions, max_questions

    def region(self, value: str | None) -> Region | None:
        return self.regions.parse(value) if value and value.strip() else None

    def entries(self, region: Region | None = None, *, as_of: datetime | None = None,
                agencies: Sequence[str] | None = None) -> list[EntryFacts]:
        """Active entries' current versions (national ones only without a region), each with its last edit
        here up to ``as_of``; ``agencies``: only entries of these (``agencies.codes.readable``; None = all)."""
        with Session(self.engine) as s:
            stmt = (select(EntryVersion).join(Entry, (col(Entry.entry_id) == col(EntryVersion.entry_id))
                                              & (col(Entry.current_version) == col(EntryVersion.version)))
                    .where(EntryVersion.status == Status.active))
            if region is not None:
                stmt = stmt.where(EntryVersion.sido == region.sido)
                if region.sigungu:
                    stmt = stmt.where(EntryVersion.sigungu == region.sigungu)
            if agencies is not None:
                stmt = stmt.where(col(EntryVersion.agency).in_(agencies))
            current = list(s.exec(stmt.order_by(col(EntryVersion.entry_id))))
            edits = select(EntryVersion.entry_id, func.max(EntryVersion.created_at)).where(col(EntryVersion.version) > 1)
            if as_of is not None:
                edits = edits.where(col(EntryVersion.created_at) < as_of)
            edited = dict(s.exec(edits.group_by(col(EntryVersion.entry_id))).all())
        return [EntryFacts(entry_id=v.entry_id, title=v.title, scope=str(v.scope), sido=v.sido, sigungu=v.sigungu,
                           department=v.department, contact=v.contact, content=v.content, updated=v.updated,
                           edited_at=_aware(edited.get(v.entry_id)), version=v.version) for v in current]

    def demand(self, quarter: Quarter, agencies: Sequence[str] | None = None) -> Counter[str]:
        """How many of the quarter's questions were answered with each entry (its top hit; abstentions none);
        ``agencies``: only questions asked by these agencies' tokens (None = all)."""
        with Session(self.engine) as s:
            stmt = select(Suggestion.hits).where(
                col(Suggestion.created_at) >= _utc(quarter.start),
                col(Suggestion.created_at) < _utc(date.fromordinal(quarter.end.toordinal() + 1)),
                col(Suggestion.abstained).is_(False))
            if agencies is not None:
                stmt = stmt.where(col(Suggestion.agency).in_(agencies))
            hits = s.exec(stmt.limit(self.max_questions))
            return Counter(str(h[0]["entry_id"]) for h in hits if h)

    def assess(self, quarter: Quarter, region: Region | None = None,
               agencies: Sequence[str] | None = None) -> list[EntryStatus]:
        """``agencies``: an agency's report holds its own entries and its own counselors' questions."""
        until = _utc(date.fromordinal(quarter.end.toordinal() + 1))  # an edit after the quarter is not in it
        return assess(self.entries(region, as_of=until, agencies=agencies), quarter, self.demand(quarter, agencies))


def _aware(t: datetime | None) -> datetime | None:
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t
