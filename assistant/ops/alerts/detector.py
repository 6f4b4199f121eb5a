"""Spike detection per (topic, region) against that pair's own baseline (pure).

The question: is this pair's rate of questions in the sliding window higher than in its baseline
period, *relative to all traffic*? Each count is Poisson; conditioned on their sum, the window's
count is binomial with p = exposure of the window / (exposure of the window + of the baseline) when
the two rates are equal. That is the exact conditional test for comparing two Poisson rates
(Przyborowski & Wilenski 1940, the "C-test"), one-sided. Exposure is every question counted in the
period, so the daily curve (busy mornings, quiet nights) is divided out: a pair is not a spike
because the whole center is busy. The p-value is ``scipy.stats.binomtest(k, n, p, alternative=
"greater").pvalue``; the survival function it is computed with (``binom.sf``) costs a tenth as much.

A spike also needs ``min_count`` questions (a cluster of two is not an incident whatever the
p-value) and history: a baseline of at least ``min_history`` windows' worth of traffic.
``alpha`` is tiny because the test runs for every question on every pair it touches:
``bench/alerts.py`` measures the false alarms per day that results.

>>> test = SpikeTest(alpha=1e-6, min_count=5)
>>> test.assess(Counts(window=8, window_total=120, baseline=3, baseline_total=14_000)).count
8
>>> test.assess(Counts(window=8, window_total=120, baseline=900, baseline_total=14_000)) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binom


@dataclass(frozen=True, slots=True)
class Counts:
    """One pair's questions and all questions, in the window and in the baseline period."""

    window: int
    window_total: int
    baseline: int
    baseline_total: int


@dataclass(frozen=True, slots=True)
class Spike:
    """A significant excess: ``count`` in the window where ``expected`` were expected."""

    count: int
    expected: float
    p_value: float


@dataclass(frozen=True, slots=True)
class SpikeTest:
    """The one-sided conditional binomial test of a pair's window rate against its baseline rate."""

    alpha: float = 1e-6
    min_count: int = 5
    min_history: float = 6.0

    def expected(self, c: Counts) -> float:
        """The pair's count expected in the window at its baseline share of all traffic."""
        return c.baseline * c.window_total / c.baseline_total if c.baseline_total else 0.0

    def p_value(self, c: Counts) -> float:
        share = c.window_total / (c.window_total + c.baseline_total)
        return float(binom.sf(c.window - 1, c.window + c.baseline, share))

    def assess(self, c: Counts) -> Spike | None:
        if c.window < self.min_count or c.window_total <= 0 or c.baseline_total < self.min_history * c.window_total:
            return None
        p = self.p_value(c)
        return Spike(c.window, self.expected(c), p) if p < self.alpha else None
