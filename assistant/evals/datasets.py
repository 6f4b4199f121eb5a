"""Query files (one JSON object per line) and their conversion to BEIR's queries / qrels.

>>> q = parse_query_line('{"qid": "q1", "question": "기초연금", "region": null, "gold": ["a"]}', 1)
>>> q.gold
('a',)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError


class DatasetError(AssistantError):
    pass


@dataclass(frozen=True)
class EvalQuery:
    qid: str
    question: str
    region: str | None
    gold: tuple[str, ...]
    type: str = "unknown"
    lang: str = "ko"
    key_facts: tuple[str, ...] = ()

    @property
    def in_kb(self) -> bool:
        return bool(self.gold)


def parse_query_line(line: str, lineno: int) -> EvalQuery:
    try:
        d = json.loads(line)
    except ValueError as exc:
        raise DatasetError(f"line {lineno}: not JSON ({exc})") from exc
    if not isinstance(d, dict):
        raise DatasetError(f"line {lineno}: not a JSON object")
    missing = [k for k in ("qid", "question", "gold") if k not in d]
    if missing:
        raise DatasetError(f"line {lineno}: missing {', '.join(missing)}")
    if not isinstance(d["gold"], list) or not all(isinstance(g, str) for g in d["gold"]):
        raise DatasetError(f"line {lineno}: gold must be a list of entry ids")
    facts = d.get("key_facts")
    if facts is not None and (not isinstance(facts, list) or not all(isinstance(f, str) and f.strip() for f in facts)):
        raise DatasetError(f"line {lineno}: key_facts must be a list of non-empty texts")
    if not isinstance(d["question"], str) or not d["question"].strip():
        raise DatasetError(f"line {lineno}: question must be non-empty text")
    return EvalQuery(
        qid=str(d["qid"]), question=d["question"], region=d.get("region") or None,
        gold=tuple(d["gold"]), type=str(d.get("type") or "unknown"), lang=str(d.get("lang") or "ko"),
        key_facts=tuple(d.get("key_facts") or ()),
    )


def load_queries(path: Path) -> list[EvalQuery]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    queries = [parse_query_line(line, i) for i, line in enumerate(lines, start=1) if line.strip()]
    seen: set[str] = set()
    for q in queries:
        if q.qid in seen:
            raise DatasetError(f"{path}: duplicate qid {q.qid!r}")
        seen.add(q.qid)
    if not queries:
        raise DatasetError(f"{path}: no queries")
    return queries


def to_qrels(queries: list[EvalQuery]) -> dict[str, dict[str, int]]:
    return {q.qid: {g: 1 for g in q.gold} for q in queries if q.gold}
