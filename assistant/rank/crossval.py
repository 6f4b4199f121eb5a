"""Cross-validation of the second stage: every question scored by a model that was trained without it.

The held-out sets are small (63 regression questions: one question is 0.016 hit@1), so a change to
features, parameters or training data is judged on k-fold cross-validation over the labelled questions
first: each fold's questions are ranked by a model trained on the other folds, over several shuffles.
A question whose right entry the first stage missed counts as a miss, as in evaluation. ``drop`` hides
features from training and scoring alike (the README's ablations).

>>> folds(5, 2, seed=0)
[[0, 2, 3], [1, 4]]
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from assistant.rank.training import DEFAULT_ROUNDS, Group, TrainingDataError, fit, rerank_group


def folds(n: int, k: int, seed: int) -> list[list[int]]:
    """``k`` disjoint folds covering ``range(n)``, the same for the same ``seed``."""
    if not 2 <= k <= n:
        raise TrainingDataError(f"cannot split {n} questions into {k} folds: folds must be between 2 and "
                                f"the number of questions ({n})")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def _rank(ranked: Sequence[str], g: Group) -> int | None:
    """The first right entry's position in ``ranked`` (by the group's labels: the first stage's pool holds
    every right entry it found; one it missed is a miss whatever the order)."""
    right = {e for e, label in zip(g.entry_ids, g.y.tolist(), strict=True) if label > 0}
    return next((i for i, e in enumerate(ranked, start=1) if e in right), None)


def _scores(ranks: Sequence[int | None]) -> dict[str, float | int]:
    n = len(ranks)
    return {"n": n,
            "hit@1": round(sum(1 for r in ranks if r == 1) / n, 4) if n else 0.0,
            "hit@5": round(sum(1 for r in ranks if r is not None and r <= 5) / n, 4) if n else 0.0,
            "mrr@10": round(sum(1.0 / r for r in ranks if r is not None and r <= 10) / n, 4) if n else 0.0}


def cross_validate(groups: Sequence[Group], k: int = 5, seeds: Sequence[int] = (0,), *, drop: Sequence[str] = (),
                   params: dict[str, Any] | None = None, rounds: int = DEFAULT_ROUNDS,
                   key: Callable[[Group], str] = lambda g: g.example.group.get("type", ""),
                   ) -> dict[str, Any]:
    """hit@1 / hit@5 / MRR@10 of the second stage over every question and shuffle ("overall"), per ``key``
    group ("by_group", the question type by default), per shuffle ("by_seed": their spread is the noise of
    one run) and of the first stage alone on the same questions ("first_stage")."""
    if not seeds:
        raise TrainingDataError("no shuffle to run: give at least one seed")
    ranks: list[int | None] = []
    grouped: dict[str, list[int | None]] = defaultdict(list)
    by_seed: dict[str, dict[str, float | int]] = {}
    for seed in seeds:
        mine: list[int | None] = []
        for fold in folds(len(groups), k, seed):
            held = set(fold)
            model = fit([g for i, g in enumerate(groups) if i not in held], params=params, rounds=rounds, drop=drop)
            for i in fold:
                r = _rank(rerank_group(model, groups[i], drop), groups[i])
                mine.append(r)
                grouped[key(groups[i])].append(r)
        ranks += mine
        by_seed[str(seed)] = _scores(mine)
    first = [_rank(g.entry_ids, g) for g in groups]
    return {"questions": len(groups), "folds": k, "seeds": list(seeds), "dropped": list(drop),
            "overall": _scores(ranks), "by_group": {name: _scores(rs) for name, rs in sorted(grouped.items())},
            "by_seed": by_seed, "first_stage": _scores(first)}
