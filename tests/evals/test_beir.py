import json

import pytest

from assistant.evals.beir import query_line, read_beir, write_beir
from assistant.evals.datasets import DatasetError, EvalQuery, load_queries
from assistant.types import EntryRecord, Scope

pytestmark = pytest.mark.unit

QS = [EvalQuery("q1", "기초연금 신청", "서울특별시 강남구", ("e1", "e2"), "direct", "ko", ("월 최대",)),
      EvalQuery("q2", "여권 재발급", None, (), "oos", "ko", ())]
CORPUS = [EntryRecord("e1", "기초연금", "본문", Scope.national, version=3)]


def test_export_writes_beir_layout(tmp_path):
    counts = write_beir(tmp_path, QS, CORPUS)
    assert counts == {"queries": 2, "qrels": 2, "corpus": 1}
    qrels = (tmp_path / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()
    assert qrels == ["query-id\tcorpus-id\tscore", "q1\te1\t1", "q1\te2\t1"]
    doc = json.loads((tmp_path / "corpus.jsonl").read_text(encoding="utf-8"))
    assert doc["_id"] == "e1" and doc["title"] == "기초연금" and doc["metadata"]["version"] == 3


def test_round_trip_keeps_every_field_and_out_of_kb_questions(tmp_path):
    write_beir(tmp_path, QS)
    back, skipped = read_beir(tmp_path)
    assert back == QS and skipped == 0
    f = tmp_path / "q.jsonl"
    f.write_text("".join(query_line(q) + "\n" for q in back), encoding="utf-8")
    assert load_queries(f) == QS


def test_foreign_beir_queries_without_judgements_are_skipped(tmp_path):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "queries.jsonl").write_text('{"_id": "1", "text": "a"}\n{"_id": "2", "text": "b"}\n', encoding="utf-8")
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\tdocA\t2\n", encoding="utf-8")
    qs, skipped = read_beir(tmp_path)
    assert [(q.qid, q.gold, q.type) for q in qs] == [("1", ("docA",), "beir")] and skipped == 1


@pytest.mark.parametrize("queries, qrels, msg", [
    (None, "query-id\tcorpus-id\tscore\n", "not found"),
    ('{"_id": "1"}\n', "1\td\t1\n", "needs"),
    ("not json\n", "1\td\t1\n", "not JSON"),
    ('{"_id": "1", "text": "a"}\n', "1\td\n", "expected query-id"),
    ('{"_id": "1", "text": "a"}\n', "1\td\tx\n", "not a number"),
])
def test_malformed_beir_folders_give_clear_errors(tmp_path, queries, qrels, msg):
    (tmp_path / "qrels").mkdir()
    if queries is not None:
        (tmp_path / "queries.jsonl").write_text(queries, encoding="utf-8")
    (tmp_path / "qrels" / "test.tsv").write_text(qrels, encoding="utf-8")
    with pytest.raises(DatasetError, match=msg):
        read_beir(tmp_path)


@pytest.mark.parametrize("facts", ['"월 20만 원"', '[1]', '[""]'])
def test_query_files_reject_malformed_key_facts(tmp_path, facts):
    f = tmp_path / "q.jsonl"
    f.write_text('{"qid": "a", "question": "x", "gold": ["e"], "key_facts": ' + facts + "}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="line 1: key_facts"):
        load_queries(f)
