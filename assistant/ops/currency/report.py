"""The quarterly 현행화 report as pure functions: each entry assessed, grouped by district and city department,
rendered as JSON-ready dicts, CSV and one self-contained HTML page.

A **unit** is what the city evaluates: a district (``서울특별시 강남구``) for district entries; for a city's or
province's own entries its department at the 실·국 level (``서울특별시 복지정책실``), an education office as
itself; national entries by ministry. Per unit: entries, how many were brought up to date in the quarter (its
현행화율), high-demand entries not updated in the quarter, entries that look stale (``rules``).

>>> from datetime import date
>>> q = parse_quarter("2026Q4")
>>> e = EntryFacts("x", "출산축하금", "sigungu", "서울특별시", "강남구", updated="20261015")
>>> s = assess([e], q, {"x": 5}); s[0].unit, s[0].updated_in_quarter, s[0].high_demand
('서울특별시 강남구', True, True)
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from assistant.ops.currency.rules import (
    RULES,
    Finding,
    Quarter,
    high_demand,
    last_update,
    parse_quarter,
    stale_findings,
)
from assistant.ops.trends.service import to_csv

__all__ = ["EntryFacts", "EntryStatus", "assess", "parse_quarter", "summarize", "render_csv", "render_html"]
KIND_LABEL = {"district": "자치구·시군구", "department": "시·도 부서", "national": "중앙부처"}


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """What the report reads of one entry's current version."""

    entry_id: str
    title: str
    scope: str
    sido: str = ""
    sigungu: str = ""
    department: str = ""
    contact: str = ""
    content: str = ""
    updated: str = ""                  # the source's own date
    edited_at: datetime | None = None  # the last edit made here (a version after the first)
    version: int = 1


@dataclass(frozen=True, slots=True)
class EntryStatus:
    facts: EntryFacts
    kind: str
    unit: str
    last_update: date | None
    updated_in_quarter: bool
    demand: int
    high_demand: bool
    findings: tuple[Finding, ...] = ()

    @property
    def stale(self) -> bool:
        return bool(self.findings)

    @property
    def needs_attention(self) -> bool:
        return self.stale or (self.high_demand and not self.updated_in_quarter)

    def as_dict(self) -> dict[str, Any]:
        f = self.facts
        return {"entry_id": f.entry_id, "title": f.title, "kind": self.kind, "unit": self.unit,
                "department": f.department, "version": f.version,
                "last_update": self.last_update.isoformat() if self.last_update else None,
                "updated_in_quarter": self.updated_in_quarter, "demand": self.demand,
                "high_demand": self.high_demand,
                "findings": [{"rule": x.rule, "detail": x.detail, "label": x.label} for x in self.findings]}


def unit_of(e: EntryFacts) -> tuple[str, str]:
    """(kind, unit) of an entry (see the module docstring)."""
    if e.sigungu:
        return "district", f"{e.sido} {e.sigungu}"
    words = e.department.split()
    if e.sido:
        if words and words[0] == e.sido:
            words = words[1:]
        if not words:
            return "department", f"{e.sido} (부서 미기재)"
        return "department", words[0] if words[0].startswith(e.sido) else f"{e.sido} {words[0]}"
    return "national", words[0] if words else "전국 (부서 미기재)"


def assess(entries: Sequence[EntryFacts], quarter: Quarter, demand: Mapping[str, int]) -> list[EntryStatus]:
    """Each entry's state in ``quarter``; ``demand`` counts the quarter's questions answered with each entry."""
    high = high_demand({e.entry_id: demand.get(e.entry_id, 0) for e in entries})
    out = []
    for e in entries:
        kind, unit = unit_of(e)
        last = last_update(e.updated, e.edited_at)
        out.append(EntryStatus(e, kind, unit, last, last is not None and last in quarter, demand.get(e.entry_id, 0),
                               e.entry_id in high, tuple(stale_findings(e.content, e.contact, quarter))))
    return out


@dataclass
class UnitSummary:
    kind: str
    unit: str
    entries: int = 0
    updated: int = 0
    high_demand_not_updated: int = 0
    stale: int = 0
    oldest_update: date | None = None
    rules: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return round(self.updated / self.entries, 4) if self.entries else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "unit": self.unit, "entries": self.entries, "updated_in_quarter": self.updated,
                "rate": self.rate, "high_demand_not_updated": self.high_demand_not_updated, "stale": self.stale,
                "oldest_update": self.oldest_update.isoformat() if self.oldest_update else None,
                "rules": self.rules}


def summarize(statuses: Sequence[EntryStatus]) -> list[UnitSummary]:
    """One row per unit: districts first, then departments, then ministries; by name within each."""
    units: dict[tuple[str, str], UnitSummary] = {}
    for s in statuses:
        u = units.setdefault((s.kind, s.unit), UnitSummary(s.kind, s.unit))
        u.entries += 1
        u.updated += s.updated_in_quarter
        u.high_demand_not_updated += s.high_demand and not s.updated_in_quarter
        u.stale += s.stale
        if s.last_update and (u.oldest_update is None or s.last_update < u.oldest_update):
            u.oldest_update = s.last_update
        for rule in dict.fromkeys(f.rule for f in s.findings):
            u.rules[rule] = u.rules.get(rule, 0) + 1
    order = list(KIND_LABEL)
    return sorted(units.values(), key=lambda u: (order.index(u.kind), u.unit))


