"""Supervisors' and editors' reports: demand trends, 현행화 tracking and its quarterly report, and the new-entry
draft an editor makes from a knowledge-gap group. JSON by default; CSV (UTF-8 with a byte-order mark, for Excel)
or HTML where the city takes a file."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from assistant.agencies.codes import readable
from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.ops.currency.report import CSP, attention, render_csv, render_html, summarize
from assistant.ops.currency.rules import Quarter, parse_quarter, quarter_of
from assistant.ops.trends.counting import KST, parse_window

router = APIRouter(tags=["reports"])

Region = Annotated[str, Query(max_length=100, description="'서울특별시' or '서울특별시 강남구' (a city keeps its districts)")]
QuarterQ = Annotated[str, Query(max_length=20, description="YYYYQn, e.g. 2026Q4; default the current quarter")]


class SeriesLine(BaseModel):
    name: str
    counts: list[int]
    total: int


class SeriesOut(BaseModel):
    unit: Literal["hour", "day"]
    by: Literal["topic", "district"]
    buckets: list[str]
    series: list[SeriesLine]


class TopEntry(BaseModel):
    entry_id: str
    title: str
    topic: str
    count: int
    not_good: int = Field(description="answers with it that abstained, were low-confidence or marked wrong")


class UnansweredGroup(BaseModel):
    label: str
    count: int
    kinds: dict[str, int]
    questions: list[str]
    districts: list[str]
    suggestion_ids: list[int]
    last_seen: str


class AbstentionDay(BaseModel):
    day: str
    questions: int
    abstained: int
    rate: float


class TrendsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    timezone: str
    region: str
    questions: int
    abstained: int
    truncated: bool
    hourly_topic: SeriesOut
    hourly_district: SeriesOut
    daily_topic: SeriesOut
    daily_district: SeriesOut
    entries: list[TopEntry]
    unanswered: list[UnansweredGroup]
    abstentions: list[AbstentionDay]


@router.get("/v1/trends", response_model=TrendsOut, responses={200: {"content": {"text/csv": {}}}})
def trends(rt: RuntimeDep, principal: PrincipalDep,
           start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
           end: Annotated[str | None, Query(alias="to", max_length=10)] = None, region: Region = "",
           format: Literal["json", "csv"] = "json",
           table: Literal["hourly", "daily", "entries", "unanswered", "abstentions"] = "daily",
           top: Annotated[int, Query(ge=1, le=200)] = 20) -> TrendsOut | Response:
    """Questions per hour and day by topic and district, the most-asked entries, the most-asked questions
    with no good answer, abstentions per day. ``from``/``to`` are days (KST, inclusive; default the last 7);
    ``format=csv`` returns one ``table``. A token of an agency: its agency's counselors' questions only."""
    window = parse_window(start, end, today=datetime.now(KST).date())
    report = rt.trends.report(window, rt.trends.region(region), top=top, agencies=readable(principal))
    if format == "csv":
        name = f"trends-{table}-{window.start}-{window.end}.csv"
        return Response(report.csv(table), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return TrendsOut.model_validate(report.as_dict())


class Finding(BaseModel):
    rule: str
    detail: str
    label: str


class EntryCurrency(BaseModel):
    entry_id: str
    title: str
    kind: str
    unit: str
    department: str
    version: int
    last_update: str | None
    updated_in_quarter: bool
    demand: int
    high_demand: bool
    findings: list[Finding]


class UnitCurrency(BaseModel):
    kind: Literal["district", "department", "national"]
    unit: str
    entries: int
    updated_in_quarter: int
    rate: float
    high_demand_not_updated: int
    stale: int
    oldest_update: str | None
    rules: dict[str, int]


class CurrencyOut(BaseModel):
    quarter: str
    start: str
    end: str
    region: str
    entries: int
    updated_in_quarter: int
    units: list[UnitCurrency]
    attention: list[EntryCurrency] = Field(description="stale, or much asked and not updated in the quarter")
    by_last_update: list[EntryCurrency] = Field(description="the longest without an update first")


def _quarter(value: str) -> Quarter:
    return parse_quarter(value) if value.strip() else quarter_of(datetime.now(KST).date())


@router.get("/v1/currency", response_model=CurrencyOut)
def currency(rt: RuntimeDep, principal: PrincipalDep, quarter: QuarterQ = "", region: Region = "",
             limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> CurrencyOut:
    """현행화 tracking per district and city department: entries by last update, much-asked entries not updated
    in the quarter, entries whose contact or dates look stale. A token of an agency: its agency's own entries
    and its counselors' questions only."""
    q = _quarter(quarter)
    where = rt.currency.region(region)
    statuses = rt.currency.assess(q, where, readable(principal))
    oldest = sorted(statuses, key=lambda s: (s.last_update is not None, s.last_update, s.facts.entry_id))
    return CurrencyOut(quarter=q.label, start=q.start.isoformat(), end=q.end.isoformat(),
                       region=where.label if where else "", entries=len(statuses),
                       updated_in_quarter=sum(s.updated_in_quarter for s in statuses),
                       units=[UnitCurrency.model_validate(u.as_dict()) for u in summarize(statuses)],
                       attention=[EntryCurrency.model_validate(s.as_dict()) for s in attention(statuses)[:limit]],
                       by_last_update=[EntryCurrency.model_validate(s.as_dict()) for s in oldest[:limit]])


@router.get("/v1/reports/currency", response_class=Response,
            responses={200: {"content": {"text/html": {}, "text/csv": {}}}})
def currency_report(rt: RuntimeDep, principal: PrincipalDep, quarter: QuarterQ = "", region: Region = "",
                    format: Literal["html", "csv"] = "html",
                    table: Literal["units", "entries"] = "units") -> Response:
    """The quarterly 현행화 report for the district evaluation: per district and department, the entries,
    how many were updated in the quarter, much-asked ones not updated, stale ones; then every entry to fix.
    ``format=csv`` gives ``table=units`` or ``table=entries``. A token of an agency: its own entries only."""
    q = _quarter(quarter)
    where = rt.currency.region(region)
    statuses = rt.currency.assess(q, where, readable(principal))
    if format == "csv":
        return Response(render_csv(q, statuses, table), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="currency-{q.label}-{table}.csv"'})
    page = render_html(q, statuses, region=where.label if where else "", generated=datetime.now(KST))
    return HTMLResponse(page, headers={"Content-Security-Policy": CSP,
                                       "Content-Disposition": f'inline; filename="currency-{q.label}.html"'})


class GapDraftOut(BaseModel):
    entry_id: str
    title: str
    content: str
    scope: Literal["national", "sido", "sigungu"]
    sido: str
    sigungu: str
    category: str
    note: str
    questions: list[str]
    records: list[dict[str, str]]


SuggestionIds = Annotated[list[Annotated[int, Field(ge=1, lt=2**31)]],
                          Query(alias="suggestion_id", min_length=1, max_length=200)]


@router.get("/v1/gaps/draft", response_model=GapDraftOut, tags=["editor"])
def gap_draft(rt: RuntimeDep, principal: PrincipalDep, suggestion_ids: SuggestionIds) -> GapDraftOut:
    """A new entry prefilled from a knowledge-gap group's questions and the calls they came from (their
    after-call records and what the counselor said): stage it with ``POST /v1/drafts`` (action create)."""
    return GapDraftOut.model_validate(rt.gap_drafts.propose(suggestion_ids, readable(principal)))
