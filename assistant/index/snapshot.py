"""An index snapshot: chunks, entry metadata, BM25 and FAISS indexes for one KB version, immutable.

Builders return new snapshots (``build_snapshot``, ``apply_changes``) and ``IndexHolder.swap`` puts
one in place with a single reference assignment, so a search never sees half an index.
Snapshots are saved as folders under ``<index_dir>/snapshots/`` with a manifest holding checksums;
``<index_dir>/CURRENT`` names the last complete one and is replaced atomically.

>>> snap = build_snapshot(records, tokenizer, embedder, cache, kb_version=7)   # doctest: +SKIP
>>> save_snapshot(snap, Path("var/index")); load_snapshot(Path("var/index"), embedder.name)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import IndexNotReady
from assistant.files import leftovers, replace_atomic, replace_folder, sync_path, write_durable
from assistant.index.cache import EmbeddingCache
from assistant.index.dense import DenseIndex
from assistant.index.embedders import Embedder
from assistant.index.lexical import LexicalIndex
from assistant.kb.importers import record_from_json, record_to_json
from assistant.text.chunking import CHUNKER_VERSION, chunk_entry, text_hash
from assistant.text.tokenizer import TOKENIZER_VERSION, KoreanTokenizer
from assistant.types import Chunk, EntryRecord, Region

FORMAT_VERSION = 1
FILES = ("entries.jsonl", "chunks.jsonl", "tokens.json", "dense.faiss")


def chunk_int_id(chunk_id: str) -> int:
    """A stable, positive int64 FAISS id for a chunk id."""
    return int.from_bytes(hashlib.blake2b(chunk_id.encode(), digest_size=8).digest(), "big") >> 1


@dataclass(frozen=True)
class Manifest:
    kb_version: int
    embedder: str
    dim: int
    tokenizer: dict[str, Any]
    chunker: dict[str, Any]
    bm25: dict[str, Any]
    n_entries: int
    n_chunks: int
    built_at: str = ""
    format: int = FORMAT_VERSION
    checksums: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Snapshot:
    """Everything a search needs, aligned by row (= chunk)."""

    manifest: Manifest
    entries: dict[str, EntryRecord]
    chunks: list[Chunk]
    tokens: list[list[str]]
    lexical: LexicalIndex
    dense: DenseIndex
    row_of_id: dict[int, int]
    row_ids: np.ndarray    # FAISS id per row
    row_entry: np.ndarray  # entry ordinal per row
    entry_ids: list[str]   # ordinal -> entry id
    _masks: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, compare=False, repr=False)
    _id_order: list[np.ndarray] = field(default_factory=list, compare=False, repr=False)
    _agency_masks: dict[tuple[str, bool], np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @property
    def kb_version(self) -> int:
        return self.manifest.kb_version

    def rows_of_ids(self, ids: np.ndarray) -> np.ndarray:
        """The rows of FAISS ids (each one of ``row_ids``), vectorised: a sorted copy of the ids is made once."""
        if not self._id_order:
            order = np.argsort(self.row_ids, kind="stable")
            self._id_order.extend([self.row_ids[order], order.astype(np.int64)])
        sorted_ids, rows = self._id_order
        return rows[np.searchsorted(sorted_ids, np.asarray(ids, dtype=np.int64))]

    def region_rows(self, sido: str, sigungu: str) -> np.ndarray:
        """Boolean row mask: national/agency-wide entries, the caller's city, the caller's district."""
        key = (sido, sigungu)
        mask = self._masks.get(key)
        if mask is None:
            region = Region(sido, sigungu)
            ok = np.array([region.covers(self.entries[eid]) for eid in self.entry_ids], dtype=bool)
            mask = ok[self.row_entry] if len(self.row_entry) else np.zeros(0, bool)
            self._masks[key] = mask
        return mask

    def agency_rows(self, agency: str) -> np.ndarray:
        """Boolean row mask: the common layer (entries of no agency) and ``agency``'s own entries."""
        return self._agency_mask(agency, own=True)

    def other_agency_rows(self, agency: str) -> np.ndarray:
        """Boolean row mask: entries of every agency but ``agency`` (the complement of ``agency_rows``)."""
        return self._agency_mask(agency, own=False)

    @cached_property  # a snapshot never changes
    def agencies(self) -> frozenset[str]:
        """The codes of the agencies that have at least one entry in this snapshot."""
        return frozenset(e.agency for e in self.entries.values() if e.agency)

    def _agency_mask(self, agency: str, own: bool) -> np.ndarray:
        key = (agency, own)
        mask = self._agency_masks.get(key)
        if mask is None:
            mine = np.array([self.entries[eid].agency in ("", agency) for eid in self.entry_ids], dtype=bool)
            ok = mine if own else ~mine
            mask = ok[self.row_entry] if len(self.row_entry) else np.zeros(0, bool)
            self._agency_masks[key] = mask
        return mask


