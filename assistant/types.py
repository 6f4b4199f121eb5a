"""Plain values passed between stages. No behaviour beyond small derived properties.

>>> e = EntryRecord(entry_id="mohw:x/y", title="제목", content="본문", scope=Scope.national)
>>> e.region_label
'전국'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: a search result names the snapshot it was computed on
    import numpy as np

    from assistant.index.snapshot import Snapshot
    from assistant.rank.clarify import Clarification
    from assistant.rank.situation import Situation


class Scope(StrEnum):
    national = "national"
    sido = "sido"
    sigungu = "sigungu"
    agency = "agency"


class Status(StrEnum):
    active = "active"
    retired = "retired"


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """One version of one manual entry, as importers produce it and indexes consume it."""

    entry_id: str
    title: str
    content: str
    scope: Scope
    sido: str = ""
    sigungu: str = ""
    department: str = ""
    contact: str = ""
    source_url: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    status: Status = Status.active
    source: str = ""
    version: int = 0
    updated: str = ""
    # "" = the common layer every agency shares; else the code of the one agency the entry belongs to
    agency: str = ""

    @property
    def region_label(self) -> str:
        return " ".join(p for p in (self.sido, self.sigungu) if p) or "전국"


@dataclass(frozen=True, slots=True)
class Chunk:
    """A searchable piece of an entry. ``chunk_id`` is ``<entry_id>#<ordinal>``, stable across rebuilds."""

    chunk_id: str
    entry_id: str
    ordinal: int
    section: str
    text: str


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    lexical_rank: int | None
    lexical_score: float | None
    dense_rank: int | None
    dense_score: float | None
    vote_rank: int | None
    fused: float
    first_rank: int | None = None  # the entry's place in the first stage's order (before the ranker)

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "first_rank": self.first_rank,
            "lexical_rank": self.lexical_rank,
            "lexical_score": self.lexical_score,
            "dense_rank": self.dense_rank,
            "dense_score": self.dense_score,
            "vote_rank": self.vote_rank,
            "fused": self.fused,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    """One entry in a result list: relevance is reported per entry, never per chunk."""

    entry_id: str
    title: str
    scope: Scope
    sido: str
    sigungu: str
    version: int
    score: float
    scores: ScoreBreakdown
    chunk_id: str = ""
    snippet: str = ""
    # the code of the agency the entry belongs to when that is not the caller's own: shown marked, with
    # a transfer hint, never as one of the caller's own entries ("" = common, or the caller's agency's)
    other_agency: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "entry_id": self.entry_id,
            "title": self.title,
            "scope": str(self.scope),
            "sido": self.sido,
            "sigungu": self.sigungu,
            "version": self.version,
            "score": self.score,
            "scores": self.scores.as_dict(),
            "other_agency": self.other_agency,
        }


@dataclass(frozen=True, slots=True)
class Region:
    """A caller's region. Empty sido means 'unknown: search everything'."""

    sido: str = ""
    sigungu: str = ""

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.sido, self.sigungu) if p)

    def covers(self, entry: EntryRecord) -> bool:
        """Is ``entry`` valid for a caller here: national or agency-wide, this city's, or this district's."""
        return (not entry.sido) or (entry.sido == self.sido and (not entry.sigungu or entry.sigungu == self.sigungu))


@dataclass(slots=True)
class SearchResult:
    hits: list[Hit]
    notices: list[str] = field(default_factory=list)
    region: Region = field(default_factory=Region)
    # the dense retriever's best cosine over every entry the caller's region allows, whether or not
    # that entry made the fused top k: evidence that the knowledge base covers the question
    best_dense: float | None = None
    # the index snapshot the hits come from: whoever reads entries for these hits (the advisor, an
    # eval run) reads them here, not from the live index, which may have moved on since the search
    snapshot: Snapshot | None = field(default=None, repr=False, compare=False)
    # the caller's situation as read from the question (and any clarifying answers)
    situation: Situation | None = None
    # the one question that separates the first entries, when they are close look-alikes
    clarification: Clarification | None = None
    # (best cosine, best BM25) among the first stage's top 5, before any second stage re-ordered them:
    # the abstention policy's evidence, calibrated on the first stage
    evidence: tuple[float, float] | None = None
    # another agency's entries that answer clearly better than any the caller's agency may use (each
    # hit's ``other_agency`` names it): shown apart from ``hits``, with a transfer hint
    other_agency: list[Hit] = field(default_factory=list)
    # the question's embedding as the search computed it: the abstention policy's topic check reads it
    # rather than embedding the question a second time
    query_vector: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Citation:
    """[n] in an answer points at entry ``entry_id`` as it was at ``version``."""

    n: int
    entry_id: str
    version: int
    title: str

    def as_dict(self) -> dict[str, object]:
        return {"n": self.n, "entry_id": self.entry_id, "version": self.version, "title": self.title}


@dataclass(frozen=True, slots=True)
class GroundingReport:
    sentences: int
    supported: int
    removed: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def unsupported(self) -> int:
        return len(self.removed)

    def as_dict(self) -> dict[str, object]:
        return {"sentences": self.sentences, "supported": self.supported, "unsupported": self.unsupported,
                "removed": list(self.removed), "reasons": list(self.reasons)}


@dataclass(slots=True)
class Answer:
    """What the advisor shows: grounded text, its citations, the mode that produced it."""

    text: str
    mode: str
    citations: list[Citation]
    hits: list[Hit]
    grounding: GroundingReport
    abstained: bool = False
    key_facts: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    confidence: float | None = None  # the abstention policy's score for the retrieved entries
    confidence_level: str = ""  # 'high', 'low' (answered, check the entries) or 'none' (abstained)
    # when abstained: 'evidence' (the retrievers found too little) or 'topic' (weak evidence, and the
    # question's topic is outside the manuals' domain)
    declined_by: str = ""
    situation: Situation | None = None  # the caller's situation as understood
    # the question to ask the caller before reading one entry out; each option quotes whom its entry is for
    clarification: dict[str, object] | None = None
    # the center's notices (공지) in force that the question matches: shown above the answer, each cited
    # with its author and time (``cite``)
    active_notices: list[dict[str, object]] = field(default_factory=list)
    # another agency's entries that answer better (``SearchResult.other_agency``): shown apart, marked
    other_agency: list[Hit] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "answer": self.text, "mode": self.mode, "abstained": self.abstained,
            "confidence": self.confidence, "confidence_level": self.confidence_level,
            "declined_by": self.declined_by,
            "citations": [c.as_dict() for c in self.citations],
            "hits": [h.as_dict() for h in self.hits],
            "grounding": self.grounding.as_dict(), "key_facts": self.key_facts,
            "notices": self.notices, "errors": self.errors,
            "caller_profile": self.situation.as_dict() if self.situation is not None else None,
            "clarification": self.clarification,
            "active_notices": self.active_notices,
            "other_agency_hits": [h.as_dict() for h in self.other_agency],
        }
