"""Crash safety: ``kill -9`` during ``assistant index build`` and during ``assistant kb import``, in a loop.

Each loop commits one edit from this process, kills an index build, a process saving snapshots
over and over, and an import at a random moment (the times come from one uninterrupted run of
each), then restarts like a replica does
(``Runtime.start``: load the saved index, catch up with the database) and checks:

- lost edits: a committed edit missing from the database, or from the restarted index;
- corrupt indexes: the snapshot CURRENT names fails to load or its checksums do not match;
- stale indexes: after the restart, some entry's indexed version is not its database version;
- torn imports: an import visible in part (imports are one transaction: all or nothing);
- leftovers: temporary folders of interrupted saves still there after the restart;
- the database's own integrity check (SQLite) and the embedding cache still loading.

    python -m bench.crash_loop --loops 50                 # SQLite, 300 shipped entries
    python -m bench.crash_loop --loops 20 --database-url postgresql://postgres@127.0.0.1:5432/crash

The PostgreSQL database must exist and be empty. Work happens in a temporary folder (or --workdir).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from assistant.config import ROOT, Settings
from assistant.errors import AssistantError
from assistant.index.cache import EmbeddingCache
from assistant.index.snapshot import load_snapshot
from assistant.kb import importers, repo
from assistant.kb.db import make_engine, session_scope
from assistant.kb.models import EntryUpdate
from assistant.runtime import Runtime
from assistant.types import EntryRecord


@dataclass
class Figures:
    loops: int = 0
    build_kills: int = 0
    save_kills: int = 0
    builds_finished_before_kill: int = 0
    import_kills: int = 0
    imports_committed_before_kill: int = 0
    committed_edits: int = 0
    lost_edits: int = 0
    corrupt_indexes: int = 0
    stale_indexes: int = 0
    torn_imports: int = 0
    leftovers_seen: int = 0
    leftovers_after_restart: int = 0
    database_errors: int = 0
    cache_errors: int = 0
    restart_s: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        d = asdict(self)
        times = d.pop("restart_s")
        d["restart_s_median"] = round(statistics.median(times), 2) if times else None
        d["restart_s_max"] = round(max(times), 2) if times else None
        return d


def _env(settings: Settings) -> dict[str, str]:
    import os

    return {**os.environ, "DATABASE_URL": settings.database_url, "ASSISTANT_INDEX_DIR": str(settings.index_dir),
            "ASSISTANT_EMBEDDING_CACHE_DIR": str(settings.embedding_cache_dir),
            "ASSISTANT_KB_DIR": str(settings.kb_dir), "ASSISTANT_SYNC_ENABLED": "false"}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", *args]


def _timed_run(args: list[str], env: dict[str, str], timeout: float = 600) -> float:
    t0 = time.monotonic()
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args[3:])} failed: {out.stderr.strip()[-500:]}")
    return time.monotonic() - t0


def _time_to_first_line(args: list[str], env: dict[str, str], timeout: float = 600) -> float:
    """Seconds until the command prints its first line (for ``kb import``: the commit), then let it finish."""
    t0 = time.monotonic()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()
    first = time.monotonic() - t0
    proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[3:])} failed")
    return first


def _kill_during(args: list[str], env: dict[str, str], after: float) -> bool:
    """Start the command, SIGKILL it ``after`` seconds later; True when it had already finished."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=after)
        return True
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        return False


# saves the loaded snapshot again and again, as a writer does, until it is killed
SAVE_STORM = """
import sys
from pathlib import Path
from assistant.index.locking import index_write_lock
from assistant.index.snapshot import cleanup_temp, load_snapshot, read_manifest, save_snapshot
folder = Path(sys.argv[1])
snap, _ = load_snapshot(folder, read_manifest(folder)[1]["embedder"])
print("ready", flush=True)
for _ in range(10_000):
    with index_write_lock(None, folder) as got:
        if got:
            cleanup_temp(folder)
            save_snapshot(snap, folder)
"""


