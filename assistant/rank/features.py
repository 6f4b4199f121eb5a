"""Features of (question, candidate entry) pairs for the second ranking stage: pure and vectorised.

Every feature is one that carries over to entries the model never saw: how each retriever and each
field (title, body) scored the entry, how the question's scope cue and the caller's situation fit
the entry's scope and eligibility, and what the entry itself is like (length, how hub-like).
Nothing names an entry or a phrase.

>>> FEATURES[:3]
('fused_rel', 'fused_rank', 'lex_rank')
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.latent.terms import NAMES as LATENT_NAMES
from assistant.rank.cues import scope_cue
from assistant.rank.eligibility import fit
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

#: the latent-term features (``assistant.latent``), after ``FEATURES`` in a model that reads them: the
#: question's sparse-head terms against each candidate's (a second forward pass per question)
LATENT: tuple[str, ...] = LATENT_NAMES
#: every column a feature row can have, in order: a model reads ``FEATURES`` or all of them
ALL_FEATURES: tuple[str, ...] = FEATURES + LATENT

#: groups for the README's ablation table (each removed in turn, the model retrained)
GROUPS: dict[str, tuple[str, ...]] = {
    "first stage": FEATURES[:8],
    "fields (title/body BM25 and cosine)": FEATURES[8:13],
    "title named in the question": FEATURES[13:16],
    "scope cue vs entry scope": FEATURES[16:21],
    "eligibility (caller's situation)": FEATURES[21:28],
    "entry and question shape": FEATURES[28:],
    "latent terms (sparse head)": LATENT,
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
    if n == 0:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    ords = np.array([table.ordinal[e] for e in c.entry_ids], dtype=np.int64)
    miss = 1000.0
    fused = np.asarray(c.fused, dtype=np.float32)
    lex = np.array([c.lex_score.get(e, 0.0) for e in c.entry_ids], dtype=np.float32)
    dense = np.array([c.dense_score.get(e, 0.0) for e in c.entry_ids], dtype=np.float32)
    has_dense = np.array([e in c.dense_score for e in c.entry_ids])
    best_dense = float(dense[has_dense].max()) if has_dense.any() else 0.0

    # per-field evidence, vectorised: every candidate's title row and body rows in one gather
    title_rows = table.title_row[ords]
    body = [table.body_rows[o] for o in ords.tolist()]
    sizes = np.array([len(b) for b in body], dtype=np.int64)
    rows = np.concatenate(body) if sizes.sum() else np.zeros(0, np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

    def per_field(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = np.where(title_rows >= 0, values[np.maximum(title_rows, 0)], 0.0).astype(np.float32)
        b = np.zeros(n, np.float32)
        if len(rows):
            has = sizes > 0
            b[has] = np.maximum.reduceat(values[rows], starts[has])
        return t, b

    t_bm = b_bm = t_cos = b_cos = np.zeros(n, np.float32)
    if c.lex_rows is not None:
        t_bm, b_bm = per_field(c.lex_rows)
    if c.query_vector is not None:
        need = np.concatenate([np.maximum(title_rows, 0), rows])
        cos = np.zeros(len(table.vectors), np.float32)
        cos[need] = table.vectors[need] @ c.query_vector.reshape(-1)
        t_cos, b_cos = per_field(cos)
    bm_top = max(float(t_bm.max()), float(b_bm.max())) or 1.0

    qtok = set(c.query_tokens)
    qcompact = _compact(c.question)
    cue = scope_cue(c.question)
    scope = table.scope[ords]
    X = np.zeros((n, len(FEATURES)), dtype=np.float32)
    X[:, 0] = fused / (float(fused.max()) or 1.0)
    X[:, 1] = np.arange(1, n + 1)
    X[:, 2] = [c.lex_rank.get(e, miss) for e in c.entry_ids]
    X[:, 3] = lex / (float(lex.max()) or 1.0)
    X[:, 4] = [c.dense_rank.get(e, miss) for e in c.entry_ids]
    X[:, 5] = dense
    X[:, 6] = np.where(has_dense, best_dense - dense, 1.0)
    X[:, 7] = [float(e in c.vote_rank) for e in c.entry_ids]
    X[:, 8], X[:, 9] = t_bm / bm_top, b_bm / bm_top
    X[:, 10], X[:, 11], X[:, 12] = t_cos, b_cos, float(t_cos.max()) - t_cos
    # per candidate in plain Python (a question has a dozen tokens; an entry's body set has hundreds:
    # ``&`` walks the smaller set, so the question's tokens are looked up in the entry's)
    n_q = max(len(qtok), 1)
    title_cover, named_title, query_cover, named_region = [], [], [], []
    for i, o in enumerate(ords.tolist()):
        ttok, btok = table.title_tokens[o], table.tokens[o]
        title_cover.append(len(ttok & qtok) / max(len(ttok), 1))
        named_title.append(float(len(titles[i]) >= 3 and _compact(titles[i]) in qcompact))
        query_cover.append(len((qtok & ttok) | (qtok & btok)) / n_q)
        named_region.append(_named_match(c.named_region, table.regions[o], float(scope[i])))
    X[:, 13], X[:, 14], X[:, 15], X[:, 20] = title_cover, named_title, query_cover, named_region
    X[:, 16] = scope
    X[:, 17] = float(bool(c.region.sido))
    X[:, 18] = cue
    X[:, 19] = float(cue == 0) * 0.5 + (scope == cue)
    X[:, 21:28] = _eligibility(caller, table, ords)
    X[:, 28], X[:, 29] = table.log_len[ords], table.n_chunks[ords]
    X[:, 30], X[:, 31] = table.title_len[ords], table.centrality[ords]
    X[:, 32], X[:, 33], X[:, 34] = c.hangul, math.log1p(len(c.query_tokens)), float(c.glossed)
    return X


def _eligibility(caller: Situation, table: EntryTable, ords: np.ndarray) -> np.ndarray:
    """stage fit, entry stages, met, unstated, conflicts, extra, caller attributes; per candidate."""
    out = np.zeros((len(ords), 7), dtype=np.float32)
    out[:, 1] = table.n_stages[ords]
    if not caller:  # nothing said: every requirement is unstated, nothing else to count
        out[:, 3] = table.n_requirements[ords]
        return out
    n_caller = sum(len(v) for v in caller.attrs.values())
    for i, o in enumerate(ords.tolist()):
        f = fit(caller, table.eligibility[o])
        out[i, 0], out[i, 2], out[i, 3], out[i, 4], out[i, 5] = f.stage, f.met, len(f.unstated), f.conflicts, f.extra
    out[:, 6] = n_caller
    return out


def _named_match(named: Region | None, region: tuple[str, str], scope: float) -> float:
    """1 a local entry of the region the caller named in passing, -1 a local entry elsewhere, 0 otherwise."""
    if named is None or scope == 1.0:
        return 0.0
    sido, sigungu = region
    return 1.0 if sido == named.sido and (not sigungu or sigungu == named.sigungu) else -1.0


def pool_features(c: Candidates, table: EntryTable, caller: Situation, entries: dict[str, Any], pool: int
                  ) -> tuple[list[str], np.ndarray]:
    """The first ``pool`` candidates and their feature rows: what the ranker scores in service and learns
    from in training (one function, so both see the same rows). ``c`` is not changed."""
    head = dataclasses.replace(c, entry_ids=c.entry_ids[:pool], fused=c.fused[:pool])
    return head.entry_ids, feature_matrix(head, table, caller, [entries[e].title for e in head.entry_ids])
