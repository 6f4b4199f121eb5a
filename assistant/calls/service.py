"""Live-call flow: a final citizen utterance triggers fresh suggestions; everything is kept.

Text is masked before it is stored, so the history never holds personal data. Each method takes
the caller and applies ``access.decide`` in the same transaction as the change: a call is its
counselor's (404 to other counselors); a transfer records who made it, in the call's events and
the audit log.

>>> calls = CallService(engine, advisor)                          # doctest: +SKIP
>>> call = calls.create(region="서울특별시 강남구", by=kim)          # doctest: +SKIP
>>> calls.utterance(call.call_id, "citizen", "애기 낳으면 돈 주나요", final=True, by=kim)   # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.advisor.service import Advisor, mask
from assistant.auth.service import Principal, record_audit
from assistant.calls.access import CallAccess, Decision, decide
from assistant.calls.models import Call, CallEvent
from assistant.errors import AssistantError, Forbidden, InvalidQuery, NotFound
from assistant.feedback.service import FeedbackService
from assistant.kb.db import session_scope
from assistant.transfer.links import RECEIVED, SENT, handed_to, link_of
from assistant.transfer.service import TransferService
from assistant.types import Answer, Hit

SPEAKERS = ("citizen", "counselor")


class QuestionObserver(Protocol):
    def __call__(self, question: str, region: str, hits: Sequence[Hit], *, once: str = "") -> None: ...


class CallNotFound(NotFound):
    def __init__(self, call_id: str) -> None:
        super().__init__(f"call not found: {call_id}")
        self.call_id = call_id


class CallClosed(AssistantError):
    pass


@dataclass(frozen=True)
class Handover:
    """A transfer's outcome: the call handed over, its summary as stored, and the receiving side's linked
    call (an agency transfer's), if one was opened."""

    call: Call
    summary: dict[str, Any]
    linked: Call | None = None


class CallService:
    """Creates calls, records utterances and suggestions, hands calls over, drafts the record."""

    def __init__(self, engine: Engine, advisor: Advisor, feedback: FeedbackService | None = None, *,
                 observe: QuestionObserver | None = None, transfers: TransferService | None = None) -> None:
        self.engine, self.advisor = engine, advisor
        self.feedback = feedback or FeedbackService(engine)
        self.transfers = transfers or TransferService(engine)  # the summary handed over (extractive by default)
        self.observe = observe  # counts each final citizen utterance for the urgent-issue alerts

    def create(self, *, region: str = "", by: Principal) -> Call:
        """Open a call; it is ``by``'s (the token holder's) until it is transferred."""
        if region:
            self.advisor.retriever.regions.parse(region)  # an unknown region is refused up front
        with session_scope(self.engine) as s:
            call = Call(region=region, counselor=by.name, agency=by.agency)
            s.add(call)
            return call

    def _call(self, s: Session, call_id: str, by: Principal, access: CallAccess) -> Call:
        call = s.get(Call, call_id)
        decision = Decision.hide if call is None else decide(call.counselor, by, access, agency=call.agency)
        if decision is Decision.hide or call is None:
            raise CallNotFound(call_id)
        if decision is Decision.refuse:
            raise Forbidden(f"call {call_id} is {call.counselor}'s: only they may add to it or transfer it")
        return call

    def utterance(self, call_id: str, speaker: str, text: str, *, final: bool = True,
                  by: Principal) -> tuple[Answer, int] | None:
        """Record an utterance; a final citizen utterance returns (and records) fresh suggestions:
        the answer and its suggestion id."""
        if speaker not in SPEAKERS:
            raise AssistantError(f"speaker must be one of {', '.join(SPEAKERS)}")
        masked = mask(text)
        with session_scope(self.engine) as s:
            call = self._call(s, call_id, by, CallAccess.write)
            if call.status == "closed":
                raise CallClosed(f"call {call_id} is closed")
            s.add(CallEvent(call_id=call_id, kind="utterance", speaker=speaker, text=masked, final=final))
            region = call.region
        if speaker != "citizen" or not final:
            return None
        question = " ".join(self._recent_citizen_text(call_id))
        t0 = time.perf_counter()
        result = self.advisor.advise(question, region=region or None, agency=by.agency)
        if self.observe is not None:  # the utterance itself, once per call and topic (it never raises)
            self.observe(masked, region, result.hits, once=call_id)
        sid = self.feedback.record_suggestion(
            result, question=question, region=region, actor=by.name, call_id=call_id,
            kb_version=self.advisor.retriever.holder.snapshot.kb_version,
            latency_ms=(time.perf_counter() - t0) * 1000, agency=by.agency)
        payload = {**result.as_dict(), "suggestion_id": sid}
        with session_scope(self.engine) as s:
            s.add(CallEvent(call_id=call_id, kind="suggestion", text=result.text, payload=payload))
        return result, sid

    def _recent_citizen_text(self, call_id: str, n: int = 2) -> list[str]:
        with Session(self.engine) as s:
            rows = s.exec(select(CallEvent.text).where(
                CallEvent.call_id == call_id, CallEvent.kind == "utterance", CallEvent.speaker == "citizen",
                col(CallEvent.final).is_(True)).order_by(col(CallEvent.id).desc()).limit(n)).all()
        return list(reversed(rows))

    def transfer(self, call_id: str, *, to: str = "", note: str = "", by: Principal,
                 to_agency: str = "") -> Handover:
        """Hand the call over with its transfer summary (``transfer/``), stored masked in the transfer event.

        To a counselor (``to``): the call is theirs from now on and they read the same history. To an agency
        (``to_agency``, a live agency's code, optionally with its counselor ``to``): a linked call of that
        agency is opened with the summary and the citizen's lines, since the agency's counselors may not
        read the sending agency's calls; the sending call stays its counselor's, marked transferred. Who
        handed it over is kept in the call's events and in the audit log."""
        to, to_agency = to.strip(), to_agency.strip()
        if not to and not to_agency:
            raise AssistantError("transfer: name the counselor or agency the call goes to")
        agency = self.transfers.agency(to_agency) if to_agency else None
        before, events = self.history(call_id, by=by, access=CallAccess.write)
        # made outside the transaction: a model may take seconds
        summary = self.transfers.summarize(events).as_dict()
        sender = self.transfers.name_of(before.agency) if agency is not None else ""
        with session_scope(self.engine) as s:
            call = self._call(s, call_id, by, CallAccess.write)
            handover = {"from": call.counselor, "to": to}
            linked: Call | None = None
            if agency is not None:
                handover.update(to_agency=agency.code)
                linked = Call(region=call.region, counselor=to, agency=agency.code, status="open" if to else "queued")
                s.add(linked)
                s.flush()
                lines = [{"speaker": e.speaker, "text": e.text} for e in events if e.kind == "utterance" and e.final]
                s.add(CallEvent(call_id=linked.call_id, kind="transfer", text=mask(note), payload={
                    **handover, "from_agency": call.agency, "from_agency_name": sender,
                    "to_agency_name": agency.name, "side": RECEIVED,
                    "linked_call_id": call_id, "by": by.name, "summary": summary, "history": lines}))
            extra = {"to_agency_name": agency.name, "side": SENT, "linked_call_id": linked.call_id} \
                if agency is not None and linked is not None else {}
            s.add(CallEvent(call_id=call_id, kind="transfer", text=mask(note),
                            payload={**handover, **extra, "by": by.name, "summary": summary}))
            # the note may be personal: not copied
            record_audit(s, by, "call.transfer", call_id, detail={**handover, **({"linked_call_id": linked.call_id}
                                                                               if linked else {})})
            if linked is None:
                call.counselor = to
            call.status = "transferred"
            s.add(call)
            return Handover(call, summary, linked)

    def queue(self, *, by: Principal) -> list[tuple[Call, dict[str, Any]]]:
        """The calls handed to ``by``'s agency with no counselor named, oldest first, each with the payload of
        the transfer that opened it (its summary): what the agency's counselors pick up."""
        if not by.agency:
            raise InvalidQuery("the queue is an agency's: this token belongs to no agency")
        with Session(self.engine) as s:
            calls = list(s.exec(select(Call).where(Call.agency == by.agency, Call.status == "queued")
                                .order_by(col(Call.created_at)).limit(200)))
            opening: dict[str, CallEvent] = {}  # each call's first transfer event, read in one query
            for row in s.exec(select(CallEvent).where(col(CallEvent.call_id).in_([c.call_id for c in calls]),
                                                      CallEvent.kind == "transfer").order_by(col(CallEvent.id))):
                opening.setdefault(row.call_id, row)
            out = []
            for call in calls:
                event = opening.get(call.call_id)
                out.append((call, {**(event.payload if event else {}), "note": event.text if event else ""}))
            return out

    def claim(self, call_id: str, *, by: Principal) -> Call:
        """A counselor of the call's agency takes a queued call: it is theirs from now on. Two counselors who
        claim it at once: one gets it, the other a 409 (one conditional update decides)."""
        with session_scope(self.engine) as s:
            call = s.get(Call, call_id)
            if call is None or call.status != "queued" or not by.agency or call.agency != by.agency:
                # not a call of this agency's queue: what any other call would answer (404 hidden, 403 a
                # reader's), or 409 to whoever may act on it: it is not waiting to be taken
                self._call(s, call_id, by, CallAccess.write)
                raise CallClosed(f"call {call_id} is not waiting in an agency's queue")
            taken = s.execute(update(Call).where(col(Call.call_id) == call_id, col(Call.status) == "queued")
                              .values(counselor=by.name, status="open"))
            if cast("CursorResult[Any]", taken).rowcount != 1:  # an UPDATE's result is a cursor's
                raise CallClosed(f"call {call_id} is not waiting in the queue: {call.counselor or 'someone'} has it")
            s.add(CallEvent(call_id=call_id, kind="claim", payload={"by": by.name}))
            record_audit(s, by, "call.claim", call_id)
            s.flush()
            s.refresh(call)
            return call

    def history(self, call_id: str, *, by: Principal,
                access: CallAccess = CallAccess.read) -> tuple[Call, list[CallEvent]]:
        with Session(self.engine) as s:
            call = self._call(s, call_id, by, access)
            events = list(s.exec(select(CallEvent).where(CallEvent.call_id == call_id).order_by(col(CallEvent.id))))
            return call, events

    def record(self, call_id: str, *, by: Principal) -> dict[str, str]:
        """The after-call record in the 120 format (문의 / 답변 / 안내 / 결과), drafted from the history."""
        _, events = self.history(call_id, by=by)
        return record_of(events)


def record_of(events: list[CallEvent]) -> dict[str, str]:
    """The 문의 / 답변 / 안내 / 결과 record of a call's events, and 이관: the other side of each transfer
    (pure; the knowledge-gap drafts read it too)."""
    asked = [e.text for e in events if e.kind == "utterance" and e.speaker == "citizen" and e.final]
    if not asked:  # a call received from another agency: the citizen asked on the sending side
        asked = [str(e.payload.get("summary", {}).get("question", "")) for e in events
                 if e.kind == "transfer" and e.payload.get("side") == RECEIVED][:1]
    suggestions = [e.payload for e in events if e.kind == "suggestion"]
    last = suggestions[-1] if suggestions else {}
    cited = [f"{c['title']} ({c['entry_id']} v{c['version']})" for c in last.get("citations", [])]
    transfers = [t for t in (handed_to(e.payload) for e in events if e.kind == "transfer") if t]
    result = f"이관: {', '.join(transfers)}" if transfers else ("안내 완료" if cited else "확인 필요")
    return {"문의": " / ".join(asked), "답변": str(last.get("answer", "")), "안내": "; ".join(cited), "결과": result,
            "이관": link_of(events)}
