"""`assistant eval run / compare / report / export-beir / import-beir` over the shared test runtime."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.evals.datasets import load_queries
from assistant.evals.runner import RunError, evaluate_answers

pytestmark = pytest.mark.integration


def without_latency(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: without_latency(v) for k, v in x.items() if k != "latency_ms"}
    return x


@pytest.fixture(scope="module")
def env(built_runtime) -> dict[str, str]:
    s = built_runtime.settings
    return {"DATABASE_URL": s.database_url, "ASSISTANT_INDEX_DIR": str(s.index_dir),
            "ASSISTANT_EMBEDDING_CACHE_DIR": str(s.embedding_cache_dir)}


@pytest.fixture(scope="module")
def query_file(tmp_path_factory, subset_records) -> Path:
    from assistant.text.sentences import split_sentences

    gangnam = [r for r in subset_records if r.sigungu == "강남구"][:3]
    national = [r for r in subset_records if r.entry_id.startswith("mohw:")][:3]
    rows = [{"qid": f"k{i}", "question": f"{r.title} 알려주세요", "region": "서울특별시 강남구" if r.sigungu else None,
             "gold": [r.entry_id], "type": "direct", "lang": "ko", "key_facts": [split_sentences(r.content)[0][:20]]}
            for i, r in enumerate(gangnam + national)]
    rows.append({"qid": "o1", "question": "여권 재발급은 어디서 하나요", "region": None, "gold": [], "type": "oos",
                 "lang": "ko", "key_facts": []})
    rows.append({"qid": "f1", "question": "How do I apply for a childbirth grant?", "region": "서울특별시 중구",
                 "gold": [gangnam[0].entry_id], "type": "foreign", "lang": "en", "key_facts": ["없는 사실"]})
    path = tmp_path_factory.mktemp("q") / "q.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def invoke(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, list(args), env=env)


def test_reruns_score_identically(built_runtime, query_file):
    qs = load_queries(query_file)
    rows1, s1 = evaluate_answers(built_runtime.advisor, qs, top_k=10)
    rows2, s2 = evaluate_answers(built_runtime.advisor, qs, top_k=10)
    assert without_latency(s1) == without_latency(s2)
    assert [without_latency(r) for r in rows1] == [without_latency(r) for r in rows2]


def test_eval_run_writes_results_and_what_it_ran_on(env, query_file, tmp_path):
    out = tmp_path / "runs" / "r1"
    r = invoke(env, "eval", "run", "--queries", str(query_file), "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    printed = json.loads(r.stdout)
    assert {"retrieval", "answer"} <= set(printed)
    assert {"overall", "by_type", "by_lang", "latency_ms", "n_queries"} <= set(printed["retrieval"])
    for key in ("key_fact_coverage", "citation_precision", "citation_recall", "grounded_sentence_rate",
                "numeric_exactness", "abstention_precision", "abstention_recall", "false_abstention_rate"):
        assert key in printed["answer"] and key in printed["answer"]["overall"]
    assert {"p50", "p95"} == set(printed["answer"]["latency_ms"])
    assert {"direct", "oos", "foreign"} == set(printed["answer"]["by_type"])
    assert {"by_lang", "by_region"} <= set(printed["answer"])
    ci = printed["intervals"]  # each headline score with its 95% interval over these questions
    assert ci["retrieval.hit@1"]["score"] == printed["retrieval"]["overall"]["hit@1"]
    assert ci["answer.key_fact_coverage"]["score"] == printed["answer"]["key_fact_coverage"]
    assert all(v["low"] <= v["score"] <= v["high"] for v in ci.values()) and ci["retrieval.mrr@10"]["n"] == 7
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for key in ("kb_version", "index_manifest", "embedder", "generators", "prompt_version", "code", "dataset"):
        assert meta[key] not in (None, "", {}), key
    assert len(meta["dataset"]["sha256"]) == 64 and "package" in meta["code"]
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["qid"] for x in rows] == [q.qid for q in load_queries(query_file)]
    assert all(c["version"] >= 1 for x in rows for c in x["citations"])
    # a second identical run scores the same, and refuses to overwrite the first
    again = invoke(env, "eval", "run", "--queries", str(query_file), "--out", str(out), "--json")
    assert isinstance(again.exception, RunError) and "already holds a run" in str(again.exception)
    r2 = invoke(env, "eval", "run", "--queries", str(query_file), "--out", str(tmp_path / "runs" / "r2"), "--json")
    assert without_latency(json.loads(r2.stdout)) == without_latency({**printed, "run_dir": str(tmp_path / "runs" / "r2")})

    cmp = invoke(env, "eval", "compare", str(out), str(tmp_path / "runs" / "r2"), "--json")
    assert cmp.exit_code == 0, cmp.output
    c = json.loads(cmp.stdout)
    assert c["same_dataset"] and not any(c["questions"].values()) and c["entries_changed"] == []
    assert {s["verdict"] for s in c["significance"].values()} == {"same"}

    rep = invoke(env, "eval", "report", str(tmp_path / "runs" / "r2"))
    assert rep.exit_code == 0, rep.output
    page = (tmp_path / "runs" / "r2" / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 3 and "<script" not in page and "http" not in page.split("<body>", 1)[1][:200]
    assert "Trend over recent runs (2)" in page
    md = (tmp_path / "runs" / "r2" / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Eval run")
    hit1 = printed["intervals"]["retrieval.hit@1"]
    assert f"| retrieval.hit@1 | {hit1['score']:.3f} | {hit1['low']:.3f}–{hit1['high']:.3f} |" in md


def test_gates_fail_with_one_line_each_and_exit_nonzero(env, query_file, tmp_path):
    gates = tmp_path / "g.toml"
    gates.write_text('[min]\n"answer.overall.key_fact_coverage" = 1.01\n"retrieval.overall.mrr@10" = 0.0\n'
                     '[max]\n"answer.overall.false_abstention_rate" = -1\n', encoding="utf-8")
    r = invoke(env, "eval", "run", "--queries", str(query_file), "--out", str(tmp_path / "g1"), "--gate", str(gates))
    assert r.exit_code == 1
    failed = [line for line in r.stderr.splitlines() if line.startswith("gate failed")]
    assert len(failed) == 2 and "key_fact_coverage" in failed[0] and "false_abstention_rate" in failed[1]
    meta = json.loads((tmp_path / "g1" / "run.json").read_text(encoding="utf-8"))
    assert len(meta["gates"]["failed"]) == 2, "the run is kept even when a gate fails"


@pytest.mark.parametrize("args, msg", [
    (["eval", "run", "--queries", "{tmp}/missing.jsonl", "--out", "{tmp}/x"], "cannot read"),
    (["eval", "run", "--out", "{tmp}/x", "--gate", "{tmp}/bad.toml"], "names no answer metric"),
    (["eval", "compare", "{tmp}/nope", "{tmp}/nope2"], "not a run folder"),
    (["eval", "report", "{tmp}"], "no run.json"),
    (["eval", "import-beir", "{tmp}", "--out", "{tmp}/q.jsonl"], "not found"),
])
def test_bad_inputs_are_one_line_errors(env, tmp_path, args, msg):
    import subprocess
    import sys

    (tmp_path / "bad.toml").write_text('[min]\n"answer.overall.key_facts" = 0.5\n', encoding="utf-8")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    import os

    p = subprocess.run([sys.executable, "-m", "assistant.cli", *argv], env={**os.environ, **env},
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and msg in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not (tmp_path / "x" / "run.json").exists()


def test_beir_export_and_import_round_trip(env, query_file, tmp_path):
    r = invoke(env, "eval", "export-beir", str(tmp_path / "beir"), "--queries", str(query_file))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "beir" / "corpus.jsonl").stat().st_size > 0
    r = invoke(env, "eval", "import-beir", str(tmp_path / "beir"), "--out", str(tmp_path / "back.jsonl"))
    assert r.exit_code == 0, r.output
    assert load_queries(tmp_path / "back.jsonl") == load_queries(query_file)


def test_eval_sets_scores_each_set_side_by_side_and_keeps_runs_compare_reads(env, query_file, tmp_path):
    registry = tmp_path / "sets.toml"
    registry.write_text(f'[[set]]\nname = "mine"\npath = "{query_file}"\nrole = "training"\n'
                        f'[[set]]\nname = "untouched"\npath = "{query_file}"\nrole = "held-out"\n'
                        '[[set]]\nname = "gone"\npath = "nowhere.jsonl"\nrole = "held-out"\n', encoding="utf-8")
    out = tmp_path / "sets"
    r = invoke(env, "eval", "sets", "--sets-file", str(registry), "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    table = json.loads(r.stdout)
    assert [s["set"] for s in table["sets"]] == ["mine", "untouched"] and "gone: no file at" in r.stderr
    mine, untouched = table["sets"]
    assert mine["hit@1"] == untouched["hit@1"] and mine["n"] == 7 and mine["questions"] == 8
    assert table["hit@1_by_role"]["training"] == table["hit@1_by_role"]["held-out"] == mine["hit@1"]
    lo, hi = mine["intervals"]["hit@1"]
    assert lo <= mine["hit@1"] <= hi
    cmp = invoke(env, "eval", "compare", str(out / "mine"), str(out / "untouched"), "--json")
    assert cmp.exit_code == 0, cmp.output
    assert not any(json.loads(cmp.stdout)["questions"].values())
    again = invoke(env, "eval", "sets", "--sets-file", str(registry), "--baseline", str(out), "--json")
    assert again.exit_code == 0, again.output
    base = json.loads(again.stdout)["against_baseline"]  # the same code and index: no question moved
    assert set(base) == {"mine", "untouched"} and {s["verdict"] for b in base.values() for s in b.values()} == {"same"}
    nowhere = invoke(env, "eval", "sets", "--sets-file", str(registry), "--baseline", str(tmp_path / "none"))
    assert nowhere.exit_code != 0 and "no folder at" in nowhere.output
    text = invoke(env, "eval", "sets", "--sets-file", str(registry), "--set", "untouched")
    assert text.exit_code == 0 and "| untouched | held-out | 8 | 7 |" in text.stdout and "| mine |" not in text.stdout
    missing = invoke(env, "eval", "sets", "--sets-file", str(registry), "--set", "gone")
    assert missing.exit_code != 0 and "no file at" in missing.output
    unknown = invoke(env, "eval", "sets", "--sets-file", str(registry), "--set", "other")
    assert unknown.exit_code != 0 and "unknown set 'other'" in str(unknown.exception or unknown.output)
