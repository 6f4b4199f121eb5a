"""Processes for the operations tests: the real command line in subprocesses, on loopback only."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from assistant.config import ROOT
from assistant.kb import importers
from assistant.types import EntryRecord


def small_kb(folder: Path, records: list[EntryRecord]) -> Path:
    """A knowledge-base folder like the shipped one, with fewer entries (setup imports it)."""
    folder.mkdir(parents=True, exist_ok=True)
    importers.write_kb_jsonl(records, folder / "entries.jsonl")
    for name in ("userdict.tsv", "thesaurus.tsv"):
        shutil.copy(ROOT / "knowledge_base" / name, folder / name)
    return folder


def cli_env(database_url: str, home: Path, kb_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "ASSISTANT_INDEX_DIR": str(home / "index"),
            "ASSISTANT_EMBEDDING_CACHE_DIR": str(home / "embeddings"), "ASSISTANT_KB_DIR": str(kb_dir),
            "PYTHONUNBUFFERED": "1", **extra}


def assistant(*args: str, env: dict[str, str], **kw) -> subprocess.Popen:  # type: ignore[no-untyped-def, type-arg]
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def run(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
