"""Training the domain model: scikit-learn's logistic regression on standardised question vectors.

Labelled questions come from the eval sets' format: a question with gold entries is covered (0), one
with none is outside the knowledge base (1). Classes are weighted to balance, since covered questions
outnumber the others four to one. ``cross_validate`` scores the same recipe on folds it was not fitted
on, and reports what the policy would do with it: the shares of out-of-KB and of covered questions it
declines (among those the retrievers answer at level 'low', when their levels are given: the policy's
own gate, else among all) and it answers after all (among those the evidence declines, level 'none').

Chosen 2026-12-03 by 5-fold cross-validation over the shared train set, dev and the written set (697
questions, 119 out of the knowledge base; none of the held-out sets): C 0.3, threshold 0.9 (30 of the 119
were answered; the gate declines 12 to 14 of them and no covered question), inside 0.01 (the evidence
declined 9 covered questions, with the right entry first in 8; 5 of them score under 0.01, and none of the
89 out-of-KB questions it declined does: the lowest is 0.016).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.domain.model import DomainModel, DomainModelError

DEFAULT_C = 0.3
DEFAULT_THRESHOLD = 0.9
DEFAULT_INSIDE = 0.01


@dataclass(frozen=True)
class Scores:
    # each a share of all the questions of its kind (out of the knowledge base, or covered)
    declined_outside: float  # recall: out-of-KB questions the gate declines
    declined_covered: float  # covered questions it declines (false declines)
    answered_outside: float  # out-of-KB questions the evidence declines and it answers after all
    answered_covered: float  # covered questions the evidence declines and it answers
    n_outside: int
    n_covered: int


def _sklearn() -> tuple[type, type]:
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
    except ImportError as exc:
        raise DomainModelError("training the domain model needs scikit-learn: pip install "
                               "'counselor-assistant[train]' (the service itself does not)") from exc
    return LogisticRegression, StandardScaler


def require_both(labels: Sequence[int]) -> None:
    n_out = sum(1 for y in labels if y)
    if n_out == 0 or n_out == len(labels):
        raise DomainModelError(f"{len(labels)} question(s), {n_out} out of the knowledge base: training needs "
                               "both covered questions (with gold) and out-of-KB ones (gold empty); nothing trained")


def fit(vectors: np.ndarray, labels: Sequence[int], embedder: str, *, c: float = DEFAULT_C,
        threshold: float = DEFAULT_THRESHOLD, inside: float = DEFAULT_INSIDE,
        trained: dict[str, object] | None = None) -> DomainModel:
    """The domain model of these question vectors (one row each) and labels (1 = out of the knowledge base)."""
    LogisticRegression, StandardScaler = _sklearn()
    require_both(labels)
    X = np.asarray(vectors, np.float64)
    y = np.asarray(labels, np.int64)
    scaler = StandardScaler().fit(X)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit((X - scaler.mean_) / scale, y)
    return DomainModel(mean=scaler.mean_.tolist(), scale=scale.tolist(), weights=clf.coef_[0].tolist(),
                       intercept=float(clf.intercept_[0]), threshold=threshold, embedder=embedder, inside=inside,
                       trained=dict(trained or {}, c=c, n=len(y), n_outside=int(y.sum())))


def cross_validate(vectors: np.ndarray, labels: Sequence[int], levels: Sequence[str] | None = None, *,
                   c: float = DEFAULT_C, threshold: float = DEFAULT_THRESHOLD, inside: float = DEFAULT_INSIDE,
                   folds: int = 5, seed: int = 0) -> Scores:
    """What the gate declines when each question is judged by a model fitted on the other folds."""
    _sklearn()
    from sklearn.model_selection import StratifiedKFold

    require_both(labels)
    y = np.asarray(labels, np.int64)
    if min(int(y.sum()), int(len(y) - y.sum())) < folds:
        raise DomainModelError(f"{folds} folds need at least {folds} questions of each kind")
    X = np.asarray(vectors, np.float64)
    p = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        model = fit(X[train], y[train].tolist(), "", c=c, threshold=threshold, inside=inside)
        p[test] = [model.probability(v) for v in X[test]]
    gated, lifted = p > threshold, p < inside
    if levels is not None:
        gated &= np.asarray(levels) == "low"
        lifted &= np.asarray(levels) == "none"
    outside, covered = y == 1, y == 0
    return Scores(float(gated[outside].mean()), float(gated[covered].mean()), float(lifted[outside].mean()),
                  float(lifted[covered].mean()), int(outside.sum()), int(covered.sum()))
