"""Hybrid retrieval: BM25 and dense candidates per entry, fused by weighted reciprocal rank.

>>> retriever = HybridRetriever(holder, embedder, regions)            # doctest: +SKIP
>>> result = retriever.search("출산장려금 얼마예요", region="서울특별시 강남구")   # doctest: +SKIP
>>> result.hits[0].entry_id                                            # doctest: +SKIP
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.errors import InvalidQuery
from assistant.index.cache import QueryVectorCache
from assistant.index.embedders import Embedder
from assistant.index.snapshot import IndexHolder, Snapshot
from assistant.rank.clarify import Clarification
from assistant.rank.features import Candidates
from assistant.rank.situation import Situation, SituationLexicon
from assistant.retrieval.agency_leads import other_agency_leads
from assistant.retrieval.fusion import reciprocal_rank_fusion
from assistant.retrieval.regions import RegionResolver
from assistant.text.crosslingual import Glossary
from assistant.text.scripts import IDEOGRAPHS, hangul_share
from assistant.text.thesaurus import Thesaurus
from assistant.text.tokenizer import KoreanTokenizer
from assistant.types import Hit, Region, ScoreBreakdown, SearchResult


class SecondStage(Protocol):
    """Re-orders the first ``pool`` candidates: (candidate positions in the new order, their scores);
    positions past ``pool`` keep their first-stage order behind them."""

    def rerank(self, snap: Snapshot, cands: Candidates, caller: Situation, pool: int
               ) -> tuple[list[int], list[float]]: ...

    def clarify(self, snap: Snapshot, caller: Situation, hits: Sequence[Hit]) -> Clarification | None: ...


class Retriever(Protocol):
    def search(self, question: str, region: str | Region | None = None, top_k: int | None = None
               ) -> SearchResult: ...


@dataclass(frozen=True)
class Ranked:
    """Per-entry best chunk of one retriever: entry ids in rank order with their scores and rows."""

    entry_ids: list[str]
    scores: list[float]
    rows: list[int]


def best_per_entry(rows: np.ndarray, scores: np.ndarray, row_entry: np.ndarray, entry_ids: Sequence[str],
                   limit: int) -> Ranked:
    """Collapse chunk results (already sorted by score, descending) to one per entry: each entry's first row."""
    if len(rows) == 0:
        return Ranked([], [], [])
    entries = row_entry[rows]
    _, first = np.unique(entries, return_index=True)
    keep = np.sort(first)[:limit]
    return Ranked([entry_ids[e] for e in entries[keep].tolist()], scores[keep].astype(float).tolist(),
                  rows[keep].astype(int).tolist())


def lexical_candidates(snap: Snapshot, query_tokens: Sequence[str], mask: np.ndarray | None, k: int,
                       raw: np.ndarray | None = None) -> tuple[Ranked, np.ndarray]:
    """The top ``k`` entries by their best chunk's BM25, and the BM25 of every chunk row (masked rows 0).
    ``raw``: the unmasked BM25 of every row, when already computed for this query."""
    scores = snap.lexical.scores(query_tokens) if raw is None else raw
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    positive = np.flatnonzero(scores > 0)
    if len(positive) == 0:
        return Ranked([], [], []), scores
    take = min(len(positive), k * 4)
    top = positive[np.argpartition(-scores[positive], take - 1)[:take]] if take < len(positive) else positive
    order = top[np.argsort(-scores[top], kind="stable")]
    return best_per_entry(order, scores[order], snap.row_entry, snap.entry_ids, k), scores


def dense_candidates(snap: Snapshot, query_vec: np.ndarray, mask: np.ndarray | None, k: int) -> Ranked:
    allowed = None
    if mask is not None:
        allowed = snap.row_ids[mask]
    scores, ids = snap.dense.search(query_vec, k * 4, allowed)
    rows = snap.rows_of_ids(ids)
    return best_per_entry(rows, scores, snap.row_entry, snap.entry_ids, k)


