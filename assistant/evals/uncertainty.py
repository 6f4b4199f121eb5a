"""How far a score can be trusted: a bootstrap interval for one run's score, and a paired test for the
difference between two runs on the same questions.

The sets QA scores on are small (63 regression questions: one question is 0.016 of hit@1), so "0.849
against a target of 0.85" and "0.786 → 0.796" say little until they are read with their noise. Every
metric here is a mean over questions (``per_question``, the same values the run's scores average), so:

- ``interval``: the percentile bootstrap over questions (``scipy.stats.bootstrap``, a fixed seed so a
  run's interval reproduces): the range the score would likely take on another set of the same size and
  kind;
- ``paired``: each question's value under run A and under run B, and a two-sided sign-flip permutation
  test (exact up to 16 changed questions, else a fixed-seed sample) asking how often a mean difference
  this large arises when which run is which is left to chance. The publish gate of the ranking model
  uses the one-sided form (``p_worse``).

>>> round(p_worse([-1.0] * 5), 4)
0.0312
>>> lo, hi = interval([1.0, 0.0] * 20)
>>> 0.3 < lo < 0.5 < hi < 0.7
True
>>> p = paired({"a": 1.0, "b": 0.0, "c": 1.0}, {"a": 1.0, "b": 1.0, "c": 1.0})
>>> (p.better, p.worse, p.p, p.verdict)
(1, 0, 1.0, 'within noise')
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from assistant.evals.answers import ANSWER_METRICS, case_of
from assistant.evals.metrics import RETRIEVAL_METRICS

EXACT_UP_TO = 16       # changed questions: 2**16 sign patterns enumerated exactly
SAMPLES = 20_000       # otherwise, this many random sign patterns (fixed seed)
RESAMPLES = 2_000      # bootstrap resamples of the questions
LEVEL = 0.95
ALPHA = 0.05           # a difference "beyond noise" in ``paired``'s verdict
#: the metrics an evaluation run reports an interval for, and compares question by question, named as
#: ``eval compare`` names scores ('retrieval.hit@1', 'answer.key_fact_coverage')
HEADLINE = ("retrieval.hit@1", "retrieval.hit@5", "retrieval.mrr@10", "answer.key_fact_coverage",
            "answer.citation_precision", "answer.citation_recall")


def p_worse(diffs: Sequence[float], *, samples: int = SAMPLES, seed: int = 0) -> float:
    """One-sided paired sign-flip test: the share of sign patterns whose mean is at most the observed one."""
    d = np.asarray([x for x in diffs if x != 0], dtype=np.float64)
    if len(d) == 0:
        return 1.0
    at_most = d.sum() + 1e-9  # sums order the patterns as means do; the tolerance counts equal sums in
    if len(d) <= EXACT_UP_TO:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=len(d))))
        return float(np.mean(signs @ d <= at_most))
    rng = np.random.default_rng(seed)
    signs = rng.choice((1.0, -1.0), size=(samples, len(d)))
    return float((np.sum(signs @ d <= at_most) + 1) / (samples + 1))


def interval(values: Sequence[float], *, level: float = LEVEL, resamples: int = RESAMPLES, seed: int = 0
             ) -> tuple[float, float]:
    """The percentile bootstrap interval of the mean of ``values`` (one value per question)."""
    from scipy.stats import bootstrap

    x = np.asarray(values, dtype=np.float64)
    if len(x) == 0:
        raise ValueError("no questions to take an interval over")
    if np.all(x == x[0]):  # every resample has the same mean (scipy would warn of degenerate data)
        return float(x[0]), float(x[0])
    res = bootstrap((x,), np.mean, confidence_level=level, n_resamples=resamples, method="percentile",
                    vectorized=True, rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


@dataclass(frozen=True)
class Paired:
    n: int          # questions both runs scored
    better: int     # questions run B scores higher
    worse: int
    a: float        # the mean over those questions under run A
    b: float
    delta: float    # b - a
    p: float        # two-sided: chance of a difference at least this large if neither run were better
    verdict: str    # 'better' / 'worse' (p < alpha), 'within noise', or 'same' (no question changed)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def paired(a: Mapping[str, float], b: Mapping[str, float], *, alpha: float = ALPHA) -> Paired:
    """Run B against run A on the questions both scored (per-question values keyed by question id)."""
    shared = [q for q in a if q in b]
    d = np.asarray([b[q] - a[q] for q in shared], dtype=np.float64)
    ma = float(np.mean([a[q] for q in shared])) if shared else 0.0
    mb = float(np.mean([b[q] for q in shared])) if shared else 0.0
    p = min(1.0, 2 * min(p_worse(d.tolist()), p_worse((-d).tolist()))) if shared else 1.0
    delta = mb - ma
    changed = bool(np.any(d != 0))
    verdict = ("same" if not changed else "within noise" if p >= alpha or delta == 0
               else "better" if delta > 0 else "worse")
    return Paired(len(shared), int(np.sum(d > 0)), int(np.sum(d < 0)), round(ma, 4), round(mb, 4),
                  round(delta, 4), round(p, 4), verdict)


def per_question(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Each ``HEADLINE`` metric's value per question of a run's ``results.jsonl`` rows: the values its
    scores are the means of (retrieval over questions with gold; answers as the answer metrics count)."""
    qrels = {r["qid"]: {e: 1 for e in r["gold"]} for r in rows}
    run = {r["qid"]: list(r["ranked"]) for r in rows}
    cases = [case_of(r) for r in rows]
    out: dict[str, dict[str, float]] = {}
    for name in HEADLINE:
        part, metric = name.split(".", 1)
        result = RETRIEVAL_METRICS[metric](qrels, run) if part == "retrieval" else ANSWER_METRICS[metric](cases)
        out[name] = {str(q): float(v) for q, v in result["per_query"].items()}  # type: ignore[union-attr]
    return out


def intervals(rows: Sequence[Mapping[str, Any]], *, level: float = LEVEL) -> dict[str, dict[str, Any]]:
    """{metric: {"score", "low", "high", "n"}} for a run's rows (``level``: the share of resampled sets'
    scores the interval holds); a metric no question applies to is left out."""
    out = {}
    for name, values in per_question(rows).items():
        if values:
            lo, hi = interval(list(values.values()), level=level)
            out[name] = {"score": round(float(np.mean(list(values.values()))), 4), "low": round(lo, 4),
                         "high": round(hi, 4), "n": len(values)}
    return out


def compare(rows_a: Sequence[Mapping[str, Any]], rows_b: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """{metric: ``paired(...)`` as a dict} for two runs' rows, on the questions both scored (a question
    whose gold differs between the runs' query files is left out: the two values would not be paired)."""
    gold_b = {r["qid"]: list(r["gold"]) for r in rows_b}
    same = {r["qid"] for r in rows_a if gold_b.get(r["qid"]) == list(r["gold"])}
    rows_a = [r for r in rows_a if r["qid"] in same]
    rows_b = [r for r in rows_b if r["qid"] in same]
    pa, pb = per_question(rows_a), per_question(rows_b)
    return {name: paired(pa[name], pb[name]).as_dict() for name in HEADLINE if pa[name] and pb[name]}
