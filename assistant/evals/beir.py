"""BEIR interop: our query files and knowledge base as BEIR's ``corpus.jsonl`` / ``queries.jsonl`` /
``qrels/<split>.tsv``, and BEIR queries + qrels back into our query format.

Our fields BEIR has no place for (region, type, language, key facts, "not in the KB") travel in each
query's ``metadata``, so an export imports back unchanged. A BEIR query without qrels rows is not
judged; it is skipped on import unless its metadata says it is out of the knowledge base.

>>> q = EvalQuery("q1", "기초연금", None, ("e1",), "direct", "ko", ("월 최대",))
>>> query_from_beir(beir_query(q), {"e1": 1}) == q
True
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from assistant.evals.datasets import DatasetError, EvalQuery
from assistant.types import EntryRecord


def corpus_doc(e: EntryRecord) -> dict[str, Any]:
    return {"_id": e.entry_id, "title": e.title, "text": e.content,
            "metadata": {"scope": str(e.scope), "sido": e.sido, "sigungu": e.sigungu, "version": e.version,
                         "department": e.department, "contact": e.contact}}


def beir_query(q: EvalQuery) -> dict[str, Any]:
    return {"_id": q.qid, "text": q.question,
            "metadata": {"region": q.region, "type": q.type, "lang": q.lang, "key_facts": list(q.key_facts),
                         "out_of_kb": not q.gold}}


def query_from_beir(d: dict[str, Any], rels: dict[str, int]) -> EvalQuery:
    meta = d.get("metadata") or {}
    return EvalQuery(
        qid=str(d["_id"]), question=str(d["text"]), region=meta.get("region") or None,
        gold=tuple(e for e, v in rels.items() if v > 0),
        type=str(meta.get("type") or "beir"), lang=str(meta.get("lang") or "ko"),
        key_facts=tuple(meta.get("key_facts") or ()),
    )


def _jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_beir(out: Path, queries: Sequence[EvalQuery], corpus: Iterable[EntryRecord] | None = None, *,
               split: str = "test") -> dict[str, int]:
    """Write ``queries.jsonl``, ``qrels/<split>.tsv`` and (when given) ``corpus.jsonl`` under ``out``."""
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    counts = {"queries": _jsonl(out / "queries.jsonl", (beir_query(q) for q in queries))}
    with (out / "qrels" / f"{split}.tsv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["query-id", "corpus-id", "score"])
        counts["qrels"] = 0
        for q in queries:
            for g in q.gold:
                w.writerow([q.qid, g, 1])
                counts["qrels"] += 1
    if corpus is not None:
        counts["corpus"] = _jsonl(out / "corpus.jsonl", (corpus_doc(e) for e in corpus))
    return counts


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read qrels {path}: {exc}") from exc
    qrels: dict[str, dict[str, int]] = {}
    for i, line in enumerate(lines, start=1):
        if not line.strip() or (i == 1 and line.lower().startswith("query-id")):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise DatasetError(f"{path} line {i}: expected query-id<TAB>corpus-id<TAB>score")
        try:
            score = int(float(parts[2]))
        except ValueError as exc:
            raise DatasetError(f"{path} line {i}: score {parts[2]!r} is not a number") from exc
        qrels.setdefault(parts[0], {})[parts[1]] = score
    return qrels


def read_beir(folder: Path, *, split: str = "test") -> tuple[list[EvalQuery], int]:
    """Queries of ``folder`` in our format, and how many were skipped for having no judgement."""
    qpath, rpath = folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv"
    for p in (qpath, rpath):
        if not p.is_file():
            raise DatasetError(f"{p} not found: a BEIR folder has queries.jsonl and qrels/{split}.tsv")
    qrels = read_qrels(rpath)
    try:
        lines = qpath.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {qpath}: {exc}") from exc
    out, skipped, seen = [], 0, set()
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except ValueError as exc:
            raise DatasetError(f"{qpath} line {i}: not JSON ({exc})") from exc
        if not isinstance(d, dict) or "_id" not in d or not isinstance(d.get("text"), str) or not d["text"].strip():
            raise DatasetError(f"{qpath} line {i}: a BEIR query needs \"_id\" and non-empty \"text\"")
        qid = str(d["_id"])
        if qid in seen:
            raise DatasetError(f"{qpath} line {i}: duplicate _id {qid!r}")
        seen.add(qid)
        rels = qrels.get(qid, {})
        if not any(v > 0 for v in rels.values()) and not (d.get("metadata") or {}).get("out_of_kb"):
            skipped += 1
            continue
        out.append(query_from_beir(d, rels))
    if not out:
        raise DatasetError(f"{folder}: no judged queries for split {split!r}")
    return out, skipped


def query_line(q: EvalQuery) -> str:
    return json.dumps({"qid": q.qid, "question": q.question, "region": q.region, "gold": list(q.gold),
                       "type": q.type, "lang": q.lang, "key_facts": list(q.key_facts)}, ensure_ascii=False)
