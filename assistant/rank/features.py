"""Features of (question, candidate entry) pairs for the second ranking stage: pure and vectorised.

Every feature is one that carries over to entries the model never saw: how each retriever and each
field (title, body) scored the entry, how the question's scope cue and the caller's situation fit
the entry's scope and eligibility, and what the entry itself is like (length, how hub-like).
Nothing names an entry or a phrase.

>>> FEATURES[:3]
('fused_rel', 'fused_rank', 'lex_rank')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from assistant.rank.cues import scope_cue
from assistant.rank.eligibility import REQUIREMENTS, fit
from assistant.rank.entries import EntryTable
from assistant.rank.situation import Situation
from assistant.types import Region

FEATURES: tuple[str, ...] = (
    # first stage
    "fused_rel", "fused_rank", "lex_rank", "lex_rel", "dense_rank", "dense_score", "dense_gap", "vote",
    # fields
    "title_bm25_rel", "body_bm25_rel", "title_cos", "body_cos", "title_cos_gap",
    # words
    "title_cover", "title_in_question", "query_cover",
    # scope
    "entry_scope", "region_known", "cue", "cue_match", "named_region_match",
    # eligibility
    "stage_fit", "entry_stages", "elig_met", "elig_unstated", "elig_conflict", "caller_extra", "caller_attrs",
    # entry and question
    "log_len", "n_chunks", "title_len", "centrality", "hangul", "q_tokens", "glossed",
)

#: groups for the README's ablation table (each removed in turn, the model retrained)
GROUPS: dict[str, tuple[str, ...]] = {
    "first stage": FEATURES[:8],
    "fields (title/body BM25 and cosine)": FEATURES[8:13],
    "title named in the question": FEATURES[13:16],
    "scope cue vs entry scope": FEATURES[16:21],
    "eligibility (caller's situation)": FEATURES[21:28],
    "entry and question shape": FEATURES[28:],
}


@dataclass
class Candidates:
    """The first stage's view of one question: its candidates in fused order and each retriever's
    evidence. ``lex_rows``: BM25 per chunk row (None when BM25 did not run); ``query_vector``: the
    question's embedding (None when the dense retriever did not run)."""

    question: str
    region: Region
    entry_ids: list[str]
    fused: list[float]
    query_tokens: list[str]
    lex_rank: dict[str, int] = field(default_factory=dict)    # 1-based
    lex_score: dict[str, float] = field(default_factory=dict)
    dense_rank: dict[str, int] = field(default_factory=dict)
    dense_score: dict[str, float] = field(default_factory=dict)
    vote_rank: dict[str, int] = field(default_factory=dict)  # the scope vote's list, 1-based
    lex_rows: np.ndarray | None = None
    query_vector: np.ndarray | None = None
    named_region: Region | None = None
    glossed: bool = False
    hangul: float = 1.0


def _compact(text: str) -> str:
    return "".join(text.split())


def feature_matrix(c: Candidates, table: EntryTable, caller: Situation, titles: list[str]) -> np.ndarray:
    """One float32 row per candidate, columns in ``FEATURES`` order. ``titles``: the candidates' titles."""
    n = len(c.entry_ids)
    X = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return X
    ords = np.array([table.ordinal[e] for e in c.entry_ids], dtype=np.int64)
    miss = 1000.0
    fused = np.asarray(c.fused, dtype=np.float32)
    top = float(fused.max()) or 1.0
    lex = np.array([c.lex_score.get(e, 0.0) for e in c.entry_ids], dtype=np.float32)
    dense = np.array([c.dense_score.get(e, 0.0) for e in c.entry_ids], dtype=np.float32)
    has_dense = np.array([e in c.dense_score for e in c.entry_ids])
    best_dense = float(dense[has_dense].max()) if has_dense.any() else 0.0

    # per-field evidence: the title chunk and the best body chunk of each candidate
    t_bm, b_bm = np.zeros(n, np.float32), np.zeros(n, np.float32)
    t_cos, b_cos = np.zeros(n, np.float32), np.zeros(n, np.float32)
    for i, o in enumerate(ords.tolist()):
        tr, br = int(table.title_row[o]), table.body_rows[o]
        if c.lex_rows is not None:
            t_bm[i] = c.lex_rows[tr] if tr >= 0 else 0.0
            b_bm[i] = float(c.lex_rows[br].max()) if len(br) else 0.0
        if c.query_vector is not None:
            qv = c.query_vector.reshape(-1)
            t_cos[i] = float(table.vectors[tr] @ qv) if tr >= 0 else 0.0
            b_cos[i] = float((table.vectors[br] @ qv).max()) if len(br) else 0.0
    bm_top = max(float(t_bm.max()), float(b_bm.max())) or 1.0

    qtok = set(c.query_tokens)
    qcompact = _compact(c.question)
    cue = scope_cue(c.question)
    n_caller = sum(len(v) for v in caller.attrs.values())
    for i, (eid, o) in enumerate(zip(c.entry_ids, ords.tolist(), strict=True)):
        ttok = table.title_tokens[o]
        f = fit(caller, table.eligibility[o])
        scope = float(table.scope[o])
        X[i] = (
            fused[i] / top, i + 1, c.lex_rank.get(eid, miss), lex[i] / (float(lex.max()) or 1.0),
            c.dense_rank.get(eid, miss), dense[i], best_dense - dense[i] if has_dense[i] else 1.0,
            float(eid in c.vote_rank),
            t_bm[i] / bm_top, b_bm[i] / bm_top, t_cos[i], b_cos[i], float(t_cos.max()) - t_cos[i],
            len(ttok & qtok) / max(len(ttok), 1), float(len(titles[i]) >= 3 and _compact(titles[i]) in qcompact),
            len(qtok & (ttok | table.tokens[o])) / max(len(qtok), 1),
            scope, float(bool(c.region.sido)), cue, float(cue == 0) * 0.5 + float(cue == scope),
            _named_match(c.named_region, table.regions[o], scope),
            f.stage, len(table.eligibility[o].values("stage")), f.met, len(f.unstated), f.conflicts, f.extra,
            n_caller,
            table.log_len[o], table.n_chunks[o], table.title_len[o], table.centrality[o],
            c.hangul, math.log1p(len(c.query_tokens)), float(c.glossed),
        )
    return X


def _named_match(named: Region | None, region: tuple[str, str], scope: float) -> float:
    """1 a local entry of the region the caller named in passing, -1 a local entry elsewhere, 0 otherwise."""
    if named is None or scope == 1.0:
        return 0.0
    sido, sigungu = region
    return 1.0 if sido == named.sido and (not sigungu or sigungu == named.sigungu) else -1.0


__all__ = ["FEATURES", "GROUPS", "REQUIREMENTS", "Candidates", "feature_matrix"]
