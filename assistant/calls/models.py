"""Tables of a live call. Events are appended, never edited: the call's history is its event list."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from assistant.kb.models import utcnow


class Call(SQLModel, table=True):
    call_id: str = Field(default_factory=lambda: str(uuid4()), primary_key=True, max_length=36)
    region: str = Field(default="", max_length=100)
    counselor: str = Field(default="", max_length=100)
    status: str = Field(default="open", max_length=20)  # open / transferred / closed
    agency: str = Field(default="", max_length=20)  # the agency whose counselor holds the call ("" = none)
    created_at: datetime = Field(default_factory=utcnow)


class CallEvent(SQLModel, table=True):
    __tablename__ = "call_event"

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.call_id", index=True, max_length=36)
    kind: str = Field(max_length=20)  # utterance / suggestion / transfer / close
    speaker: str = Field(default="", max_length=20)
    text: str = ""  # personal data already masked
    final: bool = False
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)
