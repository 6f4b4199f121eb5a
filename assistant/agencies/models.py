"""The agency table. An agency is never deleted outright: ``deleted_at`` ends it, so the entries, calls
and audit rows that name its code keep their meaning, and its tokens stop working (401)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from assistant.kb.models import utcnow


class Agency(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=20)  # e.g. "seoul120", "nts"; lower-case letters and digits
    name: str = Field(max_length=200)
    contact: str = Field(default="", max_length=200)  # the line a transferred citizen is put through to
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=100)
    deleted_at: datetime | None = None


class AgencyCreate(SQLModel):
    code: str = Field(min_length=2, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    contact: str = Field(default="", max_length=200)


class AgencyPublic(SQLModel):
    code: str
    name: str
    contact: str
    created_at: datetime
    created_by: str
    deleted_at: datetime | None = None
