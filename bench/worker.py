"""Measurements that need a fresh process (so resident memory is not polluted by the rest of the run).

``python -m bench.worker memory ROOT N`` loads the saved index of the runtime in ROOT and runs N
hybrid searches; ``python -m bench.worker scale SIZE WORKDIR QUICK`` runs one scale point.
Each prints one JSON object as its last stdout line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from assistant.config import ROOT


def serving_memory(root: Path, n_queries: int) -> dict[str, Any]:
    from assistant.runtime import Runtime
    from bench.env import memory_mb
    from bench.workspace import dev_queries, settings_for

    rt = Runtime(settings_for(root))
    _ = rt.embedder
    before = memory_mb()
    t0 = time.perf_counter()
    rt.start()
    load_s = time.perf_counter() - t0
    loaded = memory_mb()
    for q in dev_queries(quick=False)[:n_queries]:
        rt.retriever.search(q.question, region=q.region)
    return {"before_index_rss_mb": before["rss_mb"], "after_load_rss_mb": loaded["rss_mb"],
            "load_s": round(load_s, 2), "searches": n_queries, **memory_mb()}


def scale_point(size: int, workdir: Path, quick: bool) -> dict[str, Any]:
    from bench.scale import run_point
    from bench.workspace import dev_queries, shipped_records

    return run_point(size, workdir, shipped_records(), dev_queries(quick))


def run_worker(*args: str) -> dict[str, Any]:
    """Run ``bench.worker`` in a child process; its stderr passes through, its last stdout line is JSON."""
    proc = subprocess.run([sys.executable, "-m", "bench.worker", *args], cwd=ROOT, stdout=subprocess.PIPE,
                          text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "memory":
        out = serving_memory(Path(rest[0]), int(rest[1]))
    elif kind == "scale":
        out = scale_point(int(rest[0]), Path(rest[1]), rest[2] == "1")
    else:
        raise SystemExit(f"unknown worker {kind!r}")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
