"""The alert service end to end on a real database: counting, raising, deduplicating, acknowledging,
resolving (audited), the dictionary's edits, and replicas sharing PostgreSQL and Redis."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from assistant.auth.models import AuditEvent
from assistant.auth.roles import Role
from assistant.auth.service import Principal
from assistant.errors import UnknownRegion
from assistant.kb.db import make_engine, migrate
from assistant.ops.alerts.counts import CountStore, MemoryCounts, RedisCounts
from assistant.ops.alerts.detector import SpikeTest
from assistant.ops.alerts.models import AlertStatus
from assistant.ops.alerts.service import AlertService, Observation
from assistant.ops.alerts.store import AlertClosed
from assistant.ops.alerts.terms import InvalidTerm, TermRow
from assistant.retrieval.regions import RegionResolver

pytestmark = pytest.mark.integration

GANGNAM, MAPO = "서울특별시 강남구", "서울특별시 마포구"
CHIEF = Principal("상황실장 박", Role.supervisor)
DAY0 = 1_800_000_000.0  # a fixed epoch second: the tests own the clock
ORDINARY = ["기초연금 신청 방법", "출산장려금 얼마예요", "주민등록등본 발급", "전입신고 어떻게 해요", "장애인 활동지원 문의"]


class Clock:
    def __init__(self, t: float = DAY0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make_service(engine, tokenizer, counts: CountStore | None = None, clock: Clock | None = None) -> AlertService:
    return AlertService(engine, tokenizer.tagged, RegionResolver(), counts or MemoryCounts(), clock=clock or Clock(),
                        test=SpikeTest(alpha=1e-6, min_count=5))


@pytest.fixture()
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
    migrate(engine)
    return engine


def background_day(svc: AlertService, clock: Clock, *, per_minute: int = 2, minutes: int = 24 * 60,
                   rng: random.Random | None = None) -> None:
    """A day of ordinary questions from a few districts: the baseline every pair is judged against."""
    rng = rng or random.Random(3)
    regions = [GANGNAM, MAPO, "서울특별시 중구", "부산광역시 중구"]
    for _ in range(minutes):
        for _ in range(per_minute):
            svc.process(Observation(rng.choice(ORDINARY), rng.choice(regions), ("복지",), "", clock.t))
        clock.t += 60


def incident(svc: AlertService, clock: Clock, n: int, region: str = GANGNAM, every: float = 45.0) -> list:
    raised = []
    phrasings = ["물이 안 나와요", "수돗물이 안 나와요 언제 나와요", "아파트 물이 끊겼어요", "단수 언제 풀려요"]
    for i in range(n):
        raised += svc.process(Observation(phrasings[i % 4] + f" 010-1234-56{i:02d}", region, ("주거",), "", clock.t))
        clock.t += every
    return raised


def test_a_water_cut_in_one_district_raises_one_alert_with_its_evidence(engine, tokenizer):
    clock = Clock()
    svc = make_service(engine, tokenizer, clock=clock)
    heard: list = []
    svc.on_alert.append(heard.append)
    background_day(svc, clock)
    assert svc.alerts() == [], "an ordinary day raises nothing"
    raised = incident(svc, clock, 20)
    assert [(a.topic, a.kind, a.region) for a in raised] == [("단수", "urgent", GANGNAM)]
    assert heard == raised  # the hook the widgets' push subscribes to
    (alert,) = svc.alerts()
    assert alert.count >= 10 and alert.baseline < 1 and alert.p_value < 1e-6
    assert alert.window_seconds == 600 and alert.status == AlertStatus.open
    assert alert.samples and all("[전화번호]" in s and "010-1234" not in s for s in alert.samples)
    assert alert.first_seen <= alert.last_seen


def test_snow_asked_a_little_in_every_district_raises_one_city_wide_alert(engine, tokenizer):
    clock = Clock()
    svc = make_service(engine, tokenizer, clock=clock)
    background_day(svc, clock)
    resolver = RegionResolver()
    districts = sorted(resolver.districts["서울특별시"])
    phrasings = ["눈이 너무 많이 와요", "제설이 안 됐어요", "빙판길이 위험해요"]
    raised = []
    for i in range(30):  # about one call per district: no district's own count gets near a spike
        raised += svc.process(Observation(phrasings[i % 3], f"서울특별시 {districts[i % len(districts)]}",
                                          ("안전",), "", clock.t))
        clock.t += 30
    assert [(a.topic, a.region) for a in raised] == [("폭설", "서울특별시")]
    assert {a.region for a in svc.alerts()} == {"서울특별시"}


def test_an_open_alert_is_updated_not_raised_again(engine, tokenizer):
    clock = Clock()
    svc = make_service(engine, tokenizer, clock=clock)
    background_day(svc, clock)
    first = incident(svc, clock, 8)
    later = incident(svc, clock, 12)
    assert len(first) == 1 and later == []
    (alert,) = svc.alerts()
    assert alert.count > first[0].count


def test_acknowledge_and_resolve_are_audited_and_a_resolved_pair_stays_quiet_for_a_window(engine, tokenizer):
    clock = Clock()
    svc = make_service(engine, tokenizer, clock=clock)
    background_day(svc, clock)
    (raised,) = incident(svc, clock, 10)
    acked = svc.acknowledge(raised.id, by=CHIEF)
    assert acked.status == AlertStatus.acknowledged and acked.acknowledged_by == CHIEF.name
    assert incident(svc, clock, 3) == [], "acknowledged is still open: deduplicated"
    resolved = svc.resolve(raised.id, by=CHIEF)
    assert resolved.status == AlertStatus.resolved and svc.alerts() == []
    with pytest.raises(AlertClosed):
        svc.acknowledge(raised.id, by=CHIEF)
    with Session(engine) as s:
        actions = [(e.action, e.actor, e.target) for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == [("alert.acknowledge", CHIEF.name, f"alert:{raised.id}"),
                       ("alert.resolve", CHIEF.name, f"alert:{raised.id}")]
    # resolved just now, so the incident's tail does not page again at once; the next spike after a
    # quiet window is a new alert (the baseline now includes the first one, so it takes more calls)
    clock.t = _aware_ts(resolved.resolved_at) if resolved.resolved_at else clock.t
    assert incident(svc, clock, 2, every=30) == []


def _aware_ts(at) -> float:
    from datetime import UTC
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def test_a_district_without_history_and_a_busy_hour_raise_nothing(engine, tokenizer):
    clock = Clock()
    svc = make_service(engine, tokenizer, clock=clock)
    background_day(svc, clock, minutes=60)  # one hour: too little history to judge a window against
    assert incident(svc, clock, 6) == []
    background_day(svc, clock, minutes=23 * 60)
    background_day(svc, clock, per_minute=12, minutes=30)  # six times the traffic, the same mix
    assert [a for a in svc.alerts() if a.topic != "단수"] == []


def test_the_dictionary_is_seeded_once_edited_audited_and_validated(engine, tokenizer):
    svc = make_service(engine, tokenizer)
    svc.load()
    shipped = len(svc.terms())
    assert shipped > 50
    added = svc.add_terms([TermRow("단수", "수도꼭지에서 물이 안 나와요"), TermRow(" 정전 ", "전깃불이  나갔어요", "서울 강남구")],
                          by=CHIEF)
    assert [(t.topic, t.phrase, t.region) for t in added] == [
        ("단수", "수도꼭지에서 물이 안 나와요", ""), ("정전", "전깃불이 나갔어요", GANGNAM)]
    assert svc.add_terms([TermRow("단수", "수도꼭지에서 물이 안 나와요")], by=CHIEF) == []  # already there
    svc.retire_term(added[0].id, by=CHIEF)
    assert len(svc.terms()) == shipped + 1
    svc.load()  # a restart does not seed the shipped rows again
    assert len(svc.terms()) == shipped + 1
    with pytest.raises(InvalidTerm) as exc:
        svc.add_terms([TermRow("", "물이 안 나와요"), TermRow("단수", "물", "화성시 없는구"), TermRow("단수", "  ")], by=CHIEF)
    problems = exc.value.problems
    assert len(problems) == 3 and "topic is empty" in problems[0] and "phrase is empty" in problems[2]
    assert "Accepted forms" in problems[1] and "topic<TAB>phrasing" in str(exc.value)
    assert len(svc.terms()) == shipped + 1, "a bad batch adds nothing"
    with Session(engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent))]
    assert actions.count("alert_terms.add") == 2 and actions.count("alert_terms.retire") == 1
    with pytest.raises(UnknownRegion):
        RegionResolver().parse("화성시 없는구")


def test_a_phrasing_added_to_the_dictionary_is_matched_next(engine, tokenizer):
    clock = Clock()
    svc = make_service(engine, tokenizer, clock=clock)
    background_day(svc, clock)
    ask: Callable[[], list] = lambda: svc.process(Observation("맨홀 뚜껑이 날아갔어요", MAPO, (), "", clock.t))  # noqa: E731
    assert all(ask() == [] for _ in range(8))
    svc.add_terms([TermRow("맨홀 사고", "맨홀 뚜껑")], by=CHIEF)
    raised = [a for _ in range(8) for a in ask()]
    assert [(a.topic, a.region) for a in raised] == [("맨홀 사고", MAPO)]


@pytest.mark.postgres
def test_replicas_sharing_postgresql_and_redis_raise_one_alert(new_postgres_db, tokenizer, redis_prefix):
    """Two services on one PostgreSQL and one Redis, questions alternating between them: one alert."""
    url, prefix = redis_prefix
    engine = make_engine(new_postgres_db())
    migrate(engine)
    clock = Clock()
    a, b = (make_service(engine, tokenizer, RedisCounts(url, prefix=prefix), clock) for _ in range(2))
    rng = random.Random(5)
    for i in range(24 * 60):
        (a if i % 2 else b).process(Observation(rng.choice(ORDINARY), rng.choice([GANGNAM, MAPO]), ("복지",), "",
                                                clock.t))
        clock.t += 60
    raised = []
    for i in range(16):
        raised += (a if i % 2 else b).process(Observation("물이 안 나와요", GANGNAM, (), "", clock.t))
        clock.t += 30
    assert [(x.topic, x.region) for x in raised] == [("단수", GANGNAM)]
    assert [x.id for x in a.alerts()] == [x.id for x in b.alerts()] == [raised[0].id]
    engine.dispose()
