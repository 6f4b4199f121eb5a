"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.feedback.models import FeedbackKind, FeedbackReason
from assistant.kb.models import EntryCreate, EntryPublic, EntryUpdate


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=20_000, description="What the caller asked (or the transcript)")
    region: str | None = Field(default=None, max_length=100, description="e.g. '서울특별시 강남구'")
    top_k: int = Field(default=5, ge=1, le=50)
    answers: dict[str, str] | None = Field(
        default=None, max_length=10,
        description="the caller's answers to clarifying questions, e.g. {'disability': 'yes'}; attributes: stage, "
                    "household, disability, income, veteran, care (an unknown one is a 422 listing them)")


class ScoresOut(BaseModel):
    first_rank: int | None = Field(default=None, description="the entry's place before the learned ranker")
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
    updated: str = Field(default="", description="the entry's own last-updated date, when the source gives one")
    snippet: str = Field(default="", description="the best-matching passage, shortened")
    other_agency: str = Field(default="", description="the code of the agency the entry belongs to when that "
                              "is not the caller's own (a transfer candidate); '' = common or the caller's agency's")
    transfer_hint: str = Field(default="", description="with other_agency: '이관 권장: <agency> (<contact>)'")


class CallerProfileOut(BaseModel):
    """The caller's situation as read from the question and clarifying answers."""

    model_config = {"extra": "allow"}  # one list per attribute said: stage, household, income, ...
    age: int | None = None
    label: str = Field(default="", description="for the widget's '파악된 상황': e.g. '70대 · 기초수급'")


class ClarifyOptionOut(BaseModel):
    label: str
    attribute: str
    value: str = Field(description="send back in 'answers' as {attribute: value}")
    entry_id: str
    title: str
    who: str = Field(default="", description="whom this entry is for, quoted from it")


class ClarificationOut(BaseModel):
    attribute: str
    question: str = Field(description="what to ask the caller, e.g. '장애인 가정이신가요?'")
    options: list[ClarifyOptionOut]


OTHER_AGENCY_HITS = ("another agency's entries that answer clearly better than any the caller's agency may use, "
                     "each marked with other_agency and a transfer_hint; never part of hits")


class SearchResponse(BaseModel):
    hits: list[HitOut]
    region: str
    notices: list[str]
    caller_profile: CallerProfileOut | None = None
    clarification: ClarificationOut | None = None
    other_agency_hits: list[HitOut] = Field(default_factory=list, description=OTHER_AGENCY_HITS)


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


class ActiveNoticeOut(BaseModel):
    """A notice (공지) in force that the question matches: read it out before the manual answer."""

    id: int
    region: str
    text: str
    topics: list[str]
    matched: list[str] = Field(description="the topic words the question used")
    author: str
    posted_at: datetime
    starts_at: datetime
    ends_at: datetime
    cite: str = Field(description="how to cite it: '공지 · <author> · <time> 게시'")


class AdviseResponse(BaseModel):
    suggestion_id: int | None = Field(default=None, description="send feedback on this answer with it")
    answer: str
    mode: str = Field(description="extractive, llm or abstain")
    abstained: bool
    confidence: float | None = Field(default=None, description="how well the manuals cover the question: best "
                                     "cosine + weight × ln(1 + best BM25), or the cosine alone without Hangul")
    confidence_level: str = Field(default="", description="high; low (answered just above the abstention "
                                  "floor, or the first two entries nearly tied: check the entries before "
                                  "reading it out); none (abstained)")
    declined_by: str = Field(default="", description="when abstained: evidence (the retrievers found too little) "
                             "or topic (weak evidence, and the question is outside the manuals' domain)")
    citations: list[CitationOut]
    hits: list[HitOut]
    grounding: GroundingOut
    key_facts: dict[str, str]
    notices: list[str]
    errors: list[str]
    caller_profile: CallerProfileOut | None = None
    clarification: ClarificationOut | None = None
    active_notices: list[ActiveNoticeOut] = Field(default_factory=list, description="the center's notices in "
                                                  "force that the question matches: shown above the answer")
    other_agency_hits: list[HitOut] = Field(default_factory=list, description=OTHER_AGENCY_HITS)


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


class Me(BaseModel):
    name: str
    role: str
    permissions: list[str]
    agency: str = Field(default="", description="the token's agency (\"\" = none: the whole center)")


class RegionsOut(BaseModel):
    sido: list[str]
    districts: dict[str, list[str]]


