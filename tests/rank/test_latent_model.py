"""A model that reads latent terms: trained on the same rows the service scores, versioned with the
recipe it read, refused with a clear error where the service has none or other ones."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from assistant.rank.features import ALL_FEATURES, FEATURES
from assistant.rank.model import RankModel, RankModelError
from assistant.rank.service import LearnedRanker
from assistant.rank.store import check
from assistant.rank.training import collect, fit
from assistant.runtime import Runtime
from tests.rank.test_training import examples

pytestmark = pytest.mark.integration


def test_a_latent_model_scores_in_service_what_it_learned_from_and_says_what_it_needs(
        built_runtime: Runtime, tmp_path: Path) -> None:
    rt = built_runtime
    latent = rt.latent_terms
    if latent is None:
        pytest.skip("this embedder has no sparse head")
    groups = collect(rt.retriever, examples(rt, 20, "title"), pool=20, latent=latent)
    assert groups[0].X.shape[1] == len(ALL_FEATURES)
    model = fit(groups, rounds=20, meta={"embedder": rt.embedder.name, "latent": latent.name})
    again = RankModel.load(model.save(tmp_path / "m"))
    assert again.uses_latent and again.features == ALL_FEATURES and again.meta["latent"] == latent.name
    manifest = rt.manager.holder.snapshot.manifest
    check(again, manifest, latent)

    # the service's rows are the training rows: same features, same scores
    ranker = LearnedRanker(again, rt.retriever.lexicon, latent)
    snap = rt.manager.holder.snapshot
    g = groups[0]
    q, _ = rt.retriever.clean_query(g.example.question)
    cands, _, _ = rt.retriever.first_stage(q, rt.retriever.regions.parse(g.example.region), snap, 20)
    X = ranker.features(snap, cands, rt.retriever.lexicon.extract(q), 20)
    assert np.allclose(X, g.X) and np.allclose(again.score(X), model.score(g.X))

    with pytest.raises(RankModelError, match="--no-latent-terms"):
        check(again, manifest, None)
    with pytest.raises(RankModelError, match="--no-latent-terms"):
        LearnedRanker(again, rt.retriever.lexicon, None)
    other = type("Other", (), {"name": latent.name + "-other"})()
    with pytest.raises(RankModelError, match="assistant rank train"):
        check(again, manifest, other)


def test_a_model_without_latent_terms_ignores_the_columns_and_needs_none(built_runtime: Runtime) -> None:
    rt = built_runtime
    latent = rt.latent_terms
    if latent is None:
        pytest.skip("this embedder has no sparse head")
    groups = collect(rt.retriever, examples(rt, 20, "title"), pool=20, latent=latent)
    plain = fit([dataclasses.replace(g, X=g.X[:, :len(FEATURES)]) for g in groups], rounds=20)
    assert not plain.uses_latent and plain.features == FEATURES
    assert np.allclose(plain.score(groups[0].X), plain.score(groups[0].X[:, :len(FEATURES)]))
    check(plain, rt.manager.holder.snapshot.manifest, None)
    assert LearnedRanker(plain, rt.retriever.lexicon, latent).latent is None  # no second pass for it


def test_the_service_runs_an_active_latent_model_and_without_latent_terms_ranks_first_stage_alone(
        fresh_runtime: Runtime) -> None:
    rt = fresh_runtime
    latent = rt.latent_terms
    if latent is None:
        pytest.skip("this embedder has no sparse head")
    groups = collect(rt.retriever, examples(rt, 20, "title"), pool=20, latent=latent)
    model = fit(groups, rounds=20, meta={"embedder": rt.embedder.name, "latent": latent.name})
    rt.rank_store.activate(rt.rank_store.add(model), actor="test", detail={})
    ranker = rt.load_ranker()
    assert ranker is not None and ranker.latent is latent and rt.rank_error == ""
    rt.retriever.reranker = ranker
    q = examples(rt, 1, "title")[0]
    ranked = rt.retriever.search(q.question, region=q.region, top_k=5)
    assert ranked.hits and ranked.evidence is not None  # the second stage ranked it

    rt.__dict__["latent_terms"] = None  # an embedder without a sparse head
    assert rt.load_ranker() is None and "--no-latent-terms" in rt.rank_error
