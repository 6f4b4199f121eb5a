"""The publish gate's decision: is a retrained ranking model worse than the active one on the validation set?

Two rules, both over the same validation questions:

- ``paired`` (the default): each question's reciprocal rank@10 under the candidate and under the active
  model (or the first stage) is paired, and a one-sided sign-flip permutation test asks how often a mean
  difference as low as the one observed arises when which model is which is left to chance. The candidate
  is refused when that is rarer than ``alpha`` (the questions show it worse), and when it loses more
  questions than it wins by more than ``max_net_losses``. On a validation set of 63 questions a retrained
  model's hit@1 moves by up to 0.06 with LightGBM's bagging seed alone (README): the strict rule refused
  such models as often for luck as for cause.
- ``strict``: hit@1 and MRR@10 both at least the active model's (the rule before; a single question lost
  refuses).

Deterministic: the same inputs give the same decision (an exact test up to 16 changed questions, else a
fixed-seed sample of sign flips), so QA can reproduce every refusal.

>>> d = decide([1, 1, 0.5, 1, 0], [1, 0.5, 1, 1, 0])
>>> (d.passed, d.wins, d.losses, d.ties)
(True, 1, 1, 3)
>>> decide([0.0] * 12, [1.0] * 12).passed
False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from assistant.evals.uncertainty import p_worse

RULES = ("paired", "strict")


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    rule: str
    reason: str
    n: int
    wins: int              # questions the candidate ranks better (higher reciprocal rank)
    losses: int
    ties: int
    mrr_diff: float        # candidate minus baseline, mean reciprocal rank@10
    hit1_diff: float
    p_worse: float         # one-sided: chance of a mean difference this low if neither model were better
    alpha: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(candidate_rr: Sequence[float], baseline_rr: Sequence[float], *, rule: str = "paired",
           alpha: float = 0.10, max_net_losses: int | None = None) -> GateDecision:
    """The gate on per-question reciprocal ranks (same questions, same order; 1.0 = right entry first).
    ``max_net_losses``: losses minus wins the paired rule tolerates (default: a tenth of the questions)."""
    if rule not in RULES:
        raise ValueError(f"unknown gate rule {rule!r}; valid: {', '.join(RULES)}")
    if len(candidate_rr) != len(baseline_rr) or not candidate_rr:
        raise ValueError("the gate needs the same non-empty list of validation questions for both models")
    c, b = np.asarray(candidate_rr, dtype=np.float64), np.asarray(baseline_rr, dtype=np.float64)
    n = len(c)
    diffs = c - b
    wins, losses = int(np.sum(diffs > 0)), int(np.sum(diffs < 0))
    mrr_diff = float(diffs.mean())
    hit1_diff = float(np.mean(c == 1.0) - np.mean(b == 1.0))
    p = p_worse(diffs.tolist())
    common = {"rule": rule, "n": n, "wins": wins, "losses": losses, "ties": n - wins - losses,
              "mrr_diff": round(mrr_diff, 4), "hit1_diff": round(hit1_diff, 4), "p_worse": round(p, 4),
              "alpha": alpha}
    if rule == "strict":
        passed = mrr_diff >= -1e-12 and hit1_diff >= -1e-12
        reason = ("hit@1 and MRR@10 at least the active model's" if passed else
                  f"lower on the validation set (hit@1 {hit1_diff:+.3f}, MRR@10 {mrr_diff:+.3f})")
        return GateDecision(passed, reason=reason, **common)  # type: ignore[arg-type]
    tolerated = max(1, n // 10) if max_net_losses is None else max_net_losses
    if p < alpha:
        passed, reason = False, (f"worse on the validation set: {losses} questions lost, {wins} won, MRR@10 "
                                 f"{mrr_diff:+.3f}; a drop this large by chance: p = {p:.3f} < {alpha:g}")
    elif losses - wins > tolerated:
        passed, reason = False, f"loses {losses - wins} more questions than it wins (at most {tolerated} tolerated)"
    else:
        passed, reason = True, (f"not shown worse: {wins} questions won, {losses} lost, MRR@10 {mrr_diff:+.3f} "
                                f"(p = {p:.3f} >= {alpha:g})")
    return GateDecision(passed, reason=reason, **common)  # type: ignore[arg-type]
