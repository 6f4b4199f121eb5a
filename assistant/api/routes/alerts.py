"""Urgent-issue alerts (긴급민원 이슈 알리미) for supervisors, and the urgent-term dictionary they match on."""

from __future__ import annotations

from fastapi import APIRouter, Query

from assistant.api.deps import PrincipalDep, RuntimeDep
from assistant.ops.alerts.models import (
    AlertPublic,
    AlertsPublic,
    TermCheck,
    TermCheckResult,
    TermPublic,
    TermsCreate,
    TermsPublic,
)
from assistant.ops.alerts.terms import TermRow

router = APIRouter(tags=["alerts"])


@router.get("/v1/alerts", response_model=AlertsPublic)
def list_alerts(rt: RuntimeDep, status: str = Query(
        default="", description="open, acknowledged, resolved or all; none: every unresolved alert")) -> AlertsPublic:
    """Alerts, the most recently seen first: topic, region (full label), questions in the window, the
    count expected there from the pair's own baseline, the test's p-value, masked sample questions."""
    rows = [AlertPublic.model_validate(a.model_dump()) for a in rt.alerts.alerts(status)]
    return AlertsPublic(data=rows, count=len(rows))


@router.post("/v1/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
def acknowledge_alert(alert_id: int, rt: RuntimeDep, principal: PrincipalDep) -> AlertPublic:
    """Someone is on it (audited); the alert stays open, so the same spike is not raised again."""
    return AlertPublic.model_validate(rt.alerts.acknowledge(alert_id, by=principal).model_dump())


@router.post("/v1/alerts/{alert_id}/resolve", response_model=AlertPublic)
def resolve_alert(alert_id: int, rt: RuntimeDep, principal: PrincipalDep) -> AlertPublic:
    """Over (audited); a new spike of the same topic and region, after a quiet window, is a new alert."""
    return AlertPublic.model_validate(rt.alerts.resolve(alert_id, by=principal).model_dump())


@router.get("/v1/alerts/terms", response_model=TermsPublic)
def list_terms(rt: RuntimeDep) -> TermsPublic:
    """The urgent-term dictionary in use: topic, phrasing, region ('' = everywhere)."""
    rows = [TermPublic.model_validate(t.model_dump()) for t in rt.alerts.terms()]
    return TermsPublic(data=rows, count=len(rows))


@router.post("/v1/alerts/terms", response_model=TermsPublic, status_code=201)
def add_terms(body: TermsCreate, rt: RuntimeDep, principal: PrincipalDep) -> TermsPublic:
    """Add phrasings (audited). A row with an empty topic or phrasing, an unknown region or nothing to
    match on is a 422 naming each bad row and the accepted form; then nothing is added."""
    added = rt.alerts.add_terms([TermRow(r.topic, r.phrase, r.region) for r in body.rows], by=principal)
    rows = [TermPublic.model_validate(t.model_dump()) for t in added]
    return TermsPublic(data=rows, count=len(rows))


@router.post("/v1/alerts/terms/check", response_model=TermCheckResult)
def check_terms(body: TermCheck, rt: RuntimeDep) -> TermCheckResult:
    """Which urgent topics a sentence counts toward with the dictionary as it is now (nothing is counted):
    how an editor sees what a phrasing they add or retire does. An unknown region is a 422."""
    return TermCheckResult(topics=rt.alerts.topics(body.question, body.region))


@router.delete("/v1/alerts/terms/{term_id}", response_model=TermPublic)
def retire_term(term_id: int, rt: RuntimeDep, principal: PrincipalDep) -> TermPublic:
    """Stop matching a phrasing (audited; the row is kept, retired)."""
    return TermPublic.model_validate(rt.alerts.retire_term(term_id, by=principal).model_dump())
