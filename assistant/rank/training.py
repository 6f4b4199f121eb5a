"""Training the second stage: labelled questions → first-stage candidates → features → LambdaRank.

``collect`` runs the real first stage on each question (so the model learns on the candidates it
will see in service) and labels each candidate 1 if it is a gold entry, else 0; feedback adds
explicit negatives (label 0 is already the default; a thumbs-down keeps a wrong entry out of the
positives). ``fit`` trains LightGBM's LambdaRank with small trees and strong leaf limits: a few
hundred questions cannot support more.

>>> groups = collect(retriever, examples)            # doctest: +SKIP
>>> model = fit(groups, params=DEFAULT_PARAMS)       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.errors import AssistantError
from assistant.rank.entries import EntryTable
from assistant.rank.features import ALL_FEATURES, pool_features
from assistant.rank.model import RankModel

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "lambdarank", "metric": "ndcg", "eval_at": [1, 5, 10],
    "learning_rate": 0.05, "num_leaves": 7, "min_data_in_leaf": 30, "min_sum_hessian_in_leaf": 1e-3,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "lambdarank_truncation_level": 20, "num_threads": 1, "deterministic": True, "force_row_wise": True,
    "seed": 7, "verbose": -1,
}
DEFAULT_ROUNDS = 300


class TrainingDataError(AssistantError):
    """Labelled rows the trainer cannot use (unknown entries or regions); nothing was trained."""


@dataclass(frozen=True)
class Example:
    """One labelled question: ``positives`` are right entries, ``negatives`` entries marked wrong."""

    qid: str
    question: str
    region: str | None
    positives: tuple[str, ...]
    negatives: tuple[str, ...] = ()
    source: str = ""
    group: dict[str, str] = field(default_factory=dict)


@dataclass
class Group:
    example: Example
    entry_ids: list[str]
    X: np.ndarray
    y: np.ndarray


def validate(retriever: Any, examples: Sequence[Example]) -> list[str]:
    """Per-row problems (unknown entry ids, unknown regions); empty when every row is usable."""
    entries = retriever.holder.snapshot.entries
    problems = []
    for ex in examples:
        unknown = [e for e in (*ex.positives, *ex.negatives) if e not in entries]
        if unknown:
            problems.append(f"{ex.source or 'row'} {ex.qid}: unknown entry id(s) {', '.join(unknown)}")
        try:
            retriever.regions.parse(ex.region)
        except AssistantError as exc:
            problems.append(f"{ex.source or 'row'} {ex.qid}: {exc}")
    return problems


def require_usable(retriever: Any, examples: Sequence[Example]) -> None:
    """Every row usable, or ``TrainingDataError`` listing the problems (the first 20): nothing is trained then."""
    problems = validate(retriever, examples)
    if problems:
        raise TrainingDataError(f"{len(problems)} unusable row(s), nothing trained: " + "; ".join(problems[:20])
                                + (" ..." if len(problems) > 20 else ""))


def collect(retriever: Any, examples: Iterable[Example], pool: int = 50,
            progress: Callable[[int], None] | None = None, latent: Any = None) -> list[Group]:
    """Candidates and features per question; questions whose gold the first stage misses in ``pool``
    teach nothing to a re-ranker and are left out (they still count in evaluation). ``latent``
    (``assistant.latent.service.LatentTerms``): add the latent-term columns, as in service."""
    snap = retriever.holder.snapshot
    table = EntryTable.of(snap, retriever.lexicon)
    groups = []
    for n, ex in enumerate(examples, start=1):
        q, _ = retriever.clean_query(ex.question)
        reg = retriever.regions.parse(ex.region)
        cands, _, _ = retriever.first_stage(q, reg, snap, pool)
        ids, X = pool_features(cands, table, retriever.lexicon.extract(q), snap.entries, pool)
        if latent is not None:
            X = np.hstack([X, latent.columns(snap, ids, cands.question)])
        y = np.array([1.0 if e in ex.positives else 0.0 for e in ids], dtype=np.float32)
        groups.append(Group(ex, ids, X, y))
        if progress:
            progress(n)
    return groups


def fit(groups: Sequence[Group], params: dict[str, Any] | None = None, rounds: int = DEFAULT_ROUNDS,
        drop: Sequence[str] = (), meta: dict[str, Any] | None = None) -> RankModel:
    """Train on the groups that have a positive and a negative. ``drop``: features to hide (ablation:
    their column is set to a constant, so the model cannot use them)."""
    import lightgbm as lgb

    usable = [g for g in groups if g.y.any() and not g.y.all()]
    if not usable:
        raise TrainingDataError("no question has its right entry among the first stage's candidates")
    X = np.vstack([_masked(g.X, drop) for g in usable])
    y = np.concatenate([g.y for g in usable])
    data = lgb.Dataset(X, y, group=[len(g.y) for g in usable], feature_name=list(ALL_FEATURES[:X.shape[1]]),
                       free_raw_data=False)
    booster = lgb.train(dict(DEFAULT_PARAMS, **(params or {})), data, num_boost_round=rounds)
    return RankModel(booster, dict(meta or {}, questions=len(usable), dropped=list(drop)))


def _masked(X: np.ndarray, drop: Sequence[str]) -> np.ndarray:
    if not drop:
        return X
    X = X.copy()
    for name in drop:
        X[:, ALL_FEATURES.index(name)] = 0.0
    return X


def rerank_group(model: RankModel | None, g: Group, drop: Sequence[str] = ()) -> list[str]:
    """The group's entries in the model's order (the first stage's without a model)."""
    if model is None:
        return list(g.entry_ids)
    order = np.argsort(-model.score(_masked(g.X, drop)), kind="stable")
    return [g.entry_ids[i] for i in order]
