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
from assistant.rank.workflow import run_scores


def folds(n: int, k: int, seed: int) -> list[list[int]]:
    """``k`` disjoint folds covering ``range(n)``, the same for the same ``seed``."""
    if not 2 <= k <= n:
        raise TrainingDataError(f"cannot split {n} questions into {k} folds: folds must be between 2 and "
                                f"the number of questions ({n})")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def _scored(qrels: dict[str, dict[str, int]], run: dict[str, list[str]]) -> dict[str, float | int]:
    """The questions of ``run`` (a subset of ``qrels``' keys) scored on their own."""
    return {"n": len(run), **run_scores({q: qrels[q] for q in run}, run)}


def cross_validate(groups: Sequence[Group], k: int = 5, seeds: Sequence[int] = (0,), *, drop: Sequence[str] = (),
                   params: dict[str, Any] | None = None, rounds: int = DEFAULT_ROUNDS,
                   key: Callable[[Group], str] = lambda g: g.example.group.get("type", ""),
                   ) -> dict[str, Any]:
    """hit@1 / hit@5 / MRR@10 of the second stage over every question and shuffle ("overall"), per ``key``
    group ("by_group", the question type by default), per shuffle ("by_seed": their spread is the noise of
    one run) and of the first stage alone on the same questions ("first_stage")."""
    if not seeds:
        raise TrainingDataError("no shuffle to run: give at least one seed")
    # one ranked list per question (its position in ``groups``) and shuffle, keyed '<seed>/<position>'; the
    # right entries are the question's gold, as the eval harness and ``workflow.scores`` judge them
    truth = [{e: 1 for e in g.example.positives} for g in groups]
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, list[str]] = {}
    members: dict[str, list[str]] = defaultdict(list)
    by_seed: dict[str, dict[str, float | int]] = {}
    for seed in seeds:
        mine: dict[str, list[str]] = {}
        for fold in folds(len(groups), k, seed):
            held = set(fold)
            model = fit([g for i, g in enumerate(groups) if i not in held], params=params, rounds=rounds, drop=drop)
            for i in fold:
                name = f"{seed}/{i}"
                qrels[name], mine[name] = truth[i], rerank_group(model, groups[i], drop)
                members[key(groups[i])].append(name)
        run.update(mine)
        by_seed[str(seed)] = _scored(qrels, mine)
    first = {str(i): list(g.entry_ids) for i, g in enumerate(groups)}
    return {"questions": len(groups), "folds": k, "seeds": list(seeds), "dropped": list(drop),
            "overall": _scored(qrels, run),
            "by_group": {name: _scored(qrels, {q: run[q] for q in qs}) for name, qs in sorted(members.items())},
            "by_seed": by_seed, "first_stage": _scored({str(i): t for i, t in enumerate(truth)}, first)}
