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
from assistant.index.locking import IndexBusy, index_write_lock
from assistant.index.snapshot import (
    IndexHolder,
    Snapshot,
    apply_changes,
    build_snapshot,
    cleanup_temp,
    load_snapshot,
    read_manifest,
    save_snapshot,
    token_cache_of,
)
from assistant.kb import repo
from assistant.text.tokenizer import KoreanTokenizer

log = logging.getLogger(__name__)


class IndexBehind(IndexNotReady):
    """More entries changed since the live snapshot than an incremental update is worth."""


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
        with index_write_lock(self.engine, self.index_dir) as got:
            if got and (removed := cleanup_temp(self.index_dir)):
                log.info("removed %d leftovers of interrupted index saves", len(removed))
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
                    raise IndexBehind(f"{len(ids)} entries changed since the index was built")
                changed = repo.current_records(s, ids, include_retired=True)
            new = apply_changes(snap, changed, self.tokenizer, self.embedder, self.cache, kb_version=version)
            self.holder.swap(new)
            if save:
                self._save(new, wait=0.0, force=False)
            log.info("index at KB version %s: %d entries updated", version, len(ids))
            return ids

    def catch_up(self) -> list[str]:
        """``refresh()``, or a full rebuild in memory when too many entries changed for that."""
        try:
            return self.refresh()
        except IndexBehind as exc:
            log.info("%s: rebuilding in memory", exc)
            return list(self.rebuild(save=False).entry_ids)

    def rebuild(self, progress: Callable[[int], None] | None = None, *, save: bool = True,
                wait: float = 120.0) -> Snapshot:
        """Full build from the database's current entries, swapped in, then saved (waiting up to
        ``wait`` s for the folder's write lock; ``IndexBusy`` if another writer keeps it)."""
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
            self.holder.swap(snap)
            if save and self._save(snap, wait=wait, force=True) is None:
                raise IndexBusy(self.index_dir, wait)
            return snap

    def save(self, *, wait: float = 0.0) -> Path | None:
        """Write the live snapshot unless the folder already holds this KB version or a newer one.

        Returns the snapshot folder, or None when another writer kept the lock for ``wait`` s
        (this process keeps serving from memory; a later save catches up)."""
        with self.holder.lock:
            return self._save(self.holder.snapshot, wait=wait, force=False)

    def _save(self, snap: Snapshot, *, wait: float, force: bool) -> Path | None:
        with index_write_lock(self.engine, self.index_dir, wait=wait) as got:
            if not got:
                log.info("index in %s is being written by another process; serving from memory", self.index_dir)
                return None
            cleanup_temp(self.index_dir)
            if not force:
                try:
                    folder, manifest = read_manifest(self.index_dir)
                    if int(manifest.get("kb_version", -1)) >= snap.kb_version:
                        return folder
                except IndexNotReady:
                    pass
            path = save_snapshot(snap, self.index_dir)
            self.cache.save()
            return path
