"""Keeps the live index snapshot in step with the knowledge base.

``load`` opens the saved snapshot (checking its manifest) and catches up with edits made since
it was built; ``refresh`` applies new edits incrementally; ``rebuild`` does a full build that
reuses cached embeddings and tokens.

>>> manager = IndexManager(engine, Path("var/index"), embedder, cache)   # doctest: +SKIP
>>> manager.load(); manager.refresh()                                    # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.errors import IndexNotReady
from assistant.index.cache import EmbeddingCache
from assistant.index.embedders import Embedder
from assistant.index.snapshot import (
    IndexHolder,
    Snapshot,
    apply_changes,
    build_snapshot,
    load_snapshot,
    read_manifest,
    save_snapshot,
    token_cache_of,
)
from assistant.kb import repo
from assistant.text.tokenizer import KoreanTokenizer

log = logging.getLogger(__name__)


class IndexManager:
    """Owns the ``IndexHolder``; the only writer of index snapshots in a process."""

    def __init__(self, engine: Engine, index_dir: Path, embedder: Embedder, cache: EmbeddingCache,
                 *, chunk_max_chars: int = 600, max_catch_up: int = 2000,
                 user_words: list[tuple[str, str, str]] | None = None) -> None:
        self.engine, self.index_dir, self.embedder, self.cache = engine, index_dir, embedder, cache
        self.chunk_max_chars, self.max_catch_up = chunk_max_chars, max_catch_up
        self.holder = IndexHolder()
        self.tokenizer = KoreanTokenizer(user_words or [])
        self._configured_words = [list(w) for w in self.tokenizer.user_words]

    def kb_version(self) -> int:
        with Session(self.engine) as s:
            return repo.kb_version(s)

    def load(self) -> Snapshot:
        """Open the saved snapshot and apply edits made after it was built (a clear error if too many)."""
        snap, tokenizer = load_snapshot(self.index_dir, self.embedder.name)
        if [list(w) for w in tokenizer.user_words] != self._configured_words:
            raise IndexNotReady("the user dictionary changed since the index was built")
        self.tokenizer = tokenizer
        self.holder.swap(snap)
        self.refresh()
        return self.holder.snapshot

    def refresh(self, *, save: bool = False) -> list[str]:
        """Apply every entry changed since the live snapshot's KB version; returns their ids."""
        with self.holder.lock:
            snap = self.holder.snapshot
            with Session(self.engine) as s:
                version = repo.kb_version(s)
                if version == snap.kb_version:
                    return []
                if version < snap.kb_version:
                    raise IndexNotReady(
                        f"index was built from KB version {snap.kb_version} but the database is at {version} "
                        "(another database?)")
                ids = repo.changed_since(s, snap.kb_version)
                if len(ids) > self.max_catch_up:
                    raise IndexNotReady(f"{len(ids)} entries changed since the index was built")
                changed = repo.current_records(s, ids, include_retired=True)
            new = apply_changes(snap, changed, self.tokenizer, self.embedder, self.cache, kb_version=version)
            self.holder.swap(new)
            if save:
                save_snapshot(new, self.index_dir)
                self.cache.save()
            log.info("index at KB version %s: %d entries updated", version, len(ids))
            return ids

    def rebuild(self, progress: Callable[[int], None] | None = None) -> Snapshot:
        """Full build from the database's current entries, then save and swap it in."""
        with self.holder.lock:
            token_cache: dict[str, list[str]] = {}
            self.tokenizer = KoreanTokenizer(self._configured_words)
            try:
                folder, manifest = read_manifest(self.index_dir)
                old = self.holder._snapshot or load_snapshot(self.index_dir, self.embedder.name)[0]
                if manifest.get("tokenizer") == self.tokenizer.config():
                    token_cache = token_cache_of(old)
            except IndexNotReady:
                pass
            with Session(self.engine) as s:
                version = repo.kb_version(s)
                records = repo.current_records(s)
            snap = build_snapshot(records, self.tokenizer, self.embedder, self.cache, kb_version=version,
                                  chunk_max_chars=self.chunk_max_chars, token_cache=token_cache,
                                  progress=progress)
            save_snapshot(snap, self.index_dir)
            self.holder.swap(snap)
            return snap

    def save(self) -> Path:
        with self.holder.lock:
            path = save_snapshot(self.holder.snapshot, self.index_dir)
            self.cache.save()
            return path
