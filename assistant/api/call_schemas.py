"""Request and response bodies of the live-call routes: calls, utterances, transfers and their summary,
the agency's queue, the history and the after-call record."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.api.schemas import AdviseResponse


class CallCreate(BaseModel):
    """The call's counselor is the token's holder, never a name the client sends: a body that sets
    ``counselor`` is refused (422) rather than ignored, so a client that relied on it finds out."""

    model_config = ConfigDict(extra="forbid")

    region: str | None = Field(default=None, max_length=100)

    @model_validator(mode="before")
    @classmethod
    def _no_counselor(cls, data: Any) -> Any:
        if isinstance(data, dict) and "counselor" in data:
            raise ValueError("'counselor' is not accepted: a call is opened by, and belongs to, the token's holder")
        return data


class CallOut(BaseModel):
    call_id: str
    region: str
    counselor: str
    status: str
    agency: str = Field(default="", description="the agency whose counselor holds the call (\"\" = none)")


class UtteranceIn(BaseModel):
    speaker: Literal["citizen", "counselor"]
    text: str = Field(min_length=1, max_length=20_000)
    final: bool = True


class UtteranceOut(BaseModel):
    suggestion: AdviseResponse | None
    suggestion_id: int | None = None


class TransferIn(BaseModel):
    """To a counselor (``to``), or to an agency (``to_agency``, a live agency's code; ``to`` then names its
    counselor, if known): at least one of them."""

    to: str = Field(default="", max_length=100)
    to_agency: str = Field(default="", max_length=20, description="a live agency's code (422 lists the valid ones)")
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _someone(self) -> TransferIn:
        if not self.to.strip() and not self.to_agency.strip():
            raise ValueError("name the counselor ('to') or the agency ('to_agency') the call goes to")
        return self


class TransferSummaryOut(BaseModel):
    """What the receiving counselor reads first (masked): the question in a line, what was told (with the
    cited entries), what is open, the situation as understood; ``mode``: 'extractive' or 'llm'."""

    question: str
    told: list[dict[str, Any]]
    open: list[dict[str, str]]
    situation: dict[str, Any]
    text: str
    mode: str
    errors: list[str]
    grounding: dict[str, Any] | None = None


class TransferOut(CallOut):
    """The call handed over (the existing fields), its summary, and the receiving side's call: the same call
    for a counselor transfer, the linked call an agency transfer opened."""

    summary: TransferSummaryOut
    to_agency: str = ""
    linked_call_id: str = Field(default="", description="the receiving agency's call (agency transfers)")


class QueuedCallOut(CallOut):
    """A call waiting in the agency's queue, with the transfer that opened it: who sent it, from which agency,
    the summary (masked) and the note."""

    created_at: datetime
    handover: dict[str, Any] = Field(description="the opening transfer's payload: from, from_agency(_name), summary")
    note: str = ""


class CallQueue(BaseModel):
    data: list[QueuedCallOut]


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
    이관: str = Field(default="", description="the other side of each transfer: counselors, agency, linked call")
