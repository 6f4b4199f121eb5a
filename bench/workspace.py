"""A runtime of its own in a temporary directory, loaded with the shipped knowledge base.

The shipped embedding cache (``knowledge_base/embeddings``) is only ever read: ``EmbeddingCache``
seeds itself from it and writes to ``embedding_cache_dir``, which here is inside the temp dir.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from assistant.config import ROOT, Settings
from assistant.evals.datasets import EvalQuery, load_queries
from assistant.kb.importers import read_kb_jsonl
from assistant.kb.repo import import_records
from assistant.runtime import Runtime
from assistant.types import EntryRecord

SHIPPED_KB = ROOT / "knowledge_base" / "entries.jsonl"
DEV_QUERIES = ROOT / "evals" / "dev" / "queries.jsonl"


def log(msg: str) -> None:
    """Progress goes to stderr so ``--json`` output on stdout stays one object."""
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def settings_for(root: Path, query_cache_size: int = 0) -> Settings:
    """Latency figures are of questions the process has not seen: the query vector cache is off unless asked for."""
    return Settings(
        database_url=f"sqlite:///{root / 'kb.db'}",
        index_dir=root / "index",
        embedding_cache_dir=root / "embeddings",
        query_cache_size=query_cache_size,
    )


def shipped_records() -> list[EntryRecord]:
    return read_kb_jsonl(SHIPPED_KB)


def dev_queries(quick: bool) -> list[EvalQuery]:
    """All dev questions, or every fourth one (a spread over types and languages) in quick mode."""
    queries = load_queries(DEV_QUERIES)
    return queries[::4] if quick else queries


def make_runtime(root: Path, query_cache_size: int = 0) -> Runtime:
    rt = Runtime(settings_for(root, query_cache_size))
    _ = rt.embedder  # load the model now so no later timing pays for it
    return rt


def import_shipped(rt: Runtime, records: list[EntryRecord]) -> dict[str, Any]:
    t0 = time.perf_counter()
    import_records(rt.engine, records, "", author="bench", dry_run=False, prune=False)
    return {"entries": len(records), "seconds": round(time.perf_counter() - t0, 2)}
