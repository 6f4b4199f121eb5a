"""Entries → section-aware chunks with stable ids (``<entry_id>#<ordinal>``).

Each chunk repeats the entry's title and region so it stands on its own for both indexes.

>>> from assistant.types import EntryRecord, Scope
>>> e = EntryRecord(entry_id="x", title="출산장려금", content="대상은 ...\\n\\n신청은 ...", scope=Scope.national)
>>> [c.chunk_id for c in chunk_entry(e)]
['x#0', 'x#1']
"""

from __future__ import annotations

import hashlib
import re

from assistant.text.sentences import split_sentences
from assistant.types import Chunk, EntryRecord

CHUNKER_VERSION = "title+sections-v3"  # v3: long paragraphs cut at the shared sentence splitter's ends

SECTION_KEYWORDS = (
    ("문의", ("문의", "전화번호", "연락처")),
    ("신청방법", ("신청방법", "신청 방법", "신청할 수", "신청하")),
    ("대상", ("대상은", "대상:", "받을 수 있", "대상자")),
    ("내용", ("내용은", "지원내용", "지원 내용", "지원합니다", "지원한다")),
)


def section_of(paragraph: str) -> str:
    for name, keys in SECTION_KEYWORDS:
        if any(k in paragraph[:120] for k in keys):
            return name
    return "본문"


def header(entry: EntryRecord) -> str:
    region = entry.region_label
    return f"[{region}] {entry.title}" if region != "전국" else entry.title


def _paragraphs(content: str) -> list[str]:
    paras = [p.strip() for p in re.split(r"\n\s*\n", content) if p.strip()]
    return paras or [content.strip()]


def _split_long(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    out, cur = [], ""
    for s in split_sentences(text):
        if cur and len(cur) + len(s) + 1 > max_chars:
            out.append(cur)
            cur = s
        else:
            cur = f"{cur} {s}".strip()
    if cur:
        out.append(cur)
    return [piece[i:i + max_chars] for piece in out for i in range(0, len(piece), max_chars)]


def chunk_entry(entry: EntryRecord, max_chars: int = 600) -> list[Chunk]:
    """Chunk 0 is the title alone (callers often name the service: a short, precise target for
    both indexes); then short entries are one chunk, long ones grouped paragraph by paragraph
    up to ``max_chars``."""
    head = header(entry)
    title = Chunk(f"{entry.entry_id}#0", entry.entry_id, 0, "제목", head)
    body = entry.content.strip()
    if len(body) <= max_chars:
        return [title, Chunk(f"{entry.entry_id}#1", entry.entry_id, 1, "전체", f"{head}\n{body}")]
    groups: list[tuple[str, str]] = []
    for para in _paragraphs(body):
        for piece in _split_long(para, max_chars):
            sec = section_of(piece)
            if groups and len(groups[-1][1]) + len(piece) + 1 <= max_chars:
                groups[-1] = (groups[-1][0], groups[-1][1] + "\n" + piece)
            else:
                groups.append((sec, piece))
    return [title] + [Chunk(f"{entry.entry_id}#{i}", entry.entry_id, i, sec, f"{head}\n{text}")
                      for i, (sec, text) in enumerate(groups, start=1)]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
