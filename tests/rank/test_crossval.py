"""Cross-validation of the second stage: folds, per-fold training, and the command line."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.rank.crossval import cross_validate, entry_folds, folds
from assistant.rank.training import Group, TrainingDataError, collect
from assistant.runtime import Runtime
from tests.rank.test_training import examples, relabelled


@pytest.mark.unit
def test_folds_partition_the_questions_the_same_way_for_a_seed():
    parts = folds(23, 5, seed=3)
    flat = [i for p in parts for i in p]
    assert sorted(flat) == list(range(23)) and len(set(flat)) == 23
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert folds(23, 5, seed=3) == parts and folds(23, 5, seed=4) != parts


@pytest.mark.unit
@pytest.mark.parametrize("k", [0, 1, 24])
def test_impossible_folds_are_a_clear_error(k):
    with pytest.raises(TrainingDataError, match="folds must be between 2"):
        folds(23, k, seed=0)


@pytest.mark.unit
def test_folds_by_entry_never_split_an_entry_across_folds():
    # 40 questions over 12 entries, some asking about two entries at once (which links those entries)
    rng = random.Random(7)
    gold = [[f"e{rng.randrange(12)}"] + ([f"e{rng.randrange(12)}"] if rng.random() < 0.2 else []) for _ in range(40)]
    parts = entry_folds(gold, 4, seed=1)
    flat = [i for p in parts for i in p]
    assert sorted(flat) == list(range(40))
    where = [{e for i in p for e in gold[i]} for p in parts]
    assert all(not (where[a] & where[b]) for a in range(4) for b in range(a + 1, 4))
    assert all(parts) and entry_folds(gold, 4, seed=1) == parts


@pytest.mark.unit
def test_folds_by_entry_balance_many_small_groups_and_refuse_too_few():
    gold = [[f"e{i // 2}"] for i in range(30)]  # 15 entries, two questions each
    parts = entry_folds(gold, 5, seed=0)
    assert sorted(map(len, parts)) == [6] * 5 and entry_folds(gold, 5, seed=1) != parts
    with pytest.raises(TrainingDataError, match="separate entries"):
        entry_folds([["a"], ["a", "b"], ["b"]], 2, seed=0)


@pytest.mark.integration
def test_each_question_is_scored_by_a_model_that_learnt_without_it(built_runtime: Runtime) -> None:
    groups = collect(built_runtime.retriever, examples(built_runtime, 30, "title"), pool=20)
    # the last candidate is made the right one: the first stage ranks it last, a model trained on the other
    # folds learns to put it first, so cross-validation beats the first stage only if the folds were trained
    reverse = [Group(dataclasses.replace(g.example, positives=(g.entry_ids[int(g.y.argmax())],)), g.entry_ids, g.X, g.y)
               for g in relabelled(groups, "last")]
    report = cross_validate(reverse, k=3, seeds=(0, 1), rounds=30)
    assert report["overall"]["n"] == 2 * len(groups) and set(report["by_seed"]) == {"0", "1"}
    assert report["first_stage"]["hit@1"] == 0.0
    assert report["overall"]["hit@1"] > 0.5


@pytest.mark.integration
def test_rank_cv_on_the_command_line_reports_and_refuses_unknown_features(tmp_path: Path, built_runtime: Runtime
                                                                         ) -> None:
    s = built_runtime.settings
    env = {"DATABASE_URL": s.database_url, "ASSISTANT_INDEX_DIR": str(s.index_dir),
           "ASSISTANT_EMBEDDING_CACHE_DIR": str(s.embedding_cache_dir)}
    rows = [{"qid": ex.qid, "question": ex.question, "region": ex.region or "", "gold": list(ex.positives),
             "type": "direct", "lang": "ko"} for ex in examples(built_runtime, 12, "title")]
    queries = tmp_path / "q.jsonl"
    queries.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = CliRunner().invoke(app, ["rank", "cv", "--queries", str(queries), "--folds", "3", "--seeds", "1", "--json"],
                             env=env, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["questions"] == 12 and report["overall"]["n"] == 12 and "direct" in report["by_group"]
    assert report["by_entry"] is False
    out = CliRunner().invoke(app, ["rank", "cv", "--queries", str(queries), "--folds", "3", "--seeds", "1", "--by-entry"],
                             env=env, catch_exceptions=False)
    assert out.exit_code == 0 and "folds by gold entry" in out.stdout, out.output
    bad = subprocess.run([sys.executable, "-m", "assistant.cli", "rank", "cv", "--queries", str(queries),
                          "--drop", "no_such_feature"], env={**os.environ, **env}, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode != 0 and "no_such_feature" in bad.stderr and "fused_rank" in bad.stderr
    assert "Traceback" not in bad.stderr
