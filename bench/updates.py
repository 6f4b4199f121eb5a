"""Edit to searchable: change one entry in the database, then ``refresh()`` and search until found.

Each timing covers the DB transaction (commit), ``rt.manager.refresh()`` (incremental snapshot:
re-chunk, re-tokenize and embed only the changed entry, recompute BM25 statistics, swap) and one
hybrid search that returns the entry at its new version.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from assistant.kb import repo
from assistant.kb.db import session_scope
from assistant.kb.models import EntryCreate, EntryUpdate
from assistant.runtime import Runtime
from assistant.types import EntryRecord, Scope
from bench.env import OtherCpu


def _region(e: EntryRecord) -> str | None:
    return None if e.region_label == "전국" else e.region_label


def _found(rt: Runtime, question: str, region: str | None, entry_id: str, version: int) -> bool:
    hits = rt.retriever.search(question, region=region, top_k=10).hits
    return any(h.entry_id == entry_id and h.version == version for h in hits)


def _timed_change(rt: Runtime, change: Any, question: str, region: str | None, entry_id: str) -> dict[str, Any]:
    """Run ``change(session) -> new version`` in a transaction, then refresh and search."""
    with OtherCpu() as cpu:
        t0 = time.perf_counter()
        with session_scope(rt.engine) as s:
            version = change(s)
        t_commit = time.perf_counter()
        rt.manager.refresh()
        t_refresh = time.perf_counter()
        found = _found(rt, question, region, entry_id, version)
        t_end = time.perf_counter()
    return {"entry_id": entry_id, "found": found, "commit_s": round(t_commit - t0, 3),
            "refresh_s": round(t_refresh - t_commit, 3), "search_s": round(t_end - t_refresh, 3),
            "total_s": round(t_end - t0, 3), "others_cores": cpu.result["others_cores"]}


def edit_to_searchable(rt: Runtime, reps: int) -> list[dict[str, Any]]:
    snap = rt.manager.holder.snapshot
    step = max(1, len(snap.entry_ids) // reps)
    targets = [snap.entries[eid] for eid in snap.entry_ids[::step][:reps]]
    runs = []
    for i, e in enumerate(targets):
        marker = f"벤치마크 변경 안내 BENCHEDIT{i:03d}"

        def change(s: Any, e: EntryRecord = e, marker: str = marker) -> int:
            cur = repo.get_entry(s, e.entry_id)
            v = repo.update_entry(s, e.entry_id, EntryUpdate(content=f"{cur.content}\n\n{marker}"),
                                  expected_version=cur.version, author="bench")
            return v.version

        runs.append(_timed_change(rt, change, f"{e.title} {marker}", _region(e), e.entry_id))
    return runs


def create_to_searchable(rt: Runtime, reps: int) -> list[dict[str, Any]]:
    snap = rt.manager.holder.snapshot
    regional = [snap.entries[eid] for eid in snap.entry_ids if snap.entries[eid].sigungu]
    runs = []
    for i in range(reps):
        like = regional[(i * 997) % len(regional)]
        entry_id, title = f"bench:new-{i:03d}", f"벤치마크 신규 돌봄 서비스 BENCHNEW{i:03d}"

        def change(s: Any, entry_id: str = entry_id, title: str = title, like: EntryRecord = like) -> int:
            data = EntryCreate(entry_id=entry_id, title=title, scope=Scope.sigungu, sido=like.sido,
                               sigungu=like.sigungu,
                               content="대상은 관내 거주 어르신입니다.\n\n신청은 주민센터에서 합니다.")
            return repo.create_entry(s, data, author="bench").version

        runs.append(_timed_change(rt, change, title, _region(like), entry_id))
    return runs


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    totals = [r["total_s"] for r in runs]
    return {
        "n": len(runs), "all_found": all(r["found"] for r in runs),
        "median_s": round(statistics.median(totals), 3), "max_s": round(max(totals), 3),
        "median_refresh_s": round(statistics.median(r["refresh_s"] for r in runs), 3),
        "max_others_cores": max(r["others_cores"] for r in runs),
        "runs": runs,
    }
