"""The command line as a user runs it: real SQLite, real index, subset of the shipped KB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.kb import importers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def env(tmp_path_factory, subset_records) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("cli")
    kb = tmp / "subset.jsonl"
    importers.write_kb_jsonl(subset_records, kb)
    e = {
        "DATABASE_URL": f"sqlite:///{tmp / 'kb.db'}",
        "ASSISTANT_INDEX_DIR": str(tmp / "index"),
        "ASSISTANT_EMBEDDING_CACHE_DIR": str(tmp / "emb"),
        "SUBSET": str(kb),
    }
    r = run_ok(e, "kb", "import", str(kb))
    assert "add" in r
    run_ok(e, "index", "build")
    return e


def run_ok(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def run_proc(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def test_search_json_shape(env):
    out = json.loads(run_ok(env, "search", "출산장려금 받고 싶어요", "--region", "서울특별시 중구", "--json", "--top-k", "3"))
    assert len(out["hits"]) == 3
    for h in out["hits"]:
        assert set(h) == {"entry_id", "title", "scope", "sido", "sigungu", "version", "score", "scores",
                           "other_agency"}  # "" for the common layer
        assert h["sido"] in ("", "서울특별시")
        assert {"lexical_rank", "dense_rank", "fused"} <= set(h["scores"])


def test_search_plain_output(env):
    out = run_ok(env, "search", "출산장려금", "--region", "부산광역시 중구")
    assert " 1. " in out and "score=" in out


def test_reimport_is_idempotent_and_dry_run_reports(env):
    out = run_ok(env, "kb", "import", env["SUBSET"], "--dry-run")
    assert "would add 0, would change 0" in out


def test_edit_history_show_and_conflict(env, tmp_path):
    listing = run_ok(env, "kb", "list", "--region", "서울특별시 강남구", "--limit", "1")
    entry_id = listing.split("\t")[0]
    new = tmp_path / "c.txt"
    new.write_text("테스트용 새 안내문: 강남구 반려견 산책 도우미", encoding="utf-8")
    out = run_ok(env, "kb", "edit", entry_id, "--expected-version", "1", "--content-file", str(new), "--note", "test")
    assert "version 2" in out and "index updated" in out
    hits = json.loads(run_ok(env, "search", "반려견 산책 도우미", "--region", "서울특별시 강남구", "--json"))["hits"]
    assert (hits[0]["entry_id"], hits[0]["version"]) == (entry_id, 2)
    assert "test" in run_ok(env, "kb", "history", entry_id)
    assert json.loads(run_ok(env, "kb", "show", entry_id, "--version", "1"))["version"] == 1
    stale = run_proc(env, "kb", "edit", entry_id, "--expected-version", "1", "--title", "x")
    assert stale.returncode == 2 and "is at version 2, not 1" in stale.stderr
    assert "Traceback" not in stale.stderr


@pytest.mark.parametrize("args, message", [
    (["search", "   "], "question is empty"),
    (["search", "기초연금", "--region", "아틀란티스"], "Accepted forms"),
    (["kb", "show", "no-such-entry"], "entry not found"),
])
def test_bad_input_gives_one_readable_line(env, args, message):
    r = run_proc(env, *args)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_missing_index_names_the_rebuild_command(env, tmp_path):
    r = run_proc({**env, "ASSISTANT_INDEX_DIR": str(tmp_path / "none")}, "search", "기초연금")
    assert r.returncode == 2 and "assistant index build" in r.stderr


def test_bad_import_changes_nothing(env, tmp_path):
    before = run_ok(env, "kb", "list", "--limit", "1000")
    bad = tmp_path / "bad.jsonl"
    good = json.dumps(importers.record_to_json(importers.read_kb_jsonl(Path(env["SUBSET"]))[0]), ensure_ascii=False)
    bad.write_text(good.replace('"content": "', '"content": "바뀐 ') + "\n{broken\n", encoding="utf-8")
    r = run_proc(env, "kb", "import", str(bad))
    assert r.returncode == 2 and "line 2" in r.stderr and "nothing imported" in r.stderr
    assert run_ok(env, "kb", "list", "--limit", "1000") == before


def test_eval_retrieval_json(env, tmp_path, subset_records):
    ids = {r.entry_id for r in subset_records}
    q = tmp_path / "q.jsonl"
    gangnam = next(r for r in subset_records if r.sigungu == "강남구")
    rows = [
        {"qid": "a", "question": gangnam.title, "region": "서울특별시 강남구", "gold": [gangnam.entry_id],
         "type": "direct", "lang": "ko"},
        {"qid": "b", "question": "여권 재발급", "region": None, "gold": [], "type": "oos", "lang": "ko"},
        {"qid": "c", "question": "childbirth grant", "region": None, "gold": [next(iter(ids))], "type": "foreign",
         "lang": "en"},
    ]
    q.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = json.loads(run_ok(env, "eval", "retrieval", "--queries", str(q), "--json"))
    assert out["overall"]["n"] == 2
    for key in ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10"):
        assert 0.0 <= out["overall"][key] <= 1.0
    assert set(out["by_type"]) == {"direct", "foreign"} and set(out["by_lang"]) == {"ko", "en"}
    assert out["latency_ms"]["p95"] >= out["latency_ms"]["p50"] > 0


def test_eval_rejects_a_malformed_query_file(env, tmp_path):
    q = tmp_path / "q.jsonl"
    q.write_text('{"qid": "a", "question": "x"}\n', encoding="utf-8")
    r = run_proc(env, "eval", "retrieval", "--queries", str(q))
    assert r.returncode == 2 and "line 1: missing gold" in r.stderr


def test_export_retire_and_status(env, tmp_path):
    out = tmp_path / "export.jsonl"
    run_ok(env, "kb", "export", str(out))
    exported = importers.read_kb_jsonl(out)
    assert {r.entry_id for r in exported} >= {r.entry_id for r in importers.read_kb_jsonl(Path(env["SUBSET"]))}
    victim = next(r for r in exported if r.sido == "부산광역시")
    current = json.loads(run_ok(env, "kb", "show", victim.entry_id))["version"]
    assert "retired" in run_ok(env, "kb", "retire", victim.entry_id, "--expected-version", str(current))
    hits = json.loads(run_ok(env, "search", victim.title, "--region", "부산광역시 중구", "--json", "--top-k", "20"))["hits"]
    assert victim.entry_id not in [h["entry_id"] for h in hits]
    assert victim.entry_id in run_ok(env, "kb", "list", "--retired", "--limit", "1000")
    status = json.loads(run_ok(env, "index", "status"))
    assert status["database_kb_version"] == status["kb_version"]


def test_advise_command(env):
    out = json.loads(run_ok(env, "advise", "출산장려금 받고 싶어요", "--region", "서울특별시 중구", "--json"))
    assert out["mode"] in ("extractive", "abstain") and out["grounding"]["unsupported"] == 0


def test_token_create_prints_a_working_token_and_bad_roles_are_one_line_errors(env):
    from assistant.auth.service import TokenService
    from assistant.kb.db import make_engine

    token = run_ok(env, "token", "create", "--role", "editor", "--name", "lee").strip()
    assert token.startswith("ca_") and "\n" not in token
    principal = TokenService(make_engine(env["DATABASE_URL"])).authenticate(token)
    assert (principal.name, str(principal.role)) == ("lee", "editor")
    assert "lee" in run_ok(env, "token", "list")
    bad = run_proc(env, "token", "create", "--role", "root", "--name", "x")
    assert bad.returncode == 2 and "valid: counselor, editor, qa, admin" in bad.stderr and "Traceback" not in bad.stderr


def test_agency_create_list_delete_and_tokens_of_an_agency(env):
    from assistant.auth.service import TokenService
    from assistant.errors import Unauthorized
    from assistant.kb.db import make_engine

    assert "agency clinic (보건 상담) created" in run_ok(env, "agency", "create", "clinic", "--name", "보건 상담",
                                                           "--contact", "1339")
    assert run_ok(env, "agency", "list").startswith("clinic\t보건 상담\t1339\t")
    token = run_ok(env, "token", "create", "--role", "counselor", "--name", "han", "--agency", "clinic").strip()
    tokens = TokenService(make_engine(env["DATABASE_URL"]), cache_seconds=0)
    assert tokens.authenticate(token).agency == "clinic"
    assert "\tclinic\t" in run_ok(env, "token", "list")
    unknown = run_proc(env, "token", "create", "--role", "counselor", "--name", "x", "--agency", "nope")
    assert unknown.returncode == 2 and "unknown agency 'nope'; valid: clinic" in unknown.stderr
    bad = run_proc(env, "agency", "create", "Bad", "--name", "x")
    assert bad.returncode == 2 and "lower-case" in bad.stderr and "Traceback" not in bad.stderr
    run_ok(env, "agency", "delete", "clinic")
    with pytest.raises(Unauthorized, match="deleted"):
        tokens.authenticate(token)
    assert run_ok(env, "agency", "list") == "" and "clinic" in run_ok(env, "agency", "list", "--deleted")
