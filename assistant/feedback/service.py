"""Record suggestions and feedback; group what the manuals failed to answer for editors.

The knowledge-gap report has three kinds of group, largest first:
- ``abstained``: questions the advisor declined (nothing in the manuals was close enough);
- ``low_confidence``: answered, but the advisor marked the answer 'low' when it gave it (just above
  the abstention line, or two look-alike entries nearly tied): the stored ``confidence_level``;
- ``thumbs_down``: answers counselors marked wrong, grouped by the entry that answered, with reasons.
Questions are grouped by shared content words (the BM25 tokenizer's), so "여권 재발급" asked ten
ways is one group with a count, not ten rows.

>>> fb = FeedbackService(engine, tokenize=tokenizer.tokenize)               # doctest: +SKIP
>>> sid = fb.record_suggestion(answer, question="...", region="", actor="kim")   # doctest: +SKIP
>>> fb.add(sid, FeedbackKind.thumbs_down, actor="kim", reason=FeedbackReason.outdated)  # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import true
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.errors import NotFound
from assistant.feedback.models import Feedback, FeedbackKind, FeedbackReason, Suggestion
from assistant.kb.db import session_scope
from assistant.text.pii import mask_pii
from assistant.types import Answer


class SuggestionNotFound(NotFound):
    def __init__(self, suggestion_id: int) -> None:
        super().__init__(f"suggestion not found: {suggestion_id}")


@dataclass
class GapGroup:
    kind: str
    label: str
    count: int = 0
    questions: list[str] = field(default_factory=list)
    entries: list[dict[str, str]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    last_seen: datetime | None = None
    suggestion_ids: list[int] = field(default_factory=list)  # what an editor's new-entry draft is made from

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "count": self.count, "questions": self.questions,
                "entries": self.entries, "reasons": self.reasons,
                "last_seen": self.last_seen.isoformat() if self.last_seen else None,
                "suggestion_ids": self.suggestion_ids}


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def cluster_questions(items: Sequence[tuple[str, set[str]]], threshold: float = 0.34) -> list[list[int]]:
    """Greedy single-pass grouping by Jaccard overlap of content words (pure; order decides ties)."""
    groups: list[tuple[set[str], list[int]]] = []
    for i, (_, words) in enumerate(items):
        best, best_sim = None, threshold
        for g in groups:
            union = words | g[0]
            sim = len(words & g[0]) / len(union) if union else 1.0
            if sim >= best_sim:
                best, best_sim = g, sim
        if best is None:
            groups.append((set(words), [i]))
        else:
            best[1].append(i)
    return [members for _, members in groups]


class FeedbackService:
    """Suggestions shown and feedback on them; the knowledge-gap report."""

    def __init__(self, engine: Engine, *, tokenize: Callable[[str], list[str]] = str.split) -> None:
        self.engine, self.tokenize = engine, tokenize

    def record_suggestion(self, answer: Answer, *, question: str, region: str, actor: str,
                          call_id: str | None = None, kb_version: int = 0, latency_ms: float = 0.0,
                          agency: str = "") -> int:
        """Store what was shown; ``agency`` is the asking token's: only that agency's tokens (and admins and
        tokens of no agency) find it again, to send feedback on it or read it in the gap report."""
        hits = answer.hits[:5]
        with session_scope(self.engine) as s:
            row = Suggestion(
                actor=actor, call_id=call_id, question=mask_pii(question).text[:4000], region=region,
                mode=answer.mode, abstained=answer.abstained, confidence_level=answer.confidence_level,
                answer=answer.text,
                citations=[c.as_dict() for c in answer.citations],
                hits=[{"entry_id": h.entry_id, "title": h.title, "version": h.version, "score": h.score,
                       "dense": h.scores.dense_score, "lexical": h.scores.lexical_score} for h in hits],
                top_dense=max((h.scores.dense_score or 0.0 for h in hits), default=None),
                top_lexical=max((h.scores.lexical_score or 0.0 for h in hits), default=None),
                kb_version=kb_version, latency_ms=round(latency_ms, 2), agency=agency)
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id

    def add(self, suggestion_id: int, kind: FeedbackKind, *, actor: str, entry_id: str | None = None,
            reason: FeedbackReason | None = None, comment: str = "", agencies: list[str] | None = None) -> Feedback:
        """Feedback on a suggestion; one of an agency not in ``agencies`` (``None`` = any) is not found."""
        with session_scope(self.engine) as s:
            suggestion = s.get(Suggestion, suggestion_id)
            if suggestion is None or (agencies is not None and suggestion.agency not in agencies):
                raise SuggestionNotFound(suggestion_id)
            row = Feedback(suggestion_id=suggestion_id, kind=str(kind), entry_id=entry_id,
                           reason=str(reason) if reason else None, comment=mask_pii(comment).text, actor=actor)
            s.add(row)
            s.flush()
            return row

    def get(self, suggestion_id: int) -> tuple[Suggestion, list[Feedback]]:
        with Session(self.engine) as s:
            row = s.get(Suggestion, suggestion_id)
            if row is None:
                raise SuggestionNotFound(suggestion_id)
            fb = list(s.exec(select(Feedback).where(Feedback.suggestion_id == suggestion_id)
                             .order_by(col(Feedback.id))))
            return row, fb

    def gaps(self, *, days: int = 30, limit: int = 50, max_rows: int = 5000,
             agencies: list[str] | None = None) -> tuple[datetime, list[GapGroup]]:
        """The knowledge-gap report since ``days`` ago (see the module docstring), of the suggestions made to
        tokens of ``agencies`` (``None`` = all)."""
        since = datetime.now(UTC) - timedelta(days=days)
        mine = col(Suggestion.agency).in_(agencies) if agencies is not None else true()
        with Session(self.engine) as s:
            rows = list(s.exec(select(Suggestion).where(col(Suggestion.created_at) >= since, mine)
                               .order_by(col(Suggestion.id).desc()).limit(max_rows)))
            downs = list(s.exec(select(Feedback, Suggestion).join(Suggestion, col(Feedback.suggestion_id) == col(Suggestion.id))
                                .where(Feedback.kind == FeedbackKind.thumbs_down, col(Feedback.created_at) >= since, mine)
                                .order_by(col(Feedback.id).desc()).limit(max_rows)))
        groups: list[GapGroup] = []
        abstained = [r for r in rows if r.abstained]
        # what the advisor itself said of each answer when it gave it: the report has no rule of its own
        low = [r for r in rows if not r.abstained and r.confidence_level == "low"]
        for kind, subset in (("abstained", abstained), ("low_confidence", low)):
            items = [(r.question, set(self.tokenize(r.question))) for r in subset]
            for members in cluster_questions(items):
                rs = [subset[i] for i in members]
                words = Counter(w for i in members for w in items[i][1])
                label = " ".join(w for w, _ in words.most_common(3)) or rs[0].question[:30]
                closest = Counter((h["entry_id"], h["title"]) for r in rs for h in r.hits[:1])
                groups.append(GapGroup(
                    kind=kind, label=label, count=len(rs), questions=list(dict.fromkeys(r.question for r in rs))[:5],
                    entries=[{"entry_id": e, "title": t} for (e, t), _ in closest.most_common(3)],
                    last_seen=max(_aware(r.created_at) for r in rs),
                    suggestion_ids=[r.id for r in rs if r.id is not None][:200]))
        by_entry: dict[str, GapGroup] = {}
        for fb, sug in downs:
            entry_id = fb.entry_id or (sug.citations[0]["entry_id"] if sug.citations else
                                       sug.hits[0]["entry_id"] if sug.hits else "")
            title = next((h["title"] for h in sug.hits if h["entry_id"] == entry_id), entry_id)
            g = by_entry.setdefault(entry_id, GapGroup(kind="thumbs_down", label=title,
                                                       entries=[{"entry_id": entry_id, "title": title}]))
            g.count += 1
            if sug.id is not None and len(g.suggestion_ids) < 200:
                g.suggestion_ids.append(sug.id)
            if sug.question not in g.questions and len(g.questions) < 5:
                g.questions.append(sug.question)
            reason = fb.reason or "other"
            g.reasons[reason] = g.reasons.get(reason, 0) + 1
            seen = _aware(fb.created_at)
            g.last_seen = max(g.last_seen, seen) if g.last_seen else seen
        groups.extend(by_entry.values())
        groups.sort(key=lambda g: (-g.count, g.kind, g.label))
        return since, groups[:limit]
