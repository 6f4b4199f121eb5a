"""Training, the publish gate, the model file and the fallback to the first stage, on the test subset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.rank import workflow
from assistant.rank.features import FEATURES
from assistant.rank.model import RankModel, RankModelError
from assistant.rank.store import ModelStore, check
from assistant.rank.training import Example, Group, TrainingDataError, collect, fit
from assistant.runtime import Runtime

pytestmark = pytest.mark.integration
RANK_COL = FEATURES.index("fused_rank")


def examples(rt: Runtime, n: int, how: str) -> list[Example]:
    entries = sorted(rt.manager.holder.snapshot.entries.values(), key=lambda e: e.entry_id)[:n]
    out = []
    for e in entries:
        q = f"{e.title} 신청하려면 어떻게 해요" if how == "title" else e.content.split("\n")[0][:80]
        region = " ".join(p for p in (e.sido, e.sigungu) if p) or None
        out.append(Example(f"{how}-{e.entry_id}", q, region, (e.entry_id,), source=how))
    return out


def relabelled(groups: list[Group], best: str) -> list[Group]:
    """The same candidates labelled so a model learns the first stage's order ('first') or its reverse."""
    out = []
    for g in groups:
        ranks = g.X[:, RANK_COL]
        target = ranks.min() if best == "first" else ranks.max()
        out.append(Group(g.example, g.entry_ids, g.X, (ranks == target).astype(np.float32)))
    return out


def test_a_model_file_round_trips_and_a_mismatch_names_the_command(built_runtime: Runtime, tmp_path: Path) -> None:
    groups = collect(built_runtime.retriever, examples(built_runtime, 20, "title"), pool=20)
    model = fit(groups, rounds=20, meta={"embedder": built_runtime.embedder.name})
    folder = model.save(tmp_path / "m")
    again = RankModel.load(folder)
    X = groups[0].X
    assert np.allclose(again.score(X), model.score(X)) and again.version == model.version
    check(again, built_runtime.manager.holder.snapshot.manifest)

    meta = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps({**meta, "features": meta["features"][:-1]}))
    with pytest.raises(RankModelError, match="assistant rank train"):
        RankModel.load(folder)
    (folder / "model.json").write_text(json.dumps(meta))
    (folder / "model.txt").write_text((folder / "model.txt").read_text() + "\n")
    with pytest.raises(RankModelError, match="does not match"):
        RankModel.load(folder)
    with pytest.raises(RankModelError, match="assistant rank train"):
        RankModel.load(tmp_path / "nowhere")
    other = RankModel(model.booster, {**model.meta, "embedder": "another-embedder"})
    with pytest.raises(RankModelError, match="another-embedder"):
        check(other, built_runtime.manager.holder.snapshot.manifest)


@pytest.mark.slow
def test_the_gate_activates_a_model_no_worse_and_refuses_a_worse_one(
        built_runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ModelStore(tmp_path / "rank")  # nothing shipped: the first stage is the baseline
    train, held = examples(built_runtime, 40, "title"), examples(built_runtime, 40, "content")[20:]
    audited: list[tuple[str, str]] = []
    real_fit = workflow.fit

    def fit_like(best: str) -> Any:
        return lambda groups, **kw: real_fit(relabelled(list(groups), best), rounds=30, **kw)

    monkeypatch.setattr(workflow, "fit", fit_like("reverse"))
    bad = workflow.train_and_gate(built_runtime.retriever, store, train, held, actor="qa",
                                  audit=lambda a, v, d: audited.append((a, v)))
    assert not bad["passed"] and not bad["activated"] and store.active_version() is None
    assert bad["candidate"]["mrr@10"] < bad["first_stage"]["mrr@10"]
    assert bad["gate"]["rule"] == "paired" and bad["gate"]["losses"] > bad["gate"]["wins"]
    assert store.history()[-1]["gate"]["reason"] == bad["gate"]["reason"]
    assert store.history()[-1]["action"] == "refuse" and audited[-1] == ("rank.refuse", bad["version"])

    monkeypatch.setattr(workflow, "fit", fit_like("first"))
    good = workflow.train_and_gate(built_runtime.retriever, store, train, held, actor="qa",
                                   audit=lambda a, v, d: audited.append((a, v)))
    assert good["candidate"]["mrr@10"] >= good["first_stage"]["mrr@10"]
    assert good["activated"] and store.active_version() == good["version"] == store.active().version
    assert audited[-1] == ("rank.activate", good["version"])
    with pytest.raises(TrainingDataError, match="valid: paired, strict"):
        workflow.train_and_gate(built_runtime.retriever, store, train, held, actor="qa", rule="lenient")


def test_unusable_rows_are_listed_and_nothing_is_trained(built_runtime: Runtime, tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "rank")
    train = [*examples(built_runtime, 5, "title"), Example("bad-1", "질문", None, ("NO-SUCH-ENTRY",)),
             Example("bad-2", "질문", "어딘가 없는 곳", examples(built_runtime, 1, "title")[0].positives)]
    with pytest.raises(TrainingDataError, match="bad-1.*NO-SUCH-ENTRY.*bad-2"):
        workflow.train_and_gate(built_runtime.retriever, store, train, examples(built_runtime, 3, "content"),
                                actor="qa")
    assert not (tmp_path / "rank").exists()
    with pytest.raises(TrainingDataError, match="also training"):
        workflow.train_and_gate(built_runtime.retriever, store, train[:5], train[:2], actor="qa")


def test_without_a_usable_model_the_first_stage_ranks_alone_and_says_why(fresh_runtime: Runtime) -> None:
    rt = fresh_runtime
    ranked = rt.retriever.search("출산장려금 지원 신청", region="서울특별시 중구", top_k=10)
    first = rt.retriever.search("출산장려금 지원 신청", region="서울특별시 중구", top_k=10, rerank=False)
    assert rt.retriever.reranker is not None and rt.rank_error == ""
    assert {h.entry_id for h in ranked.hits} <= {h.entry_id for h in
                                                 rt.retriever.search("출산장려금 지원 신청", region="서울특별시 중구",
                                                                     top_k=50, rerank=False).hits}
    rank_dir = rt.settings.rank_dir
    rank_dir.mkdir(parents=True, exist_ok=True)
    (rank_dir / "ACTIVE").write_text("0123456789ab\n")  # names a model that is not there
    assert rt.load_ranker() is None and "assistant rank train" in rt.rank_error
    rt.retriever.reranker = None
    alone = rt.retriever.search("출산장려금 지원 신청", region="서울특별시 중구", top_k=10)
    assert [h.entry_id for h in alone.hits] == [h.entry_id for h in first.hits]
