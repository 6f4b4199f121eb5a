"""The knowledge-gap report's groups come from what each answer was when it was shown: its stored
``confidence_level`` (the advisor's own verdict), not a rule of the report's own over stored scores.
And migration 0006 gives suggestions recorded before it the level the report gave them until then."""

from __future__ import annotations

import math

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from assistant.advisor.service import AbstentionPolicy
from assistant.feedback.models import Suggestion
from assistant.feedback.service import FeedbackService
from assistant.kb.db import alembic_config, make_engine, migrate
from assistant.types import Answer, GroundingReport, Hit, Scope, ScoreBreakdown

pytestmark = pytest.mark.integration


def hit(entry_id: str, dense: float, lexical: float) -> Hit:
    scores = ScoreBreakdown(lexical_rank=1, lexical_score=lexical, dense_rank=1, dense_score=dense,
                            vote_rank=None, fused=0.03)
    return Hit(entry_id=entry_id, title=entry_id, scope=Scope.national, sido="", sigungu="", version=1,
               score=0.03, scores=scores)


def answer(level: str, dense: float, lexical: float) -> Answer:
    return Answer("안내[1].", "abstain" if level == "none" else "extractive", [], [hit(f"e-{level}", dense, lexical)],
                  GroundingReport(1, 1), abstained=level == "none", confidence=0.0, confidence_level=level)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.db'}" if request.param == "sqlite" else request.getfixturevalue("own_postgres_db")
    e = make_engine(url)
    yield e
    e.dispose()


def test_the_low_confidence_group_is_the_answers_own_level(engine):
    migrate(engine)
    fb = FeedbackService(engine)
    # scores chosen so that a rule over the stored scores would group them the other way round: the
    # level the advisor gave decides (it may also say 'low' for two nearly tied entries, which no
    # score threshold sees)
    flagged = fb.record_suggestion(answer("low", 0.99, 30.0), question="여권 재발급 어디서", region="", actor="kim")
    sure = fb.record_suggestion(answer("high", 0.5, 0.0), question="운전면허 갱신 방법", region="", actor="kim")
    declined = fb.record_suggestion(answer("none", 0.5, 0.0), question="지하철 분실물", region="", actor="kim")
    with Session(engine) as s:
        assert [s.get(Suggestion, i).confidence_level for i in (flagged, sure, declined)] == ["low", "high", "none"]
    _, groups = fb.gaps()
    by_kind = {g.kind: [q for g2 in groups if g2.kind == g.kind for q in g2.questions] for g in groups}
    assert by_kind == {"low_confidence": ["여권 재발급 어디서"], "abstained": ["지하철 분실물"]}


def test_migration_0006_gives_earlier_suggestions_the_level_the_report_gave_them(engine):
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0005")
    policy = AbstentionPolicy()
    floor = policy.confidence_min + policy.low_margin
    rows = {  # (abstained, top_dense, top_lexical): what the report said of it before 0006
        "declined": (True, 0.80, 2.0),
        "near the floor": (False, policy.confidence_min + 0.001, 0.0),
        "well above": (False, 0.99, 20.0),
        "no scores": (False, None, None),
    }
    with engine.begin() as conn:
        for q, (abstained, dense, lexical) in rows.items():
            conn.execute(text(
                "INSERT INTO suggestion (created_at, actor, question, region, mode, abstained, answer, citations, hits,"
                " top_dense, top_lexical, kb_version, latency_ms) VALUES (CURRENT_TIMESTAMP, 'kim', :q, '', 'x',"
                " :a, '', '[]', '[]', :d, :l, 1, 1.0)"), {"q": q, "a": abstained, "d": dense, "l": lexical})
    command.upgrade(cfg, "head")
    with Session(engine) as s:
        levels = {r.question: r.confidence_level for r in s.exec(select(Suggestion))}

    def before(abstained: bool, dense: float | None, lexical: float | None) -> str:
        if abstained:
            return "none"
        value = (dense or 0.0) + policy.lexical_weight * math.log1p(max(lexical or 0.0, 0.0))
        return "low" if value < floor else "high"

    assert levels == {q: before(*r) for q, r in rows.items()}
    assert set(levels.values()) == {"none", "low", "high"}, "the rows cover every level"
