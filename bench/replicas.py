"""Two replicas on loopback sharing one PostgreSQL: an edit through one, found through the other.

Starts two ``assistant serve`` processes (free ports, the same ``DATABASE_URL``, an index folder
each), edits entries with ``PATCH /v1/entries/{id}`` through one (alternating) and times how long
until ``POST /v1/search`` on the other returns the entry at its new version.

    python -m bench.replicas --edits 20            # a fresh database on 127.0.0.1:5432, dropped after
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from assistant.config import ROOT
from assistant.kb import importers
from assistant.types import EntryRecord

ADMIN_URL = os.environ.get("ASSISTANT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replica:
    name: str
    port: int
    proc: subprocess.Popen  # type: ignore[type-arg]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def fresh_database(admin_url: str = ADMIN_URL) -> Iterator[str]:
    import psycopg

    name = f"assistant_replicas_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str, home: Path, kb_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "ASSISTANT_INDEX_DIR": str(home / "index"),
            "ASSISTANT_EMBEDDING_CACHE_DIR": str(home / "embeddings"), "ASSISTANT_KB_DIR": str(kb_dir),
            "PYTHONUNBUFFERED": "1",
            # the load draws its questions from the dev set again and again: measure cold queries
            "ASSISTANT_QUERY_CACHE_SIZE": "0", **extra}


def _cli(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    out = subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"assistant {' '.join(args)}: {out.stderr.strip()[-800:]}")
    return out.stdout


@contextmanager
def replica_pair(workdir: Path, database_url: str, records: list[EntryRecord], *,
                 ready_timeout: float = 240, **settings: str) -> Iterator[tuple[Replica, Replica, str]]:
    """Two serving replicas (set up one after the other, then started together) and an editor token."""
    kb = workdir / "kb"
    kb.mkdir(parents=True, exist_ok=True)
    importers.write_kb_jsonl(records, kb / "entries.jsonl")
    for name in ("userdict.tsv", "thesaurus.tsv"):
        shutil.copy(ROOT / "knowledge_base" / name, kb / name)
    envs = {n: _env(database_url, workdir / n, kb, **settings) for n in ("a", "b")}
    for env in envs.values():
        _cli(["setup"], env)
    token = _cli(["token", "create", "--role", "editor", "--name", "replica-bench"], envs["a"]).strip().splitlines()[-1]
    replicas: list[Replica] = []
    try:
        for n, env in envs.items():
            port = free_port()
            log = (workdir / f"{n}.log").open("w")
            proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1",
                                     "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
            replicas.append(Replica(n, port, proc))
        deadline = time.monotonic() + ready_timeout
        for r in replicas:
            while True:
                if r.proc.poll() is not None:
                    raise RuntimeError(f"replica {r.name} exited: {(workdir / f'{r.name}.log').read_text()[-800:]}")
                try:
                    if httpx.get(f"{r.url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"replica {r.name} not ready within {ready_timeout} s")
                time.sleep(0.3)
        yield replicas[0], replicas[1], token
    finally:
        for r in replicas:
            if r.proc.poll() is None:
                r.proc.send_signal(signal.SIGTERM)
        for r in replicas:
            try:
                r.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                r.proc.kill()
                r.proc.wait(timeout=5)


def edit_and_find(writer: Replica, reader: Replica, token: str, entry_id: str, n: int,
                  deadline: float = 5.0) -> float | None:
    """PATCH through ``writer``; seconds until ``reader``'s search returns the new version (None: not in time)."""
    headers = {"Authorization": f"Bearer {token}"}
    mark = "syncmark" + "".join(chr(97 + (n // 26 ** k) % 26) for k in range(4))
    with httpx.Client(timeout=10, headers=headers) as client:
        cur = client.get(f"{writer.url}/v1/entries/{entry_id}")
        cur.raise_for_status()
        entry = cur.json()
        entry = entry.get("entry", entry)
        r = client.patch(f"{writer.url}/v1/entries/{entry_id}",
                         json={"expected_version": entry["version"], "content": f"{entry['content']}\n복제 확인 {mark}",
                               "note": "replica bench"})
        r.raise_for_status()
        version = r.json()["entry"]["version"]
        t0 = time.monotonic()
        while time.monotonic() - t0 < deadline:
            # the title makes both retrievers rank the entry first; the version says which one was seen
            hits = client.post(f"{reader.url}/v1/search", json={"question": f"{entry['title']} {mark}",
                                                                 "top_k": 5}).json()
            if any(h["entry_id"] == entry_id and h["version"] == version for h in hits.get("hits", [])):
                return time.monotonic() - t0
            time.sleep(0.02)
    return None


def measure(workdir: Path, database_url: str, records: list[EntryRecord], edits: int,
            **settings: str) -> dict[str, Any]:
    ids = [r.entry_id for r in records if r.status == "active"]
    times: list[float] = []
    missed = 0
    with replica_pair(workdir, database_url, records, **settings) as (a, b, token):
        for i in range(edits):
            writer, reader = (a, b) if i % 2 == 0 else (b, a)
            t = edit_and_find(writer, reader, token, ids[i % len(ids)], i)
            if t is None:
                missed += 1
            else:
                times.append(t)
    return {"edits": edits, "found_within_5s": len(times), "missed": missed,
            "median_s": round(statistics.median(times), 3) if times else None,
            "max_s": round(max(times), 3) if times else None}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.splitlines()[0])
    p.add_argument("--edits", type=int, default=20)
    p.add_argument("--entries", type=int, default=300, help="how many shipped entries the KB holds")
    p.add_argument("--poll-seconds", default="2", help="the replicas' fallback poll (NOTIFY does the work)")
    p.add_argument("--no-listen", action="store_true", help="polling only (as if NOTIFY were unavailable)")
    args = p.parse_args(argv)
    records = importers.read_kb_jsonl(ROOT / "knowledge_base" / "entries.jsonl")[:args.entries]
    settings = {"ASSISTANT_SYNC_POLL_SECONDS": args.poll_seconds,
                "ASSISTANT_SYNC_LISTEN": "false" if args.no_listen else "true"}
    with tempfile.TemporaryDirectory(prefix="replicas-") as tmp, fresh_database() as url:
        result = measure(Path(tmp), url, records, args.edits, **settings)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
