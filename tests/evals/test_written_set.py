"""The team's written set is training data: it must load, name real entries, and share no gold entry
with the held-out sets (training on it would otherwise teach the ranker the held-out answers)."""

import json
from pathlib import Path

from assistant.config import ROOT
from assistant.evals.datasets import load_queries

EVALS = ROOT / "evals"


def _gold(path: Path) -> set[str]:
    return {g for q in load_queries(path) for g in q.gold}


def test_written_set_loads_and_names_shipped_entries():
    queries = load_queries(EVALS / "written" / "queries.jsonl")
    shipped = {json.loads(line)["entry_id"] for line in (ROOT / "knowledge_base" / "entries.jsonl").open()}
    assert queries and len({q.qid for q in queries}) == len(queries)
    assert {g for q in queries for g in q.gold} <= shipped
    assert any(not q.gold for q in queries) and any(q.gold for q in queries)


def test_written_set_shares_no_gold_with_the_held_out_sets():
    held_out = _gold(EVALS / "fresh" / "queries.jsonl") | _gold(EVALS / "regression" / "queries.jsonl")
    assert not _gold(EVALS / "written" / "queries.jsonl") & held_out
