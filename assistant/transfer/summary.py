"""The transfer summary of a call, read from its events (pure functions): what the next counselor reads first.

Four parts, each taken from what the call recorded, never guessed:

- ``question``: the citizen's question in one line: the final citizen line that brought the first suggestion
  (the line that made the call), else the first final citizen line;
- ``told``: the answers shown that cite manual entries, each with its entries (title, entry_id, version);
  an answer citing the same entries as a later one is replaced by the later one;
- ``open``: what is still open: a question whose answer abstained or cited nothing, a clarifying question
  the last answer asked, a citizen line no answer followed;
- ``situation``: the caller's situation as understood (``rank.situation``: what the citizen said about the
  person the call is about, over every citizen line, labelled like the widget's "파악된 상황").

Every text is masked again (``text.pii``) even though the events are stored masked: a summary may be
copied into another agency's call, and masking is idempotent.

>>> from assistant.calls.models import CallEvent
>>> events = [CallEvent(call_id="c", kind="utterance", speaker="citizen", text="기초연금 얼마예요", final=True),
...           CallEvent(call_id="c", kind="suggestion", text="월 최대 33만 원입니다 [1].", payload={
...               "answer": "월 최대 33만 원입니다 [1].", "citations": [
...                   {"n": 1, "entry_id": "WLF1", "version": 2, "title": "기초연금"}]})]
>>> s = summarize(events)
>>> s.question, [c.entry_id for t in s.told for c in t.citations], s.open
('기초연금 얼마예요', ['WLF1'], [])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.calls.models import CallEvent
from assistant.rank.situation import SituationLexicon
from assistant.text.pii import mask_pii
from assistant.text.sentences import split_sentences

QUESTION_CHARS = 160  # one line on the receiving counselor's side panel
ANSWER_SENTENCES = 2  # of each answer shown: what was read out first
_CITE = re.compile(r"\s*\[\d{1,2}\]")


def _mask(text: str) -> str:
    return mask_pii(text).text


def one_line(text: str, limit: int = QUESTION_CHARS) -> str:
    """``text`` on one line, cut at ``limit`` characters with '…'.

    >>> one_line("애기 낳으면\\n  돈 주나요", 9)
    '애기 낳으면 돈…'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def first_sentences(answer: str, n: int = ANSWER_SENTENCES) -> str:
    """The first ``n`` sentences of an answer, its citation marks kept (they name the entries below it)."""
    parts = split_sentences(answer)
    return " ".join(parts[:n]) if parts else answer.strip()


@dataclass(frozen=True, slots=True)
class Cited:
    entry_id: str
    version: int
    title: str

    def as_dict(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "version": self.version, "title": self.title}

    @property
    def label(self) -> str:
        return f"{self.title} ({self.entry_id} v{self.version})"


@dataclass(frozen=True, slots=True)
class Told:
    """One answer shown to the counselor during the call, and what it cited."""

    question: str
    answer: str
    citations: tuple[Cited, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer, "citations": [c.as_dict() for c in self.citations]}


@dataclass(frozen=True, slots=True)
class Open:
    """Something the call left open: ``kind`` is 'abstained', 'uncited', 'clarify' or 'unanswered'."""

    kind: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


OPEN_LABEL = {"abstained": "매뉴얼에서 확인되지 않음", "uncited": "근거 없는 답변", "clarify": "확인할 질문",
              "unanswered": "답변 전"}


@dataclass(slots=True)
class TransferSummary:
    """What the receiving counselor reads first. ``text`` is the summary as lines (extractive) or the
    grounded text a model wrote (``mode`` 'llm'); ``errors`` says why a model's text was not used."""

    question: str
    told: list[Told] = field(default_factory=list)
    open: list[Open] = field(default_factory=list)
    situation: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    mode: str = "extractive"
    errors: list[str] = field(default_factory=list)
    grounding: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "told": [t.as_dict() for t in self.told],
                "open": [o.as_dict() for o in self.open], "situation": self.situation,
                "text": self.text, "mode": self.mode, "errors": self.errors, "grounding": self.grounding}


def _citations(payload: dict[str, Any]) -> tuple[Cited, ...]:
    out = []
    for c in payload.get("citations") or []:
        try:
            out.append(Cited(str(c["entry_id"]), int(c["version"]), _mask(str(c.get("title", "")))))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed stored citation is not something the next counselor can read out
    return tuple(out)


def summarize(events: Sequence[CallEvent], lexicon: SituationLexicon | None = None) -> TransferSummary:
    """The extractive transfer summary of a call's events (in their order)."""
    citizen: list[str] = []
    told: dict[tuple[str, ...], Told] = {}
    open_: list[Open] = []
    question, first_asked = "", ""
    last_line, answered = "", True
    last_payload: dict[str, Any] = {}
    answered_questions: set[str] = set()  # every line a cited answer followed, whichever answer stands
    for e in events:
        if e.kind == "utterance" and e.speaker == "citizen" and e.final:
            line = one_line(_mask(e.text))
            citizen.append(line)
            first_asked = first_asked or line
            last_line, answered = line, False
        elif e.kind == "suggestion":
            payload = e.payload or {}
            last_payload = payload
            asked = last_line or first_asked
            question = question or asked
            answered = True
            cited = _citations(payload)
            if payload.get("abstained"):
                open_.append(Open("abstained", asked))
            elif not cited:
                open_.append(Open("uncited", asked))
            else:
                answered_questions.add(asked)
                key = tuple(sorted(c.entry_id for c in cited))
                told.pop(key, None)  # the later answer about the same entries is the one that stands
                told[key] = Told(asked, one_line(_mask(first_sentences(str(payload.get("answer", "")))), 400), cited)
    if citizen and not answered:
        open_.append(Open("unanswered", last_line))
    clarification = last_payload.get("clarification") if isinstance(last_payload.get("clarification"), dict) else None
    if clarification and clarification.get("question"):
        open_.append(Open("clarify", one_line(_mask(str(clarification["question"])))))
    # an abstained question asked again and answered later is no longer open
    open_ = [o for o in open_ if o.kind == "clarify" or o.text not in answered_questions]
    situation = (lexicon or SituationLexicon.default()).extract(" ".join(citizen))
    summary = TransferSummary(question or first_asked, list(told.values()), _dedupe(open_),
                              situation.as_dict() if situation else {})
    summary.text = summary_text(summary)
    return summary


def _dedupe(items: list[Open]) -> list[Open]:
    seen: set[tuple[str, str]] = set()
    out = []
    for o in items:
        if (o.kind, o.text) not in seen:
            seen.add((o.kind, o.text))
            out.append(o)
    return out


def summary_text(summary: TransferSummary) -> str:
    """The extractive summary as lines, the way it reads on the widget and in a copied record."""
    lines = [f"문의: {summary.question or '(시민 발화 없음)'}"]
    for t in summary.told:
        lines.append(f"안내함: {_CITE.sub('', t.answer)} — {'; '.join(c.label for c in t.citations)}")
    for o in summary.open:
        lines.append(f"미해결({OPEN_LABEL.get(o.kind, o.kind)}): {o.text}")
    label = str(summary.situation.get("label") or "")
    if label:
        lines.append(f"파악된 상황: {label}")
    return "\n".join(lines)
