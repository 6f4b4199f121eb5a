"""Drafts: an editor's staged change, evaluated before it is published."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from assistant.kb.models import utcnow


class Draft(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    author: str = Field(max_length=100)
    entry_id: str = Field(max_length=200, index=True)
    action: str = Field(max_length=10)  # create / update / retire
    base_version: int = 0  # the version the draft was made from (0 for a new entry)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    note: str = Field(default="", max_length=500)
    status: str = Field(default="evaluating", max_length=20)  # evaluating / ready / failed / published / discarded
    evaluation: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # summary, failed gates, regressions
    passed: bool | None = None
    published_version: int | None = None
    published_at: datetime | None = None
    published_by: str = Field(default="", max_length=100)
    override_reason: str = Field(default="", max_length=500)
    agency: str = Field(default="", max_length=20, index=True)  # the entry's agency ("" = common)
