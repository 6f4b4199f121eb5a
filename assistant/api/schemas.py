"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=20_000, description="What the caller asked (or the transcript)")
    region: str | None = Field(default=None, max_length=100, description="e.g. '서울특별시 강남구'")
    top_k: int = Field(default=5, ge=1, le=50)


class ScoresOut(BaseModel):
    lexical_rank: int | None
    lexical_score: float | None
    dense_rank: int | None
    dense_score: float | None
    vote_rank: int | None
    fused: float


class HitOut(BaseModel):
    entry_id: str
    title: str
    scope: str
    sido: str
    sigungu: str
    version: int
    score: float
    scores: ScoresOut


class SearchResponse(BaseModel):
    hits: list[HitOut]
    region: str
    notices: list[str]


class CitationOut(BaseModel):
    n: int
    entry_id: str
    version: int
    title: str


class GroundingOut(BaseModel):
    sentences: int
    supported: int
    unsupported: int
    removed: list[str]
    reasons: list[str]


class AdviseResponse(BaseModel):
    answer: str
    mode: str = Field(description="extractive, llm or abstain")
    abstained: bool
    citations: list[CitationOut]
    hits: list[HitOut]
    grounding: GroundingOut
    key_facts: dict[str, str]
    notices: list[str]
    errors: list[str]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


class CallCreate(BaseModel):
    region: str | None = Field(default=None, max_length=100)
    counselor: str = Field(default="", max_length=100)


class CallOut(BaseModel):
    call_id: str
    region: str
    counselor: str
    status: str


class UtteranceIn(BaseModel):
    speaker: Literal["citizen", "counselor"]
    text: str = Field(min_length=1, max_length=20_000)
    final: bool = True


class UtteranceOut(BaseModel):
    suggestion: AdviseResponse | None
    suggestion_id: int | None = None


class TransferIn(BaseModel):
    to: str = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=2000)


class CallEventOut(BaseModel):
    id: int
    kind: str
    speaker: str
    text: str
    final: bool
    payload: dict[str, Any]


class CallHistory(BaseModel):
    call: CallOut
    events: list[CallEventOut]


class CallRecord(BaseModel):
    문의: str
    답변: str
    안내: str
    결과: str