@dataclass(frozen=True)
class QueryTerms:
    """What a question contributes to the first stage whatever the filter: BM25 tokens, the BM25 of every
    row, the query vector; computed once per search even when two filters are ranked."""

    tokens: list[str]
    lex_raw: np.ndarray | None
    vector: np.ndarray | None
    glossed: list[str]
    latin: bool
    hangul: float


class HybridRetriever:
    """BM25 + dense, fused per entry with RRF, filtered to the caller's region and agency.

    Constructor values are defaults; ``search`` arguments override them.

    Agencies (``search(..., agency=CODE)``): a counselor of an agency searches the common layer (entries
    of no agency) and their own agency's entries; nothing of another agency ever enters ``hits``. The
    same question is also ranked unfiltered, and when another agency's entry leads it clearly
    (``other_agency_leads``: ahead of every entry the counselor may use, with a fused score
    ``other_margin`` above the first of them, and a clearly higher cosine or BM25 than it, so a
    look-alike copy never counts) it comes back in ``SearchResult.other_agency``, its
    ``other_agency`` naming the agency, for a transfer. A caller of no agency (``agency`` None or "":
    the center's admin view, evaluations, benchmarks) searches every entry, and each agency's entry in
    ``hits`` is marked with its ``other_agency``.
    """

    def __init__(
        self,
        holder: IndexHolder,
        embedder: Embedder,
        regions: RegionResolver,
        tokenizer: KoreanTokenizer | None = None,
        thesaurus: Thesaurus | None = None,
        glossary: Glossary | None = None,
        *,
        rrf_k: int = 60,
        weights: tuple[float, float] = (1.0, 1.0),
        local_weight: float = 0.15,
        national_weight: float = 0.3,
        candidate_k: int = 100,
        top_k: int = 10,
        max_query_chars: int = 500,
        query_cache: QueryVectorCache | None = None,
        reranker: SecondStage | None = None,
        rerank_k: int = 50,
        lexicon: SituationLexicon | None = None,
        other_margin: float = 0.03,
        other_k: int = 2,
    ) -> None:
        self.holder, self.embedder, self.regions = holder, embedder, regions
        self.tokenizer = tokenizer or KoreanTokenizer()
        self.thesaurus = thesaurus or Thesaurus()
        self.glossary = glossary or Glossary()
        self.query_cache = query_cache if query_cache is not None else QueryVectorCache(0)
        self.rrf_k, self.weights = rrf_k, weights
        self.local_weight, self.national_weight = local_weight, national_weight
        self.candidate_k, self.top_k, self.max_query_chars = candidate_k, top_k, max_query_chars
        self.reranker, self.rerank_k = reranker, rerank_k
        self.lexicon = lexicon or SituationLexicon.default()
        # 0.03 on RRF(k=60): first in both retrievers against second in both is 1.6 % apart (too close
        # to call), against third in both 3.3 %
        self.other_margin, self.other_k = other_margin, other_k
        self._terms_memo: tuple[KoreanTokenizer, dict[tuple[str, ...], list[str]]] = (self.tokenizer, {})

    def clean_query(self, question: str) -> tuple[str, list[str]]:
        if not isinstance(question, str):
            raise InvalidQuery("question must be text")
        q = " ".join(unicodedata.normalize("NFC", question).split())
        if not q:
            raise InvalidQuery("question is empty: type or say what the caller asked")
        notices = []
        if len(q) > self.max_query_chars:
            notices.append(f"question was {len(q)} characters; only the first {self.max_query_chars} were used")
            q = q[: self.max_query_chars]
        return q, notices

    def _scope_vote(self, reg: Region, spoken: Region | None, snap: Snapshot, order: list[str]
                    ) -> tuple[list[str], float]:
        """The entries that get the scope vote, in fused order, and the vote's weight. ``spoken``: the
        region the caller named in passing, when theirs is not known."""
        if reg.sido:
            return ([e for e in order if snap.entries[e].sido], self.local_weight) if self.local_weight > 0 else ([], 0)
        if spoken is not None:
            vote = [e for e in order if snap.entries[e].sido and spoken.covers(snap.entries[e])]
            return (vote, self.local_weight) if self.local_weight > 0 else ([], 0)
        if self.national_weight > 0:
            return [e for e in order if not snap.entries[e].sido], self.national_weight
        return [], 0

    def search(
        self,
        question: str,
        region: str | Region | None = None,
        top_k: int | None = None,
        *,
        rrf_k: int | None = None,
        weights: tuple[float, float] | None = None,
        mode: str = "hybrid",
        situation: Situation | None = None,
        rerank: bool = True,
        agency: str | None = None,
    ) -> SearchResult:
        """``mode`` is 'hybrid', 'lexical' or 'dense' (the latter two for evaluation and benchmarks).
        ``situation``: what the counselor has confirmed about the caller (a clarifying answer), added to
        what the question says; ``rerank=False`` ranks with the first stage alone (evaluation).
        ``agency``: the caller's agency code (see the class docstring; None or "" = no agency)."""
        if mode not in ("hybrid", "lexical", "dense"):
            raise InvalidQuery(f"unknown mode {mode!r}; valid: hybrid, lexical, dense")
        top_k = self.top_k if top_k is None else top_k
        if not 1 <= top_k <= 100:
            raise InvalidQuery("top_k must be between 1 and 100")
        q, notices = self.clean_query(question)
        reg = self.regions.parse(region)
        snap = self.holder.snapshot  # one snapshot for the whole request
        terms = self.query_terms(q, snap, mode)
        within = snap.agency_rows(agency) if agency and snap.agencies - {agency} else None
        cands, lex, dense = self.first_stage(q, reg, snap, top_k, rrf_k=rrf_k, weights=weights, mode=mode,
                                             within=within, terms=terms)
        caller = self.lexicon.extract(q)
        if situation is not None:
            for attr, values in situation.attrs.items():
                for v in values:
                    caller = caller.with_answer(attr, v)
        order, scores = list(range(len(cands.entry_ids))), list(cands.fused)
        reranked = rerank and mode == "hybrid" and self.reranker is not None and bool(cands.entry_ids)
        if reranked:
            assert self.reranker is not None
            pool = min(len(cands.entry_ids), max(self.rerank_k, top_k))
            order, scores = self.reranker.rerank(snap, cands, caller, pool)
        hits = _hits(snap, cands, lex, dense, order[:top_k], scores[:top_k], agency or "")
        clarification = self.reranker.clarify(snap, caller, hits) if reranked and self.reranker else None
        others = self._other_agency(q, reg, snap, top_k, terms, agency, rrf_k=rrf_k, weights=weights,
                                    mode=mode) if within is not None else []
        return SearchResult(hits=hits, notices=notices, region=reg,
                            best_dense=round(dense.scores[0], 4) if dense.scores else None, snapshot=snap,
                            situation=caller, clarification=clarification,
                            evidence=_evidence(cands, 5) if reranked else None, other_agency=others,
                            query_vector=cands.query_vector)

    def _other_agency(self, q: str, reg: Region, snap: Snapshot, top_k: int, terms: QueryTerms, agency: str | None,
                      *, rrf_k: int | None, weights: tuple[float, float] | None, mode: str) -> list[Hit]:
        """Another agency's entries that lead the unfiltered ranking of the question (``other_agency_leads``),
        as marked hits; the first stage alone decides (the second stage ranks the caller's own list)."""
        if not agency or self.other_k <= 0:
            return []
        region_rows = snap.region_rows(reg.sido, reg.sigungu) if reg.sido else None
        others = snap.other_agency_rows(agency)
        if not (others if region_rows is None else others & region_rows).any():
            return []  # no other agency's entry this caller's region could see
        cands, lex, dense = self.first_stage(q, reg, snap, top_k, rrf_k=rrf_k, weights=weights, mode=mode,
                                             terms=terms)
        lead = other_agency_leads(cands.entry_ids, cands.fused, lambda e: snap.entries[e].agency, agency,
                                  margin=self.other_margin, limit=self.other_k,
                                  evidence=lambda e: (cands.dense_score.get(e, 0.0), cands.lex_score.get(e, 0.0)))
        return _hits(snap, cands, lex, dense, lead, [cands.fused[i] for i in lead], agency)

    def _term_tokens(self, terms: tuple[str, ...]) -> list[str]:
        """BM25 tokens of the thesaurus' and glossary's terms: fixed strings from their files, so each
        combination is tokenized once (kept per tokenizer, at most 4,096 combinations)."""
        owner, memo = self._terms_memo
        if owner is not self.tokenizer:  # the tokenizer was replaced (a loaded index brings its own)
            owner, memo = self._terms_memo = (self.tokenizer, {})
        hit = memo.get(terms)
        if hit is None:
            hit = owner.tokenize(" ".join(terms))
            if len(memo) >= 4096:
                memo.clear()
            memo[terms] = hit
        return list(hit)

    def query_terms(self, q: str, snap: Snapshot, mode: str = "hybrid") -> QueryTerms:
        """The question's BM25 tokens (with thesaurus and glossary terms), its BM25 over every row, its vector."""
        share = hangul_share(q)
        latin = share < 0.3 and not IDEOGRAPHS.search(q)
        glossed: list[str] = self.glossary.expand(q) if latin and self.glossary.rules else []
        tokens: list[str] = []
        raw = qv = None
        if mode in ("hybrid", "lexical"):
            extra = self.thesaurus.expand(q, self.tokenizer.morphemes(q)) if self.thesaurus.rules else []
            extra += glossed
            tokens = self.tokenizer.tokenize_query(q)
            if extra:
                tokens += self._term_tokens(tuple(extra))
            raw = snap.lexical.scores(tokens)
        if mode in ("hybrid", "dense"):
            # the thesaurus feeds BM25 only: appended to the embedding query it helped paraphrases
            # but blurred colloquial questions (dev set, both measured)
            qv = self.query_cache.embed(self.embedder, q)
        return QueryTerms(tokens, raw, qv, glossed, latin, share)

    def first_stage(self, q: str, reg: Region, snap: Snapshot, top_k: int, *, rrf_k: int | None = None,
                    weights: tuple[float, float] | None = None, mode: str = "hybrid",
                    within: np.ndarray | None = None, terms: QueryTerms | None = None,
                    ) -> tuple[Candidates, Ranked, Ranked]:
        """BM25 and dense candidates fused by weighted RRF (plus the scope vote), with the evidence a
        second stage reads. ``within``: a row mask (an agency's) applied with the region's;
        ``terms``: ``query_terms(q, snap, mode)`` when the caller already has them."""
        mask = snap.region_rows(reg.sido, reg.sigungu) if reg.sido else None
        if within is not None:
            mask = within if mask is None else mask & within
        k = max(self.candidate_k, top_k)
        w_lex, w_dense = weights or self.weights
        lex = dense = Ranked([], [], [])
        terms = terms or self.query_terms(q, snap, mode)
        share, latin, glossed, tokens, qv = terms.hangul, terms.latin, terms.glossed, terms.tokens, terms.vector
        lex_rows = None
        if mode in ("hybrid", "lexical"):
            lex, lex_rows = lexical_candidates(snap, tokens, mask, k, raw=terms.lex_raw)
        if mode in ("hybrid", "dense") and qv is not None:
            dense = dense_candidates(snap, qv, mask, k)
        if latin and not glossed:
            # a question in a language without Chinese characters shares almost no tokens with
            # Korean manuals; the few it does (numbers, acronyms) must not outvote the embedding.
            # When the glossary gave it the manuals' Korean terms, BM25 counts in full (dev en/vi
            # MRR@10 0.58 → 0.65, held-out 0.60 → 0.83, both small sets).
            w_lex *= 0.25
        k_rrf = rrf_k or self.rrf_k
        fused = reciprocal_rank_fusion([lex.entry_ids, dense.entry_ids], k=k_rrf, weights=[w_lex, w_dense])
        # Scope votes: a third RRF list. A caller whose region is known (or who names it in passing)
        # is best served by their own city's or district's programme when one fits about as well as
        # a national one; a caller of unknown region by a national programme, which applies to
        # everyone, rather than one of the 250 local governments' look-alikes.
        # (Only in hybrid mode: 'lexical' and 'dense' measure one retriever alone.)
        vote: list[str] = []
        spoken = None if reg.sido else self.regions.mentioned_in(q)  # read once: the vote and the ranker use it
        if mode == "hybrid":
            vote, w_vote = self._scope_vote(reg, spoken, snap, [e for e, _ in fused])
            if vote:
                fused = reciprocal_rank_fusion([lex.entry_ids, dense.entry_ids, vote], k=k_rrf,
                                               weights=[w_lex, w_dense, w_vote])
        cands = Candidates(
            question=q, region=reg, entry_ids=[e for e, _ in fused], fused=[s for _, s in fused],
            query_tokens=tokens,
            lex_rank={e: i + 1 for i, e in enumerate(lex.entry_ids)},
            lex_score=dict(zip(lex.entry_ids, lex.scores, strict=True)),
            dense_rank={e: i + 1 for i, e in enumerate(dense.entry_ids)},
            dense_score=dict(zip(dense.entry_ids, dense.scores, strict=True)),
            vote_rank={e: i + 1 for i, e in enumerate(vote)},
            lex_rows=lex_rows, query_vector=qv,
            named_region=spoken,
            glossed=bool(glossed), hangul=share,
        )
        return cands, lex, dense


