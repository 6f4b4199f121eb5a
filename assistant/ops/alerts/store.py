"""Alerts and dictionary rows in the database: raise (deduplicated while open), acknowledge, resolve;
add and retire dictionary rows. Supervisors' changes are audited in the same transaction.

Deduplication holds across replicas: the partial unique index allows one unresolved alert per
(topic, region), so of two replicas that see the same spike at once, one inserts it and the other
finds it and updates it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.auth.service import Principal, record_audit
from assistant.errors import AssistantError, NotFound
from assistant.kb.db import session_scope
from assistant.kb.models import utcnow
from assistant.ops.alerts.detector import Spike
from assistant.ops.alerts.models import Alert, AlertStatus, UrgentTerm
from assistant.ops.alerts.terms import TermRow

SAMPLES = 5


class AlertNotFound(NotFound):
    def __init__(self, alert_id: int) -> None:
        super().__init__(f"alert not found: {alert_id}")


class AlertClosed(AssistantError):
    """The alert is resolved already: nothing more can be done to it."""


def _unresolved(s: Session, topic: str, region: str) -> Alert | None:
    return s.exec(select(Alert).where(Alert.topic == topic, Alert.region == region,
                                      Alert.status != AlertStatus.resolved)).first()


def _merge(alert: Alert, spike: Spike, samples: list[str], now: datetime) -> None:
    if spike.count > alert.count:
        alert.count, alert.baseline, alert.p_value = spike.count, spike.expected, spike.p_value
    alert.samples = list(dict.fromkeys([*samples, *alert.samples]))[:SAMPLES]
    alert.last_seen = now


def record_spike(engine: Engine, *, topic: str, kind: str, region: str, spike: Spike, window_seconds: int,
                 samples: list[str], now: datetime | None = None, quiet_after_resolve: timedelta | None = None
                 ) -> tuple[Alert, bool] | None:
    """Store a spike: a new alert (``(alert, True)``) or the open one for the pair, updated
    (``(alert, False)``). ``None`` when the pair's last alert was resolved less than
    ``quiet_after_resolve`` ago: a supervisor who just resolved it is not paged again by the tail."""
    now = now or utcnow()
    quiet = quiet_after_resolve if quiet_after_resolve is not None else timedelta(seconds=window_seconds)
    for _ in range(2):
        try:
            with session_scope(engine) as s:
                alert = _unresolved(s, topic, region)
                if alert is not None:
                    _merge(alert, spike, samples, now)
                    s.add(alert)
                    return alert, False
                last = s.exec(select(func.max(Alert.resolved_at)).where(
                    Alert.topic == topic, Alert.region == region)).one()
                if last is not None and _aware(last) > now - quiet:
                    return None
                alert = Alert(topic=topic, kind=kind, region=region, count=spike.count, window_seconds=window_seconds,
                              baseline=spike.expected, p_value=spike.p_value, samples=samples[:SAMPLES],
                              first_seen=now, last_seen=now)
                s.add(alert)
                s.flush()
                return alert, True
        except IntegrityError:
            continue  # another replica inserted it between our look and our insert: update theirs
    return None


def _aware(at: datetime) -> datetime:
    from datetime import UTC

    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def list_alerts(engine: Engine, *, status: str = "", limit: int = 200) -> list[Alert]:
    """Newest first; ``status`` '' = every unresolved one, 'all' = every one."""
    stmt = select(Alert)
    if status == "":
        stmt = stmt.where(Alert.status != AlertStatus.resolved)
    elif status != "all":
        stmt = stmt.where(Alert.status == status)
    with Session(engine) as s:
        return list(s.exec(stmt.order_by(col(Alert.last_seen).desc(), col(Alert.id).desc()).limit(limit)))


def set_status(engine: Engine, alert_id: int, status: AlertStatus, *, by: Principal) -> Alert:
    """Acknowledge or resolve; audited. Acknowledging an acknowledged alert changes nothing."""
    with session_scope(engine) as s:
        alert = s.get(Alert, alert_id)
        if alert is None:
            raise AlertNotFound(alert_id)
        if alert.status == AlertStatus.resolved:
            raise AlertClosed(f"alert {alert_id} is resolved already")
        if alert.status == status:
            return alert
        now = utcnow()
        if status is AlertStatus.acknowledged:
            alert.acknowledged_at, alert.acknowledged_by = now, by.name
        else:
            alert.resolved_at, alert.resolved_by = now, by.name
        before, alert.status = alert.status, status
        s.add(alert)
        record_audit(s, by, f"alert.{'acknowledge' if status is AlertStatus.acknowledged else 'resolve'}",
                     f"alert:{alert_id}", detail={"topic": alert.topic, "region": alert.region, "from": before})
        return alert


def list_terms(engine: Engine) -> list[UrgentTerm]:
    with Session(engine) as s:
        return list(s.exec(select(UrgentTerm).where(col(UrgentTerm.retired_at).is_(None))
                           .order_by(col(UrgentTerm.topic), col(UrgentTerm.id))))


def seed_terms(engine: Engine, rows: list[TermRow]) -> int:
    """Write the shipped dictionary once: only into a table that never had a row (retired ones count)."""
    with session_scope(engine) as s:
        if s.exec(select(func.count()).select_from(UrgentTerm)).one():
            return 0
        s.add_all(UrgentTerm(topic=r.topic, phrase=r.phrase, region=r.region, created_by="shipped") for r in rows)
        return len(rows)


def add_terms(engine: Engine, rows: list[TermRow], *, by: Principal) -> list[UrgentTerm]:
    """Add rows (one already there is not added twice); audited as one change."""
    with session_scope(engine) as s:
        have = {(t.topic, t.phrase, t.region) for t in s.exec(
            select(UrgentTerm).where(col(UrgentTerm.retired_at).is_(None)))}
        added = [UrgentTerm(topic=r.topic, phrase=r.phrase, region=r.region, created_by=by.name)
                 for r in dict.fromkeys(rows) if (r.topic, r.phrase, r.region) not in have]
        s.add_all(added)
        s.flush()
        record_audit(s, by, "alert_terms.add", "urgent_terms",
                     detail={"rows": [{"id": t.id, "topic": t.topic, "phrase": t.phrase, "region": t.region}
                                      for t in added]})
        return added


def retire_term(engine: Engine, term_id: int, *, by: Principal) -> UrgentTerm:
    with session_scope(engine) as s:
        term = s.get(UrgentTerm, term_id)
        if term is None or term.retired_at is not None:
            raise NotFound(f"dictionary row not found: {term_id}")
        term.retired_at, term.retired_by = utcnow(), by.name
        s.add(term)
        record_audit(s, by, "alert_terms.retire", "urgent_terms",
                     detail={"id": term_id, "topic": term.topic, "phrase": term.phrase, "region": term.region})
        return term


def terms_version(engine: Engine) -> tuple[int, int]:
    """Changes whenever a row is added or retired (by any replica): (rows, retired rows)."""
    with Session(engine) as s:
        total = s.exec(select(func.count()).select_from(UrgentTerm)).one()
        retired = s.exec(select(func.count()).select_from(UrgentTerm).where(
            col(UrgentTerm.retired_at).is_not(None))).one()
        return int(total), int(retired)
