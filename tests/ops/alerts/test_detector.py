"""The spike test: exact, relative to all traffic, and only with enough evidence."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from assistant.ops.alerts.detector import Counts, SpikeTest

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("w", "wt", "b", "bt"), [(5, 100, 0, 14_000), (9, 300, 40, 20_000), (30, 80, 900, 9000)])
def test_p_value_is_scipys_one_sided_exact_binomial_test(w, wt, b, bt):
    c = Counts(w, wt, b, bt)
    expected = binomtest(w, w + b, wt / (wt + bt), alternative="greater").pvalue
    assert SpikeTest().p_value(c) == pytest.approx(expected, rel=1e-9)


def test_a_busy_hour_is_not_a_spike_when_the_pair_keeps_its_share():
    test = SpikeTest(alpha=1e-6, min_count=5)
    quiet = Counts(window=2, window_total=100, baseline=200, baseline_total=10_000)
    busy = Counts(window=20, window_total=1000, baseline=200, baseline_total=10_000)  # 10× traffic, same share
    assert test.assess(quiet) is None and test.assess(busy) is None
    surge = Counts(window=20, window_total=100, baseline=200, baseline_total=10_000)  # 10× the share
    spike = test.assess(surge)
    assert spike is not None and spike.count == 20 and spike.expected == pytest.approx(2.0)


def test_fewer_than_min_count_or_too_little_history_is_never_a_spike():
    test = SpikeTest(alpha=1e-3, min_count=5, min_history=6)
    assert test.assess(Counts(4, 100, 0, 50_000)) is None          # p is tiny but 4 questions are not an incident
    assert test.assess(Counts(5, 100, 0, 50_000)) is not None
    assert test.assess(Counts(50, 100, 0, 500)) is None            # 5 windows of history: not enough to judge


def test_false_alarm_rate_under_the_null_is_at_most_alpha():
    """Simulated pairs whose rate never changes: the share of tests that fire is at most alpha."""
    rng = np.random.default_rng(7)
    test = SpikeTest(alpha=0.01, min_count=1)
    fired = 0
    n = 20_000
    for rate in (0.5, 2.0, 8.0):
        w = rng.poisson(rate, n)
        b = rng.poisson(rate * 144, n)  # a day of 10-minute windows
        fired += sum(test.assess(Counts(int(x), 100, int(y), 14_400)) is not None for x, y in zip(w, b, strict=True))
    assert fired / (3 * n) <= 0.01