def _hits(snap: Snapshot, cands: Candidates, lex: Ranked, dense: Ranked, positions: Sequence[int],
          scores: Sequence[float], agency: str) -> list[Hit]:
    """Hits for candidate ``positions`` (in that order, with ``scores``); an entry of an agency other than
    ``agency`` is marked with its code."""
    lex_pos = {e: i for i, e in enumerate(lex.entry_ids)}
    dense_pos = {e: i for i, e in enumerate(dense.entry_ids)}
    hits = []
    for i, score in zip(positions, scores, strict=False):
        entry_id = cands.entry_ids[i]
        e = snap.entries[entry_id]
        li, di = lex_pos.get(entry_id), dense_pos.get(entry_id)
        row = lex.rows[li] if li is not None else dense.rows[di] if di is not None else -1
        chunk = snap.chunks[row] if row >= 0 else None
        hits.append(Hit(
            entry_id=entry_id, title=e.title, scope=e.scope, sido=e.sido, sigungu=e.sigungu,
            version=e.version, score=round(score, 6),
            scores=ScoreBreakdown(
                lexical_rank=None if li is None else li + 1,
                lexical_score=None if li is None else round(lex.scores[li], 4),
                dense_rank=None if di is None else di + 1,
                dense_score=None if di is None else round(dense.scores[di], 4),
                vote_rank=cands.vote_rank.get(entry_id),
                fused=round(cands.fused[i], 6),
                first_rank=i + 1,
            ),
            chunk_id=chunk.chunk_id if chunk else "",
            snippet=chunk.text if chunk else "",
            other_agency=e.agency if e.agency and e.agency != agency else "",
        ))
    return hits


def _evidence(cands: Candidates, n: int) -> tuple[float, float]:
    head = cands.entry_ids[:n]
    return (max((cands.dense_score.get(e, 0.0) for e in head), default=0.0),
            max((cands.lex_score.get(e, 0.0) for e in head), default=0.0))
