"""Tables and schemas: alerts (one unresolved per topic and region) and the urgent-term dictionary."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Index, text
from sqlmodel import Field, SQLModel

from assistant.kb.models import utcnow

_UNRESOLVED = text("status <> 'resolved'")


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class AlertKind(StrEnum):
    urgent = "urgent"  # a topic of the urgent-term dictionary
    topic = "topic"    # an ordinary topic: the category of the entry the question found


class AlertBase(SQLModel):
    topic: str = Field(max_length=100)
    kind: str = Field(default=AlertKind.urgent, max_length=20)
    region: str = Field(default="", max_length=100)  # full label, '' when the caller's region was unknown
    status: str = Field(default=AlertStatus.open, max_length=20)
    count: int = 0  # questions in the window when it was last seen (the highest so far)
    window_seconds: int = 0
    baseline: float = 0.0  # questions expected in that window at the pair's own baseline share
    p_value: float = 1.0
    samples: list[str] = Field(default_factory=list, sa_type=JSON)  # masked questions
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = Field(default=None, max_length=100)
    resolved_at: datetime | None = None
    resolved_by: str | None = Field(default=None, max_length=100)


class Alert(AlertBase, table=True):
    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_open_pair", "topic", "region", unique=True,
              postgresql_where=_UNRESOLVED, sqlite_where=_UNRESOLVED),
        Index("ix_alert_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)


class AlertPublic(AlertBase):
    id: int


class AlertsPublic(BaseModel):
    data: list[AlertPublic]
    count: int


class TermBase(SQLModel):
    topic: str = Field(max_length=100)
    phrase: str = Field(max_length=200)
    region: str = Field(default="", max_length=100)


class UrgentTerm(TermBase, table=True):
    __tablename__ = "urgent_term"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=100)
    retired_at: datetime | None = None
    retired_by: str | None = Field(default=None, max_length=100)


class TermCreate(BaseModel):
    topic: str = PydanticField(max_length=100, description="e.g. 단수 (not empty)")
    phrase: str = PydanticField(max_length=200, description="what callers say, e.g. '물이 안 나와요'")
    region: str = PydanticField(default="", max_length=100, description="'' = every region, or e.g. '서울특별시 강남구'")


class TermsCreate(BaseModel):
    rows: list[TermCreate] = PydanticField(min_length=1, max_length=1000)


class TermPublic(TermBase):
    id: int
    created_at: datetime
    created_by: str


class TermsPublic(BaseModel):
    data: list[TermPublic]
    count: int


class TermCheck(BaseModel):
    question: str = PydanticField(max_length=500, description="what a caller might say, e.g. '아침부터 물이 안 나와요'")
    region: str = PydanticField(default="", max_length=100, description="the caller's region ('' = unknown)")


class TermCheckResult(BaseModel):
    topics: list[str] = PydanticField(description="urgent topics the question counts toward now; [] = none")
