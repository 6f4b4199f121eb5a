"""Urgent-issue alerts on simulated days: detection delay, false alarms per day, cost per question.

A day is 20,000 questions (``--per-day``) drawn from the knowledge base's topics: an entry picked in
proportion to a category's size, asked as its title with an everyday ending, from a district
weighted like the 120 center's callers (Seoul's 25 districts, a few from elsewhere, some unknown), at
a time drawn from a call center's daily curve (busy 9-18 h, quiet at night). A few callers a day
ask about urgent things anywhere (정전, 화재, 가스 …), as they do, so the urgent pairs have a
baseline too. Each measured day gets incidents: e.g. 40 callers from 강남구 about a water cut within
30 minutes, and a city-wide one (50 calls about snow from all 25 districts, two or so each).
One warm-up day comes first, so every pair has the baseline the service would have.

Every question goes through ``AlertService.process`` as the API's worker does it: kiwi tagging, the
shipped dictionary, counting (this process's store, or Redis with ``--redis``), the spike test, and
the alert written to a database (SQLite in a temporary folder). Printed: per incident, the delay
from its 10th call to the alert; alerts that match no incident (false alarms) per measured day; the
worker's time per question (mean and p99) and the share kiwi takes of it.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.auth.roles import Role
from assistant.auth.service import Principal
from assistant.config import ROOT
from assistant.kb import importers
from assistant.kb.db import make_engine, migrate
from assistant.ops.alerts.counts import CountStore, MemoryCounts, RedisCounts
from assistant.ops.alerts.detector import SpikeTest
from assistant.ops.alerts.service import AlertService, Observation
from assistant.retrieval.regions import RegionResolver
from assistant.text.tokenizer import KoreanTokenizer

SEOUL = "서울특별시"
# relative calls per hour of the day (KST), a call center's curve: peak late morning and early afternoon
CURVE = [0.6, 0.4, 0.3, 0.3, 0.3, 0.5, 1.0, 2.0, 4.5, 7.5, 8.0, 7.5, 6.0, 7.0, 7.5, 7.0, 6.5, 5.5, 4.0, 3.0,
         2.5, 2.0, 1.5, 1.0]
ENDINGS = ["", " 문의드려요", " 신청 방법 알려주세요", " 어떻게 받나요", " 대상이 누구예요", " 서류가 뭐예요", "에 대해 궁금해요"]
# everyday urgent questions, asked now and then anywhere (the background of the urgent pairs)
STRAY = ["전기가 나갔어요", "가스 냄새가 나요", "불이 났어요", "도로에 물이 넘쳐요", "수도관이 얼었어요", "물이 안 나와요",
         "코로나 검사 어디서 해요", "폭설 때문에 제설 언제 해요", "도로 통제 언제까지예요"]


@dataclass(frozen=True)
class Incident:
    topic: str
    region: str
    callers: int
    minutes: float
    phrasings: tuple[str, ...]
    hour: float  # start, hours after the day's midnight
    spread: bool = False  # city-wide: each call from a random district of ``region`` (a city)


INCIDENTS = (
    Incident("단수", f"{SEOUL} 강남구", 40, 30, ("물이 안 나와요", "수돗물이 안 나와요 언제 나와요", "아파트 물이 끊겼어요",
                                            "단수 언제 풀려요", "역삼동인데 물이 안 나오네요"), 10.5),
    Incident("정전", f"{SEOUL} 마포구", 25, 30, ("전기가 나갔어요", "정전이에요 언제 복구돼요", "엘리베이터가 멈췄어요",
                                            "전기가 안 들어와요"), 19.0),
    Incident("싱크홀", f"{SEOUL} 송파구", 15, 30, ("도로가 꺼졌어요", "싱크홀이 생겼어요", "땅이 꺼졌어요 위험해요"), 3.0),
    # city-wide: 50 calls over 30 minutes from all 25 districts, two or so each, no district's own spike
    Incident("폭설", SEOUL, 50, 30, ("눈이 너무 많이 와요", "제설이 안 됐어요", "골목에 눈 안 치워요", "빙판길이 위험해요"),
             7.5, spread=True),
)


def districts(resolver: RegionResolver) -> tuple[list[str], list[float]]:
    """Seoul's districts (most callers), other cities' few, and '' (region not known)."""
    seoul = sorted(resolver.districts[SEOUL])
    others = ["부산광역시 해운대구", "경기도 수원시", "경기도 성남시", "인천광역시 남동구", "대구광역시 수성구"]
    regions = [f"{SEOUL} {d}" for d in seoul] + others + [SEOUL, ""]
    weights = [3.0] * len(seoul) + [0.5] * len(others) + [4.0, 6.0]
    return regions, weights


def topics(records: list[Any]) -> tuple[list[tuple[str, list[str]]], list[float]]:
    """(category, titles) per category of the knowledge base, weighted by the square root of its size
    (a big category of similar manuals is not asked about in proportion to its length)."""
    by: dict[str, list[str]] = {}
    for r in records:
        by.setdefault(r.category or "기타", []).append(r.title)
    items = sorted(by.items())
    return items, [math.sqrt(len(t)) for _, t in items]


def day_times(rng: random.Random, per_day: int, day: int) -> list[float]:
    """Question times (seconds) over one day, following ``CURVE``."""
    total = sum(CURVE)
    out: list[float] = []
    for hour, w in enumerate(CURVE):
        n = int(rng.gauss(per_day * w / total, math.sqrt(per_day * w / total)))
        out += [day * 86400 + (hour + rng.random()) * 3600 for _ in range(max(n, 0))]
    return sorted(out)


def simulate(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    resolver = RegionResolver()
    regions, region_w = districts(resolver)
    cats, cat_w = topics(importers.read_kb_jsonl(ROOT / "knowledge_base" / "entries.jsonl"))
    tokenizer = KoreanTokenizer()
    tokenizer.load()
    t0 = 1_800_000_000 - 1_800_000_000 % 86400 - 9 * 3600  # a KST midnight
    with tempfile.TemporaryDirectory(prefix="alerts-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'alerts.db'}")
        migrate(engine)
        counts: CountStore = (RedisCounts(args.redis, prefix=f"bench-alerts-{rng.randrange(1 << 30)}",
                                          window=args.window, baseline=args.baseline)
                              if args.redis else MemoryCounts(args.window, args.baseline))
        svc = AlertService(engine, tokenizer.tagged, resolver, counts, window_minutes=args.window,
                           test=SpikeTest(alpha=args.alpha, min_count=args.min_count))
        svc.load()
        raised: list[tuple[float, Any]] = []
        svc.on_alert.append(lambda a: raised.append((a.first_seen.timestamp() - t0, a)))
        events: list[tuple[float, str, str, tuple[str, ...], str]] = []  # (t, question, region, categories, tag)
        incident_calls: dict[tuple[int, int], list[float]] = {}
        for day in range(args.days + 1):
            for t in day_times(rng, args.per_day, day):
                region = rng.choices(regions, region_w)[0]
                if rng.random() < args.stray:
                    events.append((t, rng.choice(STRAY), region, ("안전·위기",), ""))
                    continue
                cat, titles = rng.choices(cats, cat_w)[0]
                events.append((t, rng.choice(titles) + rng.choice(ENDINGS), region, (cat,), ""))
            if day == 0:
                continue  # the warm-up day: a baseline, no incident
            for k, inc in enumerate(INCIDENTS):
                start = day * 86400 + inc.hour * 3600
                times = sorted(start + rng.random() * inc.minutes * 60 for _ in range(inc.callers))
                incident_calls[(day, k)] = times
                seoul = [r for r in regions if r.startswith(f"{SEOUL} ")]
                events += [(t, rng.choice(inc.phrasings), rng.choice(seoul) if inc.spread else inc.region,
                            ("생활지원",), "incident") for t in times]
        events.sort()
        resolved = 0
        costs: list[float] = []
        tag_costs: list[float] = []
        chief = Principal("bench supervisor", Role.supervisor)
        for t, question, region, categories, _ in events:
            while raised and resolved < len(raised) and raised[resolved][0] + args.resolve_after * 60 <= t:
                svc.resolve(raised[resolved][1].id, by=chief)  # the supervisor closes it once it is handled
                resolved += 1
            c0 = time.perf_counter()
            svc.process(Observation(question, region, categories, "", t0 + t))
            costs.append(time.perf_counter() - c0)
            if len(tag_costs) < 2000:
                c1 = time.perf_counter()
                tokenizer.tagged(question)
                tag_costs.append(time.perf_counter() - c1)
        engine.dispose()
    return report(args, events, raised, incident_calls, costs, tag_costs)


def report(args: argparse.Namespace, events: list[Any], raised: list[tuple[float, Any]],
           incident_calls: dict[tuple[int, int], list[float]], costs: list[float], tag_costs: list[float]
           ) -> dict[str, Any]:
    delays, missed, matched = [], [], set()
    for (day, k), times in sorted(incident_calls.items()):
        inc = INCIDENTS[k]
        tenth = times[9]
        hit = next(((t, a) for t, a in raised if a.topic == inc.topic and a.region == inc.region
                    and times[0] - 60 <= t <= times[-1] + 3600), None)
        if hit is None:
            missed.append(f"day {day} {inc.topic} {inc.region}")
            continue
        matched.add(id(hit[1]))
        delays.append({"day": day, "topic": inc.topic, "region": inc.region, "callers": inc.callers,
                       "within_min": inc.minutes, "alert_at_call": sum(1 for t in times if t <= hit[0]),
                       "delay_after_10th_s": round(max(hit[0] - tenth, 0.0), 1)})
    measured = [(t, a) for t, a in raised if t >= 86400]
    false = [f"{a.topic} {a.region or '(지역 미상)'} {a.count}건 (기대 {a.baseline:.2f})"
             for t, a in measured if id(a) not in matched]
    warmup_false = sum(1 for t, _ in raised if t < 86400)
    costs_ms = sorted(c * 1000 for c in costs)
    return {
        "questions": len(events), "days_measured": args.days, "per_day": args.per_day,
        "settings": {"window_min": args.window, "baseline_h": args.baseline, "alpha": args.alpha,
                     "min_count": args.min_count, "store": "redis" if args.redis else "memory"},
        "incidents": delays, "missed": missed,
        "max_delay_after_10th_s": max((d["delay_after_10th_s"] for d in delays), default=None),
        "false_alarms_per_day": round(len(false) / args.days, 2), "false_alarms": false,
        "false_alarms_warmup_day": warmup_false,
        "cost_ms_per_question": {"mean": round(statistics.fmean(costs_ms), 3),
                                 "p50": round(costs_ms[len(costs_ms) // 2], 3),
                                 "p99": round(costs_ms[int(len(costs_ms) * 0.99)], 3),
                                 "kiwi_tagging_mean": round(statistics.fmean(tag_costs) * 1000, 3)},
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.alerts", description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=3, help="measured days (after one warm-up day)")
    p.add_argument("--per-day", type=int, default=20_000)
    p.add_argument("--stray", type=float, default=0.003, help="share of questions that are urgent-sounding strays")
    p.add_argument("--window", type=int, default=10, help="minutes")
    p.add_argument("--baseline", type=int, default=24, help="hours")
    p.add_argument("--alpha", type=float, default=1e-6)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--redis", default="", help="count in this Redis (redis://127.0.0.1:6379/0) instead of in-process")
    p.add_argument("--resolve-after", type=float, default=120, help="minutes until a supervisor resolves an alert")
    p.add_argument("--seed", type=int, default=120)
    args = p.parse_args(argv)
    print(json.dumps(simulate(args), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
