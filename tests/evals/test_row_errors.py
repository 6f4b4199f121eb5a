"""One bad question must not abort an evaluation: it is reported (qid, reason) and the rest scored,
through `assistant eval run`, `assistant eval retrieval` and the evaluation queue alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.evals.datasets import load_queries
from assistant.evals.retrieval import evaluate_retrieval
from assistant.evals.runner import RunError, evaluate_answers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def env(built_runtime) -> dict[str, str]:
    s = built_runtime.settings
    return {"DATABASE_URL": s.database_url, "ASSISTANT_INDEX_DIR": str(s.index_dir),
            "ASSISTANT_EMBEDDING_CACHE_DIR": str(s.embedding_cache_dir)}


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory, subset_records) -> dict[str, Path]:
    national = [r for r in subset_records if r.entry_id.startswith("mohw:")][:3]
    good = [{"qid": f"ok{i}", "question": f"{r.title} 알려주세요", "region": "서울특별시 중구", "gold": [r.entry_id],
             "type": "direct", "lang": "ko", "key_facts": []} for i, r in enumerate(national)]
    bad = [{"qid": "bad-region", "question": "기초연금 신청", "region": "아틀란티스", "gold": [national[0].entry_id],
            "type": "direct", "lang": "ko", "key_facts": []},
           {"qid": "ambiguous-region", "question": "출산장려금", "region": "중구", "gold": [national[1].entry_id],
            "type": "direct", "lang": "ko", "key_facts": []}]
    d = tmp_path_factory.mktemp("rowerr")
    return {"good": write(d / "good.jsonl", good), "mixed": write(d / "mixed.jsonl", good[:1] + bad[:1] + good[1:] + bad[1:]),
            "all_bad": write(d / "bad.jsonl", bad)}


def test_answers_score_the_good_rows_and_report_the_bad(built_runtime, files):
    good_rows, good = evaluate_answers(built_runtime.advisor, load_queries(files["good"]), top_k=5)
    rows, summary = evaluate_answers(built_runtime.advisor, load_queries(files["mixed"]), top_k=5)
    assert [r["qid"] for r in rows] == [r["qid"] for r in good_rows]
    assert [e["qid"] for e in summary["errors"]] == ["bad-region", "ambiguous-region"]
    assert "UnknownRegion" in summary["errors"][0]["reason"] and "아틀란티스" in summary["errors"][0]["reason"]
    assert summary["retrieval"]["overall"] == good["retrieval"]["overall"]  # the bad rows count nowhere
    assert good["errors"] == []


def test_retrieval_scores_the_good_rows_and_reports_the_bad(built_runtime, files):
    good = evaluate_retrieval(built_runtime.retriever, load_queries(files["good"]), top_k=5)
    mixed = evaluate_retrieval(built_runtime.retriever, load_queries(files["mixed"]), top_k=5)
    assert mixed["overall"] == good["overall"] and mixed["n_queries"] == good["n_queries"]
    assert [e["qid"] for e in mixed["errors"]] == ["bad-region", "ambiguous-region"]


def test_a_set_with_no_good_row_is_a_clear_error(built_runtime, files):
    with pytest.raises(RunError, match="bad-region"):
        evaluate_answers(built_runtime.advisor, load_queries(files["all_bad"]), top_k=5)


def test_the_cli_reports_bad_rows_and_records_them_in_the_run(env, files, tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["eval", "run", "--queries", str(files["mixed"]), "--out", str(tmp_path / "run"), "--json"],
                      env=env)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert [e["qid"] for e in summary["errors"]] == ["bad-region", "ambiguous-region"]
    meta = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert [e["qid"] for e in meta["summary"]["errors"]] == ["bad-region", "ambiguous-region"]
    assert "bad-region" in r.stderr
    r = runner.invoke(app, ["eval", "retrieval", "--queries", str(files["mixed"]), "--json"], env=env)
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["n_queries"] == 3 and [e["qid"] for e in report["errors"]] == ["bad-region", "ambiguous-region"]