def attention(statuses: Sequence[EntryStatus]) -> list[EntryStatus]:
    """The entries to bring up to date: most asked first, then the longest without an update."""
    return sorted((s for s in statuses if s.needs_attention),
                  key=lambda s: (-s.demand, s.last_update or date.min, s.facts.entry_id))


def reasons(s: EntryStatus) -> str:
    parts = ["수요 많음·이번 분기 미갱신"] if s.high_demand and not s.updated_in_quarter else []
    return "; ".join(parts + [f.label for f in s.findings])


def render_csv(quarter: Quarter, statuses: Sequence[EntryStatus], table: str = "units") -> str:
    """``units``: one row per district or department; ``entries``: the entries needing attention."""
    if table == "units":
        head = ["분기", "구분", "기관", "항목 수", "분기 내 갱신", "현행화율", "수요 많은데 미갱신", "오래된 정보 의심", "가장 오래된 갱신일"]
        body = [[quarter.label, KIND_LABEL[u.kind], u.unit, u.entries, u.updated, u.rate, u.high_demand_not_updated,
                 u.stale, u.oldest_update.isoformat() if u.oldest_update else ""] for u in summarize(statuses)]
    else:
        head = ["분기", "기관", "항목 ID", "제목", "담당 부서", "최종 갱신일", "분기 질문 수", "점검 사유"]
        body = [[quarter.label, s.unit, s.facts.entry_id, s.facts.title, s.facts.department,
                 s.last_update.isoformat() if s.last_update else "", s.demand, reasons(s)] for s in attention(statuses)]
    return to_csv(head, body)


CSS = """body{font-family:"Nanum Gothic","NanumGothic","Malgun Gothic",sans-serif;margin:24px;color:#1d2433}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #d9dee7;padding:4px 6px;text-align:left;vertical-align:top}th{background:#e8eff9}
td.n{text-align:right}.low{color:#a52a2a;font-weight:bold}p.quiet,li{color:#5d6778;font-size:13px}"""
# the report's own policy: its one stylesheet (by hash), no script, nothing else
CSP = ("default-src 'none'; style-src 'sha256-"
       + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
       + "'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


def render_html(quarter: Quarter, statuses: Sequence[EntryStatus], *, region: str, generated: datetime) -> str:
    """One self-contained page (its styles inline, allowed by ``CSP``); every value escaped."""
    e = html.escape
    units = summarize(statuses)
    rows = "".join(
        f"<tr><td>{e(KIND_LABEL[u.kind])}</td><td>{e(u.unit)}</td><td class=n>{u.entries}</td>"
        f"<td class=n>{u.updated}</td><td class='n{' low' if u.rate < 0.5 else ''}'>{u.rate:.0%}</td>"
        f"<td class=n>{u.high_demand_not_updated}</td><td class=n>{u.stale}</td>"
        f"<td>{u.oldest_update.isoformat() if u.oldest_update else '—'}</td></tr>" for u in units)
    todo = "".join(
        f"<tr><td>{e(s.unit)}</td><td>{e(s.facts.entry_id)}</td><td>{e(s.facts.title)}</td>"
        f"<td>{e(s.facts.department)}</td><td>{s.last_update.isoformat() if s.last_update else '—'}</td>"
        f"<td class=n>{s.demand}</td><td>{e(reasons(s))}</td></tr>" for s in attention(statuses))
    rules = "".join(f"<li>{e(label)} ({e(rule)})</li>" for rule, label in RULES.items())
    total = len(statuses)
    updated = sum(s.updated_in_quarter for s in statuses)
    return f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>표준상담DB 현행화 보고서 {quarter.label}</title>
<style>{CSS}</style></head><body>
<h1>표준상담DB 현행화 보고서 · {quarter.label} ({quarter.start.isoformat()} ~ {quarter.end.isoformat()})</h1>
<p class="quiet">대상: {e(region or "전체 지역")} · 항목 {total}개 · 분기 내 갱신 {updated}개 ·
작성 {generated.strftime("%Y-%m-%d %H:%M")} (KST)</p>
<h2>기관별 현행화</h2>
<table id="units"><thead><tr><th>구분</th><th>기관</th><th>항목 수</th><th>분기 내 갱신</th><th>현행화율</th>
<th>수요 많은데 미갱신</th><th>오래된 정보 의심</th><th>가장 오래된 갱신일</th></tr></thead><tbody>{rows}</tbody></table>
<h2>점검이 필요한 항목</h2>
<table id="attention"><thead><tr><th>기관</th><th>항목 ID</th><th>제목</th><th>담당 부서</th><th>최종 갱신일</th>
<th>분기 질문 수</th><th>점검 사유</th></tr></thead><tbody>{todo or '<tr><td colspan=7>없음</td></tr>'}</tbody></table>
<h2>판정 기준</h2>
<ul><li>최종 갱신일: 원천 자료의 갱신일과 이 서비스에서 마지막으로 고친 날 중 늦은 날</li>
<li>수요 많음: 분기 질문이 가장 많은 상위 10% 항목 (3건 이상)</li>{rules}</ul>
</body></html>
"""