def _assemble(manifest: Manifest, entries: dict[str, EntryRecord], chunks: list[Chunk],
              tokens: list[list[str]], vectors: np.ndarray, bm25: LexicalIndex) -> Snapshot:
    entry_ids = sorted(entries)
    ordinal = {eid: i for i, eid in enumerate(entry_ids)}
    ids = np.array([chunk_int_id(c.chunk_id) for c in chunks], dtype=np.int64)
    dense = DenseIndex(manifest.dim).build(vectors, ids)
    return Snapshot(
        manifest=manifest, entries=entries, chunks=chunks, tokens=tokens,
        lexical=bm25.build(tokens), dense=dense,
        row_of_id={int(i): r for r, i in enumerate(ids)},
        row_ids=ids,
        row_entry=np.array([ordinal[c.entry_id] for c in chunks], dtype=np.int32),
        entry_ids=entry_ids,
    )


def _manifest(kb_version: int, embedder: Embedder, tokenizer: KoreanTokenizer, chunk_max_chars: int,
              bm25: LexicalIndex, n_entries: int, n_chunks: int) -> Manifest:
    return Manifest(
        kb_version=kb_version, embedder=embedder.name, dim=embedder.dim, tokenizer=tokenizer.config(),
        chunker={"version": CHUNKER_VERSION, "max_chars": chunk_max_chars}, bm25=bm25.params(),
        n_entries=n_entries, n_chunks=n_chunks,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _chunks_for(records: Iterable[EntryRecord], max_chars: int) -> list[Chunk]:
    return [c for r in records for c in chunk_entry(r, max_chars)]


def build_snapshot(
    records: Sequence[EntryRecord],
    tokenizer: KoreanTokenizer,
    embedder: Embedder,
    cache: EmbeddingCache,
    *,
    kb_version: int,
    chunk_max_chars: int = 600,
    token_cache: dict[str, list[str]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Snapshot:
    """A full build. Only text missing from ``cache`` is embedded; tokens are reused by text hash."""
    active = {r.entry_id: r for r in records if r.status == "active"}
    chunks = _chunks_for(active.values(), chunk_max_chars)
    texts = [c.text for c in chunks]
    tokens = _tokens_for(texts, tokenizer, token_cache or {})
    vectors = cache.embed(embedder, texts, progress=progress)
    bm25 = LexicalIndex()
    manifest = _manifest(kb_version, embedder, tokenizer, chunk_max_chars, bm25, len(active), len(chunks))
    return _assemble(manifest, active, chunks, tokens, vectors, bm25)


def _tokens_for(texts: Sequence[str], tokenizer: KoreanTokenizer, known: dict[str, list[str]]) -> list[list[str]]:
    hashes = [text_hash(t) for t in texts]
    todo = [i for i, h in enumerate(hashes) if h not in known]
    fresh = tokenizer.tokenize_many([texts[i] for i in todo]) if todo else []
    out: list[list[str]] = [known.get(h, []) for h in hashes]
    for i, toks in zip(todo, fresh, strict=True):
        out[i] = toks
    return out


def apply_changes(
    snap: Snapshot,
    changed: Sequence[EntryRecord],
    tokenizer: KoreanTokenizer,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    *,
    kb_version: int,
) -> Snapshot:
    """A new snapshot with ``changed`` entries replaced (retired ones removed, new ones added).

    Only the changed entries are chunked, tokenized and embedded; BM25 statistics are recomputed
    from the cached token lists of every other chunk so scores stay exactly those of a full build."""
    ids = {r.entry_id for r in changed}
    keep = [i for i, c in enumerate(snap.chunks) if c.entry_id not in ids]
    entries = {k: v for k, v in snap.entries.items() if k not in ids}
    alive = [r for r in changed if r.status == "active"]
    entries.update({r.entry_id: r for r in alive})
    new_chunks = _chunks_for(alive, snap.manifest.chunker["max_chars"])
    texts = [c.text for c in new_chunks]
    new_tokens = tokenizer.tokenize_many(texts) if texts else []
    if not texts:
        new_vecs = np.zeros((0, snap.manifest.dim), np.float32)
    elif cache is not None:
        new_vecs = cache.embed(embedder, texts, persist=False)  # saved with the snapshot, off the edit path
    else:
        new_vecs = embedder.embed(texts, kind="passage")
    old_vecs = snap.dense.vectors()
    chunks = [snap.chunks[i] for i in keep] + new_chunks
    tokens = [snap.tokens[i] for i in keep] + new_tokens
    vectors = np.vstack([old_vecs[keep], new_vecs]) if len(keep) else new_vecs
    m = snap.manifest
    manifest = Manifest(
        kb_version=kb_version, embedder=m.embedder, dim=m.dim, tokenizer=m.tokenizer, chunker=m.chunker,
        bm25=m.bm25, n_entries=len(entries), n_chunks=len(chunks),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    bm25 = LexicalIndex(k1=m.bm25["k1"], b=m.bm25["b"], method=m.bm25["method"])
    return _assemble(manifest, entries, chunks, tokens, vectors, bm25)


# ------------------------------------------------------------------ persistence
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cleanup_temp(index_dir: Path) -> list[str]:
    """Remove what an interrupted save left behind (``files.leftovers`` of the snapshots, CURRENT's
    temporary file).

    Loading never looks at them; call this only while holding the folder's write lock, since a
    temporary folder may be another writer's save in progress."""
    removed = []
    found = leftovers(index_dir / "snapshots")
    found += [p for p in [index_dir / "CURRENT.tmp", *index_dir.glob(".CURRENT.*.tmp")] if p.exists()]
    for p in found:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed


def save_snapshot(snap: Snapshot, index_dir: Path, keep: int = 3) -> Path:
    """Write the snapshot to a new folder, then point CURRENT at it (atomic rename)."""
    snaps = index_dir / "snapshots"
    snaps.mkdir(parents=True, exist_ok=True)
    name = f"kb{snap.kb_version:010d}-{time.time_ns()}"

    def fill(tmp: Path) -> None:
        entries_out = []
        for eid in snap.entry_ids:
            e = snap.entries[eid]
            entries_out.append(json.dumps({**record_to_json(e), "version": e.version}, ensure_ascii=False))
        write_durable(tmp / "entries.jsonl", "\n".join(entries_out) + "\n")
        write_durable(tmp / "chunks.jsonl", "\n".join(
            json.dumps([c.chunk_id, c.entry_id, c.ordinal, c.section, c.text], ensure_ascii=False)
            for c in snap.chunks) + "\n")
        write_durable(tmp / "tokens.json", json.dumps(snap.tokens, ensure_ascii=False))
        snap.dense.save(tmp / "dense.faiss")
        sync_path(tmp / "dense.faiss")
        manifest = snap.manifest.as_dict()
        manifest["checksums"] = {f: _sha256(tmp / f) for f in FILES}
        write_durable(tmp / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))

    final = snaps / name
    replace_folder(final, fill)  # cleanup_temp sweeps what a crash leaves of it
    replace_atomic(index_dir / "CURRENT", name)
    others = sorted(p for p in snaps.iterdir() if p.name.startswith("kb") and p.name != name)
    for old in others[:max(0, len(others) - (keep - 1))]:  # never the folder CURRENT now names
        shutil.rmtree(old, ignore_errors=True)
    return final


def read_manifest(index_dir: Path) -> tuple[Path, dict[str, Any]]:
    current = index_dir / "CURRENT"
    if not current.exists():
        raise IndexNotReady(f"no index in {index_dir}")
    folder = index_dir / "snapshots" / current.read_text(encoding="utf-8").strip()
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexNotReady(f"index manifest in {folder} is missing or unreadable ({exc})") from exc
    return folder, manifest


def check_manifest(manifest: dict[str, Any], embedder_name: str, tokenizer_version: str = TOKENIZER_VERSION,
                   chunker_version: str = CHUNKER_VERSION) -> None:
    problems = []
    if manifest.get("format") != FORMAT_VERSION:
        problems.append(f"index format {manifest.get('format')} is not {FORMAT_VERSION}")
    if manifest.get("embedder") != embedder_name:
        problems.append(f"index was embedded with {manifest.get('embedder')!r}, the configured embedder is {embedder_name!r}")
    if manifest.get("tokenizer", {}).get("version") != tokenizer_version:
        problems.append(f"index tokenizer {manifest.get('tokenizer', {}).get('version')!r} is not {tokenizer_version!r}")
    if manifest.get("chunker", {}).get("version") != chunker_version:
        problems.append(f"index chunker {manifest.get('chunker', {}).get('version')!r} is not {chunker_version!r}")
    if problems:
        raise IndexNotReady("; ".join(problems))


def load_snapshot(index_dir: Path, embedder_name: str) -> tuple[Snapshot, KoreanTokenizer]:
    """Load and verify the current snapshot; returns it with the tokenizer it was built with."""
    folder, raw = read_manifest(index_dir)
    check_manifest(raw, embedder_name)
    for f in FILES:
        path = folder / f
        if not path.exists():
            raise IndexNotReady(f"index file {path} is missing")
        if raw.get("checksums", {}).get(f) != _sha256(path):
            raise IndexNotReady(f"index file {path} is corrupt (checksum mismatch)")
    try:
        entries: dict[str, EntryRecord] = {}
        for line in (folder / "entries.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                rec = record_from_json(d)
                entries[rec.entry_id] = dataclasses.replace(rec, version=int(d.get("version", 0)))
        chunks = [Chunk(*json.loads(line)) for line in
                  (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        tokens = json.loads((folder / "tokens.json").read_text(encoding="utf-8"))
        dense = DenseIndex.load(folder / "dense.faiss")
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexNotReady(f"index in {folder} cannot be read ({exc})") from exc
    raw_fields = {k: v for k, v in raw.items() if k in Manifest.__dataclass_fields__}
    manifest = Manifest(**raw_fields)
    if len(chunks) != len(tokens) or len(chunks) != len(dense) or dense.dim != manifest.dim:
        raise IndexNotReady(f"index files in {folder} disagree in size")
    bm25 = LexicalIndex(k1=manifest.bm25["k1"], b=manifest.bm25["b"], method=manifest.bm25["method"])
    vectors = dense.vectors()
    snap = _assemble(manifest, entries, chunks, tokens, vectors, bm25)
    return snap, KoreanTokenizer.from_config(manifest.tokenizer)


def token_cache_of(snap: Snapshot) -> dict[str, list[str]]:
    return {text_hash(c.text): t for c, t in zip(snap.chunks, snap.tokens, strict=True)}


class IndexHolder:
    """Holds the live snapshot; ``swap`` replaces it atomically, ``lock`` serialises writers.

    >>> holder = IndexHolder(snap); holder.snapshot.kb_version     # doctest: +SKIP
    """

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self._snapshot = snapshot
        self.lock = threading.Lock()

    @property
    def snapshot(self) -> Snapshot:
        snap = self._snapshot
        if snap is None:
            raise IndexNotReady("no index loaded")
        return snap

    @property
    def ready(self) -> bool:
        return self._snapshot is not None

    def swap(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
