"""Where labelled examples come from: query files (the eval format) and the service's own records.

From the records: an entry a counselor copied or marked 👍 is a positive for the question that showed
it; 👎 with reason ``wrong_entry`` makes that entry a negative (it is never a positive then); a call
closed without a transfer makes its last answer's first cited entry (the after-call record's 안내) a
positive. Questions are stored masked, as they are searched.

>>> examples_from_queries(load_queries(Path("evals/dev/queries.jsonl")), "dev")[0].source   # doctest: +SKIP
'dev'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.calls.models import Call, CallEvent
from assistant.feedback.models import Feedback, FeedbackKind, FeedbackReason, Suggestion
from assistant.rank.training import Example


def examples_from_queries(queries: Sequence[Any], source: str) -> list[Example]:
    """Questions with gold (out-of-KB rows teach a re-ranker nothing and are skipped)."""
    return [Example(q.qid, q.question, q.region, tuple(q.gold), source=source,
                    group={"type": q.type, "lang": q.lang}) for q in queries if q.gold]


def examples_from_records(engine: Engine) -> list[Example]:
    positives: dict[int, set[str]] = defaultdict(set)
    negatives: dict[int, set[str]] = defaultdict(set)
    with Session(engine) as s:
        for fb in s.exec(select(Feedback)):
            if not fb.entry_id:
                continue
            if fb.kind in (FeedbackKind.copied, FeedbackKind.thumbs_up):
                positives[fb.suggestion_id].add(fb.entry_id)
            elif fb.kind == FeedbackKind.thumbs_down and fb.reason == FeedbackReason.wrong_entry:
                negatives[fb.suggestion_id].add(fb.entry_id)
        closed = {c.call_id for c in s.exec(select(Call).where(Call.status == "closed"))}
        transferred = {e.call_id for e in s.exec(select(CallEvent).where(CallEvent.kind == "transfer"))}
        last: dict[str, CallEvent] = {}
        for e in s.exec(select(CallEvent).where(CallEvent.kind == "suggestion").order_by(col(CallEvent.id))):
            last[e.call_id] = e
        for call_id in closed - transferred:
            event = last.get(call_id)
            cited = (event.payload.get("citations") or []) if event else []
            sid = event.payload.get("suggestion_id") if event else None
            if cited and isinstance(sid, int):
                positives[sid].add(str(cited[0]["entry_id"]))
        ids = set(positives) | set(negatives)
        suggestions = {x.id: x for x in s.exec(select(Suggestion).where(col(Suggestion.id).in_(ids)))} if ids else {}
    out = []
    for sid in sorted(ids):
        sug = suggestions.get(sid)
        pos = tuple(sorted(positives[sid] - negatives[sid]))
        if sug is None or not sug.question or not pos:
            continue
        out.append(Example(f"suggestion-{sid}", sug.question, sug.region or None, pos,
                           tuple(sorted(negatives[sid])), source="records", group={"type": "records", "lang": ""}))
    return out
