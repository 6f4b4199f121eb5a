"""Tables: suggestions (one per answer shown) and feedback events on them. Both append-only."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from assistant.kb.models import utcnow


class FeedbackKind(StrEnum):
    displayed = "displayed"
    clicked = "clicked"
    copied = "copied"
    thumbs_up = "thumbs_up"
    thumbs_down = "thumbs_down"


class FeedbackReason(StrEnum):
    wrong_entry = "wrong_entry"      # 엉뚱한 항목
    outdated = "outdated"            # 내용이 오래됨
    incomplete = "incomplete"        # 정보 부족
    wrong_region = "wrong_region"    # 다른 지역 안내
    unclear = "unclear"              # 읽어 주기 어려움
    other = "other"


class Suggestion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(default="", max_length=100)
    call_id: str | None = Field(default=None, max_length=36, index=True)
    question: str = ""  # masked before it is stored
    region: str = Field(default="", max_length=100)
    mode: str = Field(default="", max_length=60)
    abstained: bool = False
    # the advisor's verdict when it answered: 'high', 'low' (answered, the counselor should check) or
    # 'none' (abstained); the knowledge-gap report groups by it
    confidence_level: str = Field(default="", max_length=10)
    answer: str = ""
    citations: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    hits: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)  # entry_id, title, version, scores
    top_dense: float | None = None
    top_lexical: float | None = None
    kb_version: int = 0
    latency_ms: float = 0.0
    agency: str = Field(default="", max_length=20, index=True)  # the asking token's agency ("" = none)


class Feedback(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    kind: str = Field(max_length=20)
    entry_id: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=20)
    comment: str = Field(default="", max_length=1000)  # masked before it is stored
    actor: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
