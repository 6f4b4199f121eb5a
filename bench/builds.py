"""Index build timings: cold (sampled, or for real), full build from the shipped cache, rebuild.

*Cold* means nothing cached: every chunk is embedded by the model and tokenized by Kiwi.
*From cache* means vectors come from the embedding cache (seeded from the shipped vectors) and
tokenization is cold. *Rebuild* is a second ``IndexManager.rebuild()``: vectors and tokens reused.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from assistant.index.cache import EmbeddingCache
from assistant.index.snapshot import build_snapshot
from assistant.kb import repo
from assistant.kb.db import session_scope
from assistant.runtime import Runtime
from bench.env import OtherCpu


def time_manager_rebuild(rt: Runtime) -> dict[str, Any]:
    """One ``rt.manager.rebuild()`` (build, save to disk, swap in)."""
    with OtherCpu() as cpu:
        t0 = time.perf_counter()
        snap = rt.manager.rebuild()
        seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 2), "entries": snap.manifest.n_entries, "chunks": snap.manifest.n_chunks,
            "cpu": cpu.result}


def time_load(rt: Runtime) -> dict[str, Any]:
    """``rt.start()``: read the saved snapshot from disk, verify checksums, catch up with the DB."""
    t0 = time.perf_counter()
    rt.start()
    return {"seconds": round(time.perf_counter() - t0, 2)}


def time_cold_sample(rt: Runtime, n_sample: int, workdir: Path, from_cache_seconds: float) -> dict[str, Any]:
    """Embed ``n_sample`` random chunks with an empty cache; extrapolate a full cold build.

    Extrapolated full cold build = measured build-from-cache time (which already includes cold
    tokenization, chunking, index assembly and saving) + all chunks / measured passages per second.
    """
    chunks = rt.manager.holder.snapshot.chunks
    sample = random.Random(0).sample(chunks, min(n_sample, len(chunks)))
    texts = [c.text for c in sample]
    empty = EmbeddingCache(workdir / "cold-cache", rt.embedder.name, rt.embedder.dim)  # no seed: empty
    rt.embedder.embed([c.text for c in chunks[:2]], kind="passage")  # untimed warm-up of the passage path
    with OtherCpu() as cpu:
        t0 = time.perf_counter()
        empty.embed(rt.embedder, texts)
        seconds = time.perf_counter() - t0
    rate = len(texts) / seconds
    embed_all = len(chunks) / rate
    return {
        "sample_chunks": len(texts),
        "sample_seconds": round(seconds, 2),
        "passages_per_s": round(rate, 1),
        "mean_chars_sample": round(sum(map(len, texts)) / len(texts)),
        "mean_chars_all": round(sum(len(c.text) for c in chunks) / len(chunks)),
        "extrapolated_embed_all_s": round(embed_all, 1),
        "extrapolated_full_cold_s": round(from_cache_seconds + embed_all, 1),
        "cpu": cpu.result,
    }


def time_full_cold(rt: Runtime, workdir: Path) -> dict[str, Any]:
    """A real cold build of the whole KB: empty embedding cache, no token cache (minutes)."""
    with session_scope(rt.engine) as s:
        version = repo.kb_version(s)
        records = repo.current_records(s)
    empty = EmbeddingCache(workdir / "full-cold-cache", rt.embedder.name, rt.embedder.dim)
    with OtherCpu() as cpu:
        t0 = time.perf_counter()
        snap = build_snapshot(records, rt.manager.tokenizer, rt.embedder, empty, kb_version=version,
                              chunk_max_chars=rt.settings.chunk_max_chars)
        seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 1), "chunks": snap.manifest.n_chunks,
            "passages_per_s": round(snap.manifest.n_chunks / seconds, 1), "cpu": cpu.result}
