"""Table of evaluation runs the service makes on every manual update (persisted, so a queued run
survives a restart and every replica sees the same history)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from assistant.kb.models import utcnow


class EvalRun(SQLModel, table=True):
    __tablename__ = "eval_run"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    status: str = Field(default="queued", max_length=20, index=True)  # queued / running / done / failed
    phase: str = Field(default="", max_length=20)  # while running: affected, then full
    trigger: str = Field(default="", max_length=300)  # what queued it (coalesced triggers joined)
    changed: list[str] = Field(default_factory=list, sa_type=JSON)  # entries changed since the last run
    kb_version: int = 0
    dataset: str = Field(default="", max_length=500)
    dataset_sha256: str = Field(default="", max_length=64)
    affected: list[str] = Field(default_factory=list, sa_type=JSON)  # qids scored first
    affected_summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    gates: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)  # failed gates only
    passed: bool | None = None
    results: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)  # one row per question
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # what it ran on (as run.json)
    error: str = ""
    agency: str = Field(default="", max_length=20, index=True)  # whose edits queued it ("" = the center's)
