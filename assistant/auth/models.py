"""Tables: API tokens (only a hash is stored) and the audit log (rows are only ever appended)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from assistant.kb.models import utcnow


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
    role: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 of the token: the token itself is never stored
    prefix: str = Field(max_length=12)  # the token's first characters, to tell tokens apart in listings
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=100)
    revoked_at: datetime | None = None
    agency: str = Field(default="", max_length=20)  # "" = no agency (the whole center, as before agencies)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100, index=True)
    role: str = Field(default="", max_length=20)
    action: str = Field(max_length=50)  # entry.create / entry.update / entry.retire / kb.import / token.create ...
    target: str = Field(default="", max_length=200, index=True)
    version: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    agency: str = Field(default="", max_length=20, index=True)  # the acting token's agency ("" = none)
