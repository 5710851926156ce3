"""The verdict's false-alarm rate, computed exactly rather than simulated.

For a measure that did not change (both sides drawn at the same true rate),
the chance that the digest calls it real is the binomial probability of the
tables the real decision (``compare`` then ``correct``, as for burnout, the
primary measure tested at full alpha) rejects, a worsening and an improvement
together. It must stay at or under ``ALPHA`` whatever the true rate, on both
sides of the exact/z boundary and whichever way is worse."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from analytics import stats

RATES = np.round(np.arange(0.05, 0.96, 0.05), 2)


def _real(k1: int, n1: int, k0: int, n0: int, higher_is_worse: bool) -> bool:
    ch = stats.compare([(k1, n1)], [(k0, n0)], (2,), (1,), higher_is_worse)
    return bool(stats.correct([ch], primary=0)[0].real)


def _false_alarm_rates(n1: int, n0: int, higher_is_worse: bool = True) -> list[float]:
    pmf1 = [sps.binom.pmf(np.arange(n1 + 1), n1, r) for r in RATES]
    pmf0 = [sps.binom.pmf(np.arange(n0 + 1), n0, r) for r in RATES]
    rej = np.zeros((n1 + 1, n0 + 1))
    for k1 in range(n1 + 1):
        for k0 in range(n0 + 1):
            # Tables no rate makes likely can't move the rate: skip the test call.
            if max(a[k1] * b[k0] for a, b in zip(pmf1, pmf0, strict=True)) < 1e-9:
                continue
            rej[k1, k0] = _real(k1, n1, k0, n0, higher_is_worse)
    return [float(a @ rej @ b) for a, b in zip(pmf1, pmf0, strict=True)]


@pytest.mark.parametrize(("n1", "n0", "higher_is_worse"),
                         [(12, 14, True), (16, 24, True), (16, 24, False)])
def test_exact_side_never_cries_wolf_more_than_alpha(n1, n0, higher_is_worse):
    assert stats.exact_needed(n1, n0)
    rates = _false_alarm_rates(n1, n0, higher_is_worse)
    assert max(rates) <= stats.ALPHA
    assert max(rates) > 0.02  # and it is not a test that never rejects


def test_z_side_at_the_boundary_never_cries_wolf_more_than_alpha():
    n = 2 * stats.EXACT_BELOW_H  # n*n/(2n) = EXACT_BELOW_H: the smallest z-test case
    assert not stats.exact_needed(n, n) and stats.exact_needed(n - 1, n)
    rates = _false_alarm_rates(n, n)
    assert max(rates) <= stats.ALPHA
    assert max(rates) > 0.01


def test_the_plain_z_test_would_cry_wolf_below_the_boundary():
    # Why the exact test is there: at 30 answers a side the z-test alone,
    # split the same way and with the same minimum change, rejects 5.3% of
    # unchanged measures at 35%.
    n = 30
    pmf = sps.binom.pmf(np.arange(n + 1), n, 0.35)

    def z_real(a: int, b: int) -> bool:
        up = a > b
        share = stats.WORSE_SHARE if up else 1 - stats.WORSE_SHARE  # higher is worse
        p = stats.two_proportion_p(a, n, b, n, "larger" if up else "smaller")
        return p < share * stats.ALPHA and abs(
            stats.pct(a / n) - stats.pct(b / n)) >= stats.MIN_CHANGE_POINTS

    rej = np.array([[z_real(a, b) for b in range(n + 1)] for a in range(n + 1)], dtype=float)
    assert pmf @ rej @ pmf > stats.ALPHA
