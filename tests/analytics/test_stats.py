from __future__ import annotations

import math
from fractions import Fraction
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from analytics import stats
from analytics.stats import (
    BETTER,
    EXACT_BELOW_H,
    EXACT_TEST,
    MIN_CHANGE_POINTS,
    MIN_TEST_N,
    WORSE,
    WORSE_SHARE,
    Z_TEST,
    boschloo_p,
    compare,
    correct,
    fisher_p,
    pct,
    two_proportion_p,
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


def test_pct_rounds_half_up_everywhere():
    assert pct(33 / 40) == 83  # 82.5: banker's rounding would say 82
    assert pct(0.125) == 13 and pct(0.5) == 50 and pct(1 / 3) == 33
    for k in range(0, 201):
        exact = Fraction(100 * k, 200)
        want = int(exact) + (1 if exact - int(exact) >= Fraction(1, 2) else 0)
        assert pct(k / 200) == want


def test_boschloo_p_is_scipys_one_sided_test_in_either_order():
    # Rate 1 above rate 0 (7/19 > 8/11 is false: 'less'); scipy's samples are columns.
    want = sps.boschloo_exact([[7, 8], [12, 3]], alternative="less").pvalue
    assert boschloo_p(7, 19, 8, 11, higher=False) == pytest.approx(want)
    assert boschloo_p(8, 11, 7, 19, higher=True) == pytest.approx(want)
    assert boschloo_p(0, 20, 0, 30, higher=True) == 1.0
    assert math.isnan(boschloo_p(1, 0, 1, 5, higher=True))
    # Never less powerful than Fisher's one-sided test on the same table.
    fisher_one = sps.fisher_exact([[10, 4], [7, 13]], alternative="greater")[1]
    assert boschloo_p(10, 17, 4, 17, higher=True) <= fisher_one


def test_two_proportion_p_matches_the_z_test():
    # The pooled z statistic, by the textbook, against what the digest uses.
    k1, n1, k0, n0 = 20, 40, 10, 40
    p = (k1 + k0) / (n1 + n0)
    z = (k1 / n1 - k0 / n0) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    assert two_proportion_p(k1, n1, k0, n0) == pytest.approx(2 * sps.norm.sf(abs(z)))
    assert two_proportion_p(0, 30, 0, 40) == 1.0
    assert math.isnan(two_proportion_p(1, 0, 1, 5))
    assert two_proportion_p(k1, n1, k0, n0, "larger") == pytest.approx(sps.norm.sf(z))
    assert two_proportion_p(k1, n1, k0, n0, "smaller") == pytest.approx(sps.norm.cdf(z))


def test_compare_pools_each_side_and_picks_the_test_by_size():
    c = compare([(12, 30), (14, 34)], [(5, 31), (6, 33), (7, 30)], (5, 4), (3, 2, 1), True)
    assert (c.k_now, c.n_now, c.k_before, c.n_before) == (26, 64, 18, 94)
    assert c.rounds_now == (5, 4) and c.rounds_before == (3, 2, 1)
    # 64 against 94 answers is small (n1*n0/(n1+n0) = 38): the exact test,
    # one-sided for the worse (a rise where higher is worse).
    assert c.test == f"{EXACT_TEST}, {WORSE}"
    assert c.p == pytest.approx(boschloo_p(26, 64, 18, 94, higher=True) / WORSE_SHARE)
    assert c.points == pct(26 / 64) - pct(18 / 94)
    big = compare([(150, 300)], [(200, 400)], (2,), (1,), True)  # 300*400/700 = 171
    assert big.test == f"{Z_TEST}, {WORSE}"
    assert big.p == pytest.approx(min(1, two_proportion_p(150, 300, 200, 400, "larger")
                                      / WORSE_SHARE))
    edge = EXACT_BELOW_H * 2  # n1 = n0 = 2h sits exactly on the boundary
    assert compare([(1, edge)], [(1, edge)], (2,), (1,), True).test.startswith(Z_TEST)
    assert compare([(1, edge - 1)], [(1, edge)], (2,), (1,), True).test.startswith(EXACT_TEST)
    assert compare([], [(1, 4)], (), (1,), True) is None


def test_the_split_gives_a_worsening_four_fifths_of_alpha_whichever_way_is_worse():
    # Burnout up 30 -> 45 of 100, and "favourable" down 70 -> 55: both worse.
    rise = compare([(45, 100)], [(30, 100)], (2,), (1,), higher_is_worse=True)
    fall = compare([(55, 100)], [(70, 100)], (2,), (1,), higher_is_worse=False)
    one_sided = boschloo_p(45, 100, 30, 100, higher=True)  # 100 a side: the exact test
    assert (1 - WORSE_SHARE) * stats.ALPHA < one_sided < WORSE_SHARE * stats.ALPHA
    for ch in (rise, fall):
        assert WORSE in ch.test and ch.p == pytest.approx(one_sided / WORSE_SHARE)
        assert correct([ch])[0].real
    # The same move for the better gets the other 1%: not a real change.
    better = compare([(45, 100)], [(30, 100)], (2,), (1,), higher_is_worse=False)
    assert BETTER in better.test
    assert better.p == pytest.approx(one_sided / (1 - WORSE_SHARE))
    assert not correct([better])[0].real
    # No move at all is tested (as a worsening) and never real.
    flat = compare([(30, 100)], [(30, 100)], (2,), (1,), higher_is_worse=False)
    assert WORSE in flat.test and not correct([flat])[0].real


def _change(p: float, points: int, n: int = 100):
    """A Change with a given raw p and shown change in points."""
    base = compare([(n // 2 + points * n // 100, n)], [(n // 2, n)], (2,), (1,), True)
    assert base.points == points
    return stats.Change(base.k_now, base.n_now, base.k_before, base.n_before,
                        base.rounds_now, base.rounds_before, p, Z_TEST)


def test_correction_is_holm_over_the_whole_digest():
    ps = [0.004, 0.03, 0.03, 0.04, 0.5]
    out = correct([_change(p, 20) for p in ps] + [None])
    assert out[-1] is None
    want = multipletests(ps, alpha=stats.ALPHA, method="holm")[1]
    assert [c.p_adjusted for c in out[:-1]] == pytest.approx(list(want))
    assert [c.real for c in out[:-1]] == [bool(w < stats.ALPHA) for w in want]
    # Alone, p=0.03 would be real; in a family of five it is not.
    assert correct([_change(0.03, 20)])[0].real
    assert not out[1].real


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.01, 0.05, 0.5, 1.0])),
                min_size=1, max_size=8))
