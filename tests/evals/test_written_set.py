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


def test_the_second_fresh_set_is_disjoint_from_every_other_set_and_its_key_facts_are_verbatim():
    """evals/fresh2 is held out: no gold entry of it is gold anywhere else (train, dev, regression, fresh,
    written), and each key fact is a verbatim part of every gold entry, as its README says."""
    queries = load_queries(EVALS / "fresh2" / "queries.jsonl")
    entries = {e["entry_id"]: e for e in map(json.loads, (ROOT / "knowledge_base" / "entries.jsonl").open())}
    assert queries and len({q.qid for q in queries}) == len(queries)
    others = (_gold(ROOT.parent / "shared" / "data" / "train" / "questions.jsonl") | _gold(EVALS / "dev" / "queries.jsonl")
              | _gold(EVALS / "dev" / "national_with_region.jsonl") | _gold(EVALS / "regression" / "queries.jsonl")
              | _gold(EVALS / "fresh" / "queries.jsonl") | _gold(EVALS / "written" / "queries.jsonl"))
    assert not _gold(EVALS / "fresh2" / "queries.jsonl") & others
    for q in queries:
        for g in q.gold:
            e = entries[g]
            text = "\n".join([e["title"], e["content"], e.get("department") or "", e.get("contact") or ""])
            assert all(f in text for f in q.key_facts), q.qid
    assert any(not q.gold for q in queries) and {q.lang for q in queries} >= {"ko", "en", "zh", "vi", "ja", "mn"}
