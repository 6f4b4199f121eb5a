"""Cross-validation of the second stage: every question scored by a model that was trained without it.

The held-out sets are small (63 regression questions: one question is 0.016 hit@1), so a change to
features, parameters or training data is judged on k-fold cross-validation over the labelled questions
first: each fold's questions are ranked by a model trained on the other folds, over several shuffles.
A question whose right entry the first stage missed counts as a miss, as in evaluation. ``drop`` hides
features from training and scoring alike (the README's ablations).

Shuffled folds let a model be trained on one question about an entry and tested on another about the same
entry; the held-out sets' gold is disjoint from training, so a feature that memorises entries looks better
in shuffled folds than it will there. ``by_entry`` draws the folds by gold entry instead: questions that
share a right entry (directly or through a chain of shared entries) always fall in the same fold.

>>> folds(5, 2, seed=0)
[[0, 2, 3], [1, 4]]
>>> entry_folds([["a"], ["b"], ["a", "c"], ["c"], ["d"]], 2, seed=0)
[[0, 2, 3], [1, 4]]
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
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


def entry_folds(gold: Sequence[Iterable[str]], k: int, seed: int) -> list[list[int]]:
    """``k`` disjoint folds covering ``range(len(gold))`` such that no right entry has questions in two folds;
    the linked questions are dealt out largest group first, each to the smallest fold so far."""
    owner: dict[str, int] = {}
    parent = list(range(len(gold)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, entries in enumerate(gold):
        for e in entries:
            if e in owner:
                parent[root(i)] = root(owner[e])
            else:
                owner[e] = i
    linked: dict[int, list[int]] = defaultdict(list)
    for i in range(len(gold)):
        linked[root(i)].append(i)
    if not 2 <= k <= len(linked):
        raise TrainingDataError(f"cannot split {len(gold)} questions about {len(linked)} separate entries into {k} "
                                f"folds by entry: folds must be between 2 and the number of separate entries")
    chunks = list(linked.values())
    random.Random(seed).shuffle(chunks)
    chunks.sort(key=len, reverse=True)
    parts: list[list[int]] = [[] for _ in range(k)]
    for chunk in chunks:
        min(parts, key=len).extend(chunk)
    return sorted(sorted(p) for p in parts)


def _scored(qrels: dict[str, dict[str, int]], run: dict[str, list[str]]) -> dict[str, float | int]:
    """The questions of ``run`` (a subset of ``qrels``' keys) scored on their own."""
    return {"n": len(run), **run_scores({q: qrels[q] for q in run}, run)}


def cross_validate(groups: Sequence[Group], k: int = 5, seeds: Sequence[int] = (0,), *, drop: Sequence[str] = (),
                   params: dict[str, Any] | None = None, rounds: int = DEFAULT_ROUNDS,
                   key: Callable[[Group], str] = lambda g: g.example.group.get("type", ""),
                   by_entry: bool = False) -> dict[str, Any]:
    """hit@1 / hit@5 / MRR@10 of the second stage over every question and shuffle ("overall"), per ``key``
    group ("by_group", the question type by default), per shuffle ("by_seed": their spread is the noise of
    one run) and of the first stage alone on the same questions ("first_stage"); ``by_entry`` draws the
    folds with :func:`entry_folds`."""
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
        parts = (entry_folds([g.example.positives for g in groups], k, seed) if by_entry
                 else folds(len(groups), k, seed))
        for fold in parts:
            held = set(fold)
            model = fit([g for i, g in enumerate(groups) if i not in held], params=params, rounds=rounds, drop=drop)
            for i in fold:
                name = f"{seed}/{i}"
                qrels[name], mine[name] = truth[i], rerank_group(model, groups[i], drop)
                members[key(groups[i])].append(name)
        run.update(mine)
        by_seed[str(seed)] = _scored(qrels, mine)
    first = {str(i): list(g.entry_ids) for i, g in enumerate(groups)}
    return {"questions": len(groups), "folds": k, "by_entry": by_entry, "seeds": list(seeds), "dropped": list(drop),
            "overall": _scored(qrels, run),
            "by_group": {name: _scored(qrels, {q: run[q] for q in qs}) for name, qs in sorted(members.items())},
            "by_seed": by_seed, "first_stage": _scored({str(i): t for i, t in enumerate(truth)}, first)}