def _kill_saving(settings: Settings, after: float) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SAVE_STORM, str(settings.index_dir)], env=_env(settings),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()  # loaded: from now on it is writing
    time.sleep(after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def _leftovers(settings: Settings) -> list[str]:
    snaps = settings.index_dir / "snapshots"
    found = [p.name for p in snaps.iterdir() if p.name.endswith(".tmp")] if snaps.is_dir() else []
    return found + (["CURRENT.tmp"] if (settings.index_dir / "CURRENT.tmp").exists() else [])


def prepare(workdir: Path, records: list[EntryRecord], database_url: str | None) -> Settings:
    """A knowledge-base folder of ``records``, a database and an index, built by ``assistant setup``."""
    import shutil

    kb = workdir / "kb"
    kb.mkdir(parents=True, exist_ok=True)
    importers.write_kb_jsonl(records, kb / "entries.jsonl")
    for name in ("userdict.tsv", "thesaurus.tsv"):
        shutil.copy(ROOT / "knowledge_base" / name, kb / name)
    settings = Settings(database_url=database_url or f"sqlite:///{workdir / 'kb.db'}", index_dir=workdir / "index",
                        embedding_cache_dir=workdir / "embeddings", kb_dir=kb, sync_enabled=False)
    _timed_run(_cli("setup"), _env(settings))
    return settings


def _commit_edit(settings: Settings, rng: random.Random, i: int) -> tuple[str, int, str]:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as s:
            ids = [r.entry_id for r in repo.current_records(s)]
            eid = rng.choice(ids)
            cur = repo.get_entry(s, eid)
            marker = "crashmark" + "".join(chr(97 + (i // 26 ** k) % 26) for k in range(3))  # one token, unique
            v = repo.update_entry(s, eid, EntryUpdate(content=f"{cur.content}\n{marker}"),
                                  expected_version=cur.version, author="crash-loop", note=f"loop {i}")
            return eid, v.version, marker
    finally:
        engine.dispose()


def _import_file(settings: Settings, path: Path, i: int) -> tuple[int, str]:
    """Every entry changed (a new source date, so no text is embedded again): one big transaction."""
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as s:
            records = repo.current_records(s, include_retired=True)
    finally:
        engine.dispose()
    marker = f"crash-{i:05d}"
    changed = [dataclasses.replace(r, updated=marker) for r in records]
    importers.write_kb_jsonl(changed, path)
    return len(changed), marker


def _check(settings: Settings, edits: list[tuple[str, int, str]], import_marker: str, n_import: int,
           fig: Figures, loop: int) -> bool:
    """The restart and every check; returns whether the import had committed."""
    fig.leftovers_seen += len(_leftovers(settings))
    rt = Runtime(settings)
    try:
        try:
            load_snapshot(settings.index_dir, rt.embedder.name)
        except AssistantError as exc:
            fig.corrupt_indexes += 1
            fig.problems.append(f"loop {loop}: saved index does not load: {exc}")
        t0 = time.monotonic()
        try:
            rt.start()
        except AssistantError as exc:
            fig.corrupt_indexes += 1
            fig.problems.append(f"loop {loop}: restart failed: {exc}")
            return False
        fig.restart_s.append(time.monotonic() - t0)
        left = _leftovers(settings)
        fig.leftovers_after_restart += len(left)
        if left:
            fig.problems.append(f"loop {loop}: leftovers after restart: {left}")
        snap = rt.manager.holder.snapshot
        with Session(rt.engine) as s:
            if rt.engine.dialect.name == "sqlite":
                ok = s.execute(text("PRAGMA integrity_check")).scalar()
                if ok != "ok":
                    fig.database_errors += 1
                    fig.problems.append(f"loop {loop}: SQLite integrity check: {ok}")
            current = {r.entry_id: r for r in repo.current_records(s)}
            marked = sum(r.updated == import_marker for r in repo.current_records(s, include_retired=True))
            for eid, version, marker in edits:
                try:
                    kept = marker in repo.get_version(s, eid, version).content
                except AssistantError:
                    kept = False
                if not kept or marker not in current[eid].content:  # later versions build on it
                    fig.lost_edits += 1
                    fig.problems.append(f"loop {loop}: committed edit {eid} v{version} lost")
            db_version = repo.kb_version(s)
        if marked not in (0, n_import):
            fig.torn_imports += 1
            fig.problems.append(f"loop {loop}: import visible in part ({marked} of {n_import} entries)")
        stale = [eid for eid, r in current.items() if eid not in snap.entries or snap.entries[eid].version != r.version]
        stale += [eid for eid in snap.entries if eid not in current]
        if stale or snap.kb_version != db_version:
            fig.stale_indexes += 1
            fig.problems.append(f"loop {loop}: index at KB version {snap.kb_version}, database at {db_version}; "
                                f"{len(stale)} entries differ")
        eid, version, marker = edits[-1]
        hits = rt.retriever.search(marker, top_k=5, mode="lexical").hits
        if not any(h.entry_id == eid and h.version >= version for h in hits):
            fig.lost_edits += 1
            fig.problems.append(f"loop {loop}: edit {eid} v{version} not found by search after the restart")
        try:
            EmbeddingCache(settings.embedding_cache_dir, rt.embedder.name, rt.embedder.dim)
        except Exception as exc:  # noqa: BLE001 - counted, not raised
            fig.cache_errors += 1
            fig.problems.append(f"loop {loop}: embedding cache does not load: {exc}")
        return marked == n_import and n_import > 0
    finally:
        rt.engine.dispose()


def crash_loop(workdir: Path, records: list[EntryRecord], loops: int, *, database_url: str | None = None,
               seed: int = 0, max_seconds: float = 3600, log: Any = None) -> Figures:
    """Run ``loops`` kill-and-restart loops (stops early after ``max_seconds``)."""
    rng = random.Random(seed)
    say = log or (lambda msg: None)
    settings = prepare(workdir, records, database_url)
    env = _env(settings)
    build_s = _timed_run(_cli("index", "build"), env)
    n, _ = _import_file(settings, workdir / "calibrate.jsonl", -1)
    commit_s = _time_to_first_line(_cli("kb", "import", str(workdir / "calibrate.jsonl")), env)
    say(f"uninterrupted: index build {build_s:.1f} s, import of {n} changed entries committed after {commit_s:.1f} s")
    fig = Figures()
    edits: list[tuple[str, int, str]] = []
    started = time.monotonic()
    for i in range(loops):
        if time.monotonic() - started > max_seconds:
            say(f"time budget reached after {i} loops")
            break
        edits.append(_commit_edit(settings, rng, i))
        fig.committed_edits += 1
        fig.build_kills += 1
        # most of the early part is interpreter start-up: aim at the build and the save
        if _kill_during(_cli("index", "build"), env, rng.uniform(0.4, 1.15) * build_s):
            fig.builds_finished_before_kill += 1
        fig.leftovers_seen += len(_leftovers(settings))
        fig.save_kills += 1
        _kill_saving(settings, rng.uniform(0.0, 1.0))
        fig.leftovers_seen += len(_leftovers(settings))  # the next process to load or save removes them
        path = workdir / f"import-{i}.jsonl"
        n_import, marker = _import_file(settings, path, i)
        fig.import_kills += 1
        # mostly before the commit (reading, validating, writing), sometimes after (updating the index)
        _kill_during(_cli("kb", "import", str(path)), env, rng.uniform(0.5, 1.3) * commit_s)
        if _check(settings, edits, marker, n_import, fig, i):
            fig.imports_committed_before_kill += 1
        path.unlink()
        fig.loops += 1
        say(f"loop {i + 1}/{loops}: lost {fig.lost_edits}, corrupt {fig.corrupt_indexes}, "
            f"stale {fig.stale_indexes}, torn {fig.torn_imports}")
    return fig


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.crash_loop", description=__doc__.splitlines()[0])
    p.add_argument("--loops", type=int, default=20)
    p.add_argument("--entries", type=int, default=300, help="how many shipped entries the KB holds")
    p.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    p.add_argument("--workdir", type=Path, default=None, help="work here and keep it (default: a temp dir)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-minutes", type=float, default=60)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    records = importers.read_kb_jsonl(ROOT / "knowledge_base" / "entries.jsonl")[:args.entries]

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="crash-loop-") as tmp:
        workdir = args.workdir or Path(tmp)
        fig = crash_loop(workdir, records, args.loops, database_url=args.database_url, seed=args.seed,
                         max_seconds=args.max_minutes * 60, log=log)
    summary = fig.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    for k, v in summary.items():
        if k != "problems":
            print(f"{k:32} {v}")
    for problem in fig.problems:
        print(f"problem: {problem}")


if __name__ == "__main__":
    main()