def test_holm_equals_statsmodels(ps):
    # The oracle runs a full gc.collect() per call (why stats.holm exists):
    # half a second each in this test process. The arithmetic is untouched.
    with mock.patch("gc.collect", return_value=0):
        want = multipletests(ps, alpha=stats.ALPHA, method="holm")[1]
    assert stats.holm(ps) == pytest.approx(list(want), abs=1e-12)


def test_real_needs_the_minimum_change_and_enough_answers():
    big_n = correct([_change(1e-6, MIN_CHANGE_POINTS - 1, n=5000)])[0]
    assert big_n.p_adjusted < stats.ALPHA and not big_n.real  # significant but too small
    enough = correct([_change(1e-6, MIN_CHANGE_POINTS, n=100)])[0]
    assert enough.real
    few = compare([(MIN_TEST_N - 1, MIN_TEST_N - 1)], [(0, 40)], (2,), (1,), True)
    assert not few.testable and correct([few])[0] is few  # untested: no share of alpha


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60),
       st.booleans())
def test_compare_never_flags_nan(k1, n1, k0, n0, higher_is_worse):
    k1, k0 = min(k1, n1), min(k0, n0)
    ch = compare([(k1, n1)], [(k0, n0)], (2,), (1,), higher_is_worse)
    if n1 == 0 or n0 == 0:
        assert ch is None
        return
    (out,) = correct([ch])
    assert 0 <= ch.p <= 1
    assert out.real == (out.testable and out.p_adjusted < stats.ALPHA
                        and abs(out.points) >= MIN_CHANGE_POINTS)


def test_pooled_rate():
    assert stats.pooled_rate([(1, 4), (3, 6)]) == pytest.approx(0.4)
    assert stats.pooled_rate([]) is None
    assert stats.merge_hists([{1: 2}, {1: 1, 3: 0, 2: 4}]) == {1: 3, 2: 4}
    assert math.isnan(stats.hist_mean({}))
