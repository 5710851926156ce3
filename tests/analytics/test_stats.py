from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import stats
from analytics.stats import (
    FISHER,
    MANN_WHITNEY,
    MIN_TEST_N,
    VS_AVERAGE,
    VS_PREVIOUS,
    Change,
    fisher_p,
    mann_whitney_p,
    mean_change,
    rate_change,
    wilson,
)


def test_wilson_known_value():
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4)
    assert hi == pytest.approx(0.7634, abs=1e-4)


def test_wilson_edges():
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and 0 < hi < 0.2
    lo, hi = wilson(20, 20)
    assert hi == 1.0 and 0.8 < lo < 1
    # Wider at higher confidence.
    assert wilson(5, 10, 0.99)[0] < wilson(5, 10, 0.95)[0]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 500), st.integers(0, 500))
def test_wilson_contains_estimate(k, n):
    k = min(k, n)
    lo, hi = wilson(k, n)
    assert 0.0 <= lo <= hi <= 1.0
    if n:
        assert lo <= k / n <= hi


def test_fisher_known_value():
    # Classic tea-tasting table [[3, 1], [1, 3]]: two-sided p = 0.4857.
    assert fisher_p(3, 4, 1, 4) == pytest.approx(0.4857, abs=1e-3)
    assert math.isnan(fisher_p(1, 0, 1, 5))


def test_mann_whitney():
    assert math.isnan(mann_whitney_p({}, {1: 3}))
    assert mann_whitney_p({3: 10}, {3: 12}) == 1.0
    p = mann_whitney_p({1: 20, 2: 5}, {4: 20, 5: 5})
    assert p < 0.001


def test_rate_change_significance_needs_n():
    big = rate_change(30, 40, 5, 40)
    assert big is not None and big.significant and big.test == FISHER
    assert big.delta == pytest.approx(62.5)
    assert big.vs == VS_PREVIOUS and big.kind == "rate"
    # Same proportions, too few people: never flagged.
    small = rate_change(7, 8, 1, 8)
    assert small is not None and not small.significant
    assert small.p < 0.05  # p alone would say significant
    assert not small.testable
    assert "too few responses to test" in small.describe()
    assert rate_change(1, 0, 1, 10) is None


def test_mean_change():
    ch = mean_change({4: 15, 5: 10}, {1: 15, 2: 10}, VS_AVERAGE)
    assert ch is not None and ch.test == MANN_WHITNEY and ch.kind == "mean"
    assert ch.delta == pytest.approx(3.0)
    assert ch.significant and ch.vs == VS_AVERAGE
    assert mean_change({}, {1: 3}) is None


def test_describe():
    c = Change(8.2, VS_PREVIOUS, 0.41, FISHER, False, "rate", 30, 30)
    assert c.describe() == "▲ 8 pts vs last round (not significant, Fisher's exact test p=0.41)"
    c = Change(-12, VS_AVERAGE, 0.0004, FISHER, True, "rate", 30, 90)
    assert c.describe() == "▼ 12 pts vs 4-round average (significant, Fisher's exact test p=<0.001)"
    c = Change(0.2, VS_PREVIOUS, 0.03, MANN_WHITNEY, True, "mean", 20, 20)
    assert c.describe().startswith("▲ 0.2 vs last round (significant, Mann–Whitney U p=0.03")
    c = Change(0.3, VS_PREVIOUS, math.nan, FISHER, False, "rate", 30, 30)
    assert c.direction == 0 and "no change" in c.describe()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_rate_change_never_nan_flagged(k1, n1, k0, n0):
    k1, k0 = min(k1, n1), min(k0, n0)
    ch = rate_change(k1, n1, k0, n0)
    if n1 == 0 or n0 == 0:
        assert ch is None
        return
    assert math.isfinite(ch.delta)
    assert ch.significant == (ch.p < stats.ALPHA and min(n1, n0) >= MIN_TEST_N)
    assert 0 <= ch.p <= 1


def test_pooled_rate():
    assert stats.pooled_rate([(1, 4), (3, 6)]) == pytest.approx(0.4)
    assert stats.pooled_rate([]) is None
    assert stats.merge_hists([{1: 2}, {1: 1, 3: 0, 2: 4}]) == {1: 3, 2: 4}
    assert math.isnan(stats.hist_mean({}))