class FeedbackIn(BaseModel):
    suggestion_id: int = Field(ge=1)
    kind: FeedbackKind
    entry_id: str | None = Field(default=None, max_length=200)
    reason: FeedbackReason | None = None
    comment: str = Field(default="", max_length=1000)


class FeedbackOut(BaseModel):
    id: int
    suggestion_id: int
    kind: str
    entry_id: str | None
    reason: str | None
    comment: str
    created_at: datetime


class EntryIn(EntryCreate):
    note: str = Field(default="created", max_length=500)


class EntryPatch(EntryUpdate):
    expected_version: int = Field(ge=1, description="the version you edited; a newer one is a 409 conflict")
    note: str = Field(default="edited", max_length=500)


class RetireIn(BaseModel):
    expected_version: int = Field(ge=1)
    note: str = Field(default="retired", max_length=500)


class EntryChange(BaseModel):
    entry: EntryPublic
    indexed_kb_version: int = Field(description="the live index's KB version after the change: searchable now")


class VersionMeta(BaseModel):
    version: int
    author: str
    change_note: str
    status: str
    title: str
    created_at: datetime
    content_hash: str


class HistoryOut(BaseModel):
    data: list[VersionMeta]
    count: int


class FieldChange(BaseModel):
    field: str
    before: Any
    after: Any


class DiffOut(BaseModel):
    entry_id: str
    from_version: int
    to_version: int
    changes: list[FieldChange]
    content_diff: list[str]


class SyncReportOut(BaseModel):
    source: str
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int
    dry_run: bool


class ImportOut(BaseModel):
    reports: list[SyncReportOut]
    indexed_kb_version: int


class GapEntry(BaseModel):
    entry_id: str
    title: str


class GapGroupOut(BaseModel):
    kind: Literal["abstained", "low_confidence", "thumbs_down"]
    label: str
    count: int
    questions: list[str]
    entries: list[GapEntry]
    reasons: dict[str, int]
    last_seen: datetime | None
    suggestion_ids: list[int] = []  # the questions behind the group: GET /v1/gaps/draft?suggestion_id=…


class GapsOut(BaseModel):
    since: datetime
    groups: list[GapGroupOut]


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    version: int | None
    detail: dict[str, Any]
    agency: str = Field(default="", description="the acting token's agency (\"\" = none)")


class AuditPage(BaseModel):
    data: list[AuditOut]
    count: int


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["counselor", "editor", "qa", "admin"]
    agency: str = Field(default="", max_length=20, description="the agency the token belongs to (\"\" = none)")


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    agency: str = ""


class TokenCreated(TokenOut):
    token: str = Field(description="shown once; only its hash is stored")


class EvalRunOut(BaseModel):
    id: int
    status: str
    phase: str
    trigger: str
    changed: list[str]
    kb_version: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    passed: bool | None
    gates: list[dict[str, Any]]
    scores: dict[str, float] = Field(description="headline scores of the full pass")
    affected: list[str] = Field(description="questions scored first (their gold or previous hits touch a change)")
    affected_scores: dict[str, float]
    error: str
    agency: str = Field(default="", description="the agency whose edits queued it (\"\" = the center's)")


class EvalRunDetail(EvalRunOut):
    summary: dict[str, Any]
    meta: dict[str, Any]
    results: list[dict[str, Any]] | None = Field(default=None, description="per question, with ?results=true")


class EvalQueued(BaseModel):
    run_id: int


class EvalRequest(BaseModel):
    note: str = Field(default="manual", max_length=200)


class DraftIn(BaseModel):
    action: Literal["create", "update", "retire"]
    entry_id: str = Field(min_length=1, max_length=200)
    base_version: int = Field(default=0, ge=0, description="the version the draft starts from (0 for a new entry)")
    changes: dict[str, Any] = Field(default_factory=dict, description="fields as in PATCH /v1/entries (all of them for create)")
    note: str = Field(default="", max_length=500)


class DraftOut(BaseModel):
    id: int
    created_at: datetime
    author: str
    entry_id: str
    action: str
    base_version: int
    changes: dict[str, Any]
    note: str
    status: str
    evaluation: dict[str, Any]
    passed: bool | None
    published_version: int | None
    published_at: datetime | None
    published_by: str
    override_reason: str
    agency: str = ""


class PublishIn(BaseModel):
    override: bool = Field(default=False, description="admins only: publish although a gate fails")
    reason: str = Field(default="", max_length=500)
