"""Notices: tables (rows are only ever appended) and the API's schema family.

A notice row is never edited: ending one early appends a ``notice_end`` row, and expiry is its window
passing, so the whole history stays readable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from assistant.kb.models import utcnow


class NoticeBase(SQLModel):
    region: str = Field(max_length=100)          # the region's full label: '서울특별시 강남구'
    text: str = Field(max_length=1000)           # what the counselor reads out
    topics: list[str] = Field(default_factory=list, sa_type=JSON)  # the words a question must use
    starts_at: datetime  # stored in UTC (timezone-aware columns, see the migration)
    ends_at: datetime
    source_alert: str = Field(default="", max_length=100)  # the alert it was drafted from, if any


class Notice(NoticeBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    author: str = Field(max_length=100)
    author_role: str = Field(default="", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class NoticeEnd(SQLModel, table=True):
    """A notice ended before its window was over: who, when, why."""

    __tablename__ = "notice_end"

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    ended_at: datetime = Field(default_factory=utcnow)
    by: str = Field(max_length=100)
    role: str = Field(default="", max_length=20)
    reason: str = Field(default="", max_length=500)


class NoticeCreate(BaseModel):
    """``region`` (any form the region table accepts), ``text``, ``topics`` (a list or a comma-separated string),
    a window: ``starts_at`` (default now) and ``ends_at`` or ``duration_minutes``. Times without a zone are Korean."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "region": "서울특별시 강남구", "text": "역삼동 일대 단수, 18시 복구 예정, 문의 강남구청 물관리과",
        "topics": ["단수", "수돗물"], "duration_minutes": 240}]})

    region: str = PField(max_length=100)
    text: str = PField(max_length=1000)
    topics: list[str] | str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    duration_minutes: int | None = PField(default=None, ge=1, le=20_160)
    source_alert: str = PField(default="", max_length=100)


class NoticeEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = PField(default="", max_length=500)


class NoticePublic(BaseModel):
    id: int
    region: str
    text: str
    topics: list[str]
    starts_at: datetime
    ends_at: datetime
    author: str
    author_role: str
    created_at: datetime
    status: str  # scheduled / active / ended / expired, as of the response
    ended_at: datetime | None = None
    ended_by: str = ""
    end_reason: str = ""
    source_alert: str = ""
    cite: str  # '공지 · <author> · <time> 게시': how answers cite it


class NoticesPublic(BaseModel):
    data: list[NoticePublic]
    count: int


class AlertIn(BaseModel):
    """An urgent-issue alert as its API shows it; only ``topic`` and ``region`` are needed."""

    model_config = ConfigDict(extra="allow")

    topic: str = PField(max_length=100)
    region: str = PField(default="", max_length=100)
    samples: list[str] = PField(default_factory=list, max_length=50)
    count: int | None = None
    id: int | str | None = None


class NoticeDraft(BaseModel):
    """A prefilled notice: correct it, then POST it to /v1/notices as it is."""

    region: str
    text: str
    topics: list[str]
    starts_at: datetime
    ends_at: datetime
    source_alert: str = ""

    def as_create(self, **changes: Any) -> NoticeCreate:
        return NoticeCreate(**{**self.model_dump(), **changes})
