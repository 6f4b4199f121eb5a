"""A model's transfer summary, grounded like answers: every sentence must cite a numbered source of the
call (a citizen line, an answer shown, a cited entry, the situation as understood) and every number,
amount, phone number, department name, tag, link or code in it must be in the sources it cites
(``advisor.grounding.check_grounding``); an unsupported sentence is dropped.

The sources are the masked call history only: nothing the call did not record reaches the model.

>>> from assistant.transfer.summary import TransferSummary
>>> s = TransferSummary("기초연금 얼마예요", situation={"label": "70대"})
>>> [src.label for src in history_sources(s, [], {})]
['시민 문의', '파악된 상황']
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.advisor.grounding import check_grounding
from assistant.advisor.prompts import Prompt
from assistant.calls.models import CallEvent
from assistant.text.pii import mask_pii
from assistant.transfer.summary import OPEN_LABEL, TransferSummary
from assistant.types import EntryRecord

PROMPT_FILE = Path(__file__).resolve().parent.parent / "prompts" / "transfer-v1.md"


@dataclass(frozen=True, slots=True)
class Source:
    """One numbered piece of the call the model may cite: what it is (``label``) and its text."""

    label: str
    text: str


def history_sources(summary: TransferSummary, events: Sequence[CallEvent],
                    entries: Mapping[str, EntryRecord]) -> list[Source]:
    """The numbered sources: the question, each citizen line, each answer shown, each cited entry as it reads
    in the manual (``entries``: the cited ones that could be read), what is open and the situation."""
    out = [Source("시민 문의", summary.question)] if summary.question else []
    for e in events:
        if e.kind == "utterance" and e.final and e.text.strip() and e.text.strip() != summary.question:
            out.append(Source("시민 발화" if e.speaker == "citizen" else "상담사 발화", e.text))
    for t in summary.told:
        out.append(Source("안내한 답변", f"{t.question}\n{t.answer}"))
    seen: set[str] = set()
    for t in summary.told:
        for c in t.citations:
            entry = entries.get(c.entry_id)
            if entry is None or c.entry_id in seen:
                continue
            seen.add(c.entry_id)
            out.append(Source(f"매뉴얼 {c.label}", f"{entry.title}\n{entry.content}\n{entry.department}\n{entry.contact}"))
    for o in summary.open:
        out.append(Source(f"미해결 ({OPEN_LABEL.get(o.kind, o.kind)})", o.text))
    label = str(summary.situation.get("label") or "")
    if label:
        out.append(Source("파악된 상황", label))
    return [Source(s.label, mask_pii(s.text).text) for s in out]


def load_prompt(path: Path = PROMPT_FILE) -> Prompt:
    return Prompt.load(path)


def render(prompt: Prompt, sources: Sequence[Source]) -> list[dict[str, str]]:
    """The chat messages: the sources escaped inside their tags, so a line a citizen said is data to the
    model, never an instruction."""
    blocks = "\n".join(f'<source n="{i}" kind="{html.escape(s.label)}">\n{html.escape(s.text)}\n</source>'
                       for i, s in enumerate(sources, start=1))
    return [{"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user.replace("{sources}", blocks)}]


def ground(text: str, sources: Sequence[Source]) -> tuple[str, dict[str, object]]:
    """The sentences of ``text`` the call's sources support, and the grounding report."""
    report, kept = check_grounding(text, [f"{s.label}\n{s.text}" for s in sources])
    return kept, report.as_dict()
