"""Small-sample statistics for digests. Pure: no I/O.

Conventions
-----------
* Rates are fractions in [0, 1]; a change is reported in whole percentage
  points, as the difference of the two *shown* percentages (so "from 31% to
  55%" always reads as 24 points).
* Each measure gets **one** pre-declared test per digest: its rate over the
  recent rounds against its rate over the rounds before them
  (``analytics.digest.history.comparison`` chooses the rounds). The test is
  one-sided in the direction the data moved, with the 5% split in advance
  between the two directions: a change for the worse (which way is worse is
  fixed per question by the bank) is tested at ``WORSE_SHARE`` of ``ALPHA``,
  one for the better at the rest (weighted Bonferroni over the two sides, so
  an unchanged measure is called changed in either direction at most
  ``ALPHA`` of the time). ``p`` is the one-sided p divided by its side's
  share, so it reads against ``ALPHA`` like any p. Boschloo's exact test
  (``scipy.stats.boschloo_exact``) while the sides are small, and the pooled
  two-proportion z-test once they are large enough that the normal
  approximation, with the minimum change, keeps false alarms under ``ALPHA``
  (``exact_needed``). Means are never tested.
* The digest's tests form one family: burnout, the pre-declared primary
  measure, is tested first at full ``ALPHA``; the others are corrected with
  Holm's method (``holm``, equal to ``statsmodels``' ``multipletests``) and count
  only once burnout's test rejects (serial gatekeeping). The chance that a
  digest flags anything that did not change stays under ``ALPHA``, also in a
  digest where something else did change. A change is *real* only
  when its corrected p is below ``ALPHA`` **and** it moved at least
  ``MIN_CHANGE_POINTS`` points **and** each side has ``MIN_TEST_N`` answers.
* Every function tolerates empty groups and returns ``nan`` rather than
  raising; callers check ``math.isfinite``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from scipy import stats as _sps
from statsmodels.stats.proportion import proportions_ztest

ALPHA = 0.05
# Minimum answers on *each* side before a change can be called real.
MIN_TEST_N = 10
# The smallest change in a rate worth a leader's attention, in points.
MIN_CHANGE_POINTS = 10
CORRECTION_NAME = "burnout-first Holm"

Z_TEST = "two-proportion z-test"
EXACT_TEST = "Boschloo's exact test"
# The share of ALPHA spent on catching a change for the worse; the rest
# (1%) on one for the better. Candor is an early warning: a worsening caught
# a round late costs more than an improvement headlined a round late. The
# split is fixed here, for every measure, never chosen from the data; with an
# even split (two-sided) the 40-person clinic catches a 20-point rise in
# burnout by round 5 about 76% of the time, with this one 82% (exact figures
# in docs/leaders.md).
WORSE_SHARE = 0.8
WORSE = "one-sided for a worsening"
BETTER = "one-sided for an improvement"
# The z-test is used only once n1*n0/(n1+n0) reaches this. Below it, the
# z-test's p is too small often enough that, even with the 10-point minimum,
# over 5% of unchanged measures are called real (5.1-5.3% at 34 to 150
# answers a side, over true rates 1-99%, computed exactly). From 120 on the
# minimum change dominates, and the z-test plus it stays under 3% (checked at
# the boundary in tests/analytics/test_stats_size.py). The exact test, which
# costs up to a few hundred milliseconds per call near the boundary and grows
# with n1*n0, is not needed there.
EXACT_BELOW_H = 120


def pct(x: float) -> int:
    """Whole-number percentage, rounding half up (33/40 -> 83, not banker's 82).

    The one rounding rule for every rate candor shows: cells, response rates,
    changes, the chart and the export."""
    return int(math.floor(100 * x + 0.5 + 1e-9))


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n, as fractions.

    For n == 0 nothing is known and the interval is the whole range (0, 1).
    """
    if n <= 0:
        return (0.0, 1.0)
    k = min(max(k, 0), n)
    z = _z(confidence)
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    # Float noise can push the bound a hair past the point estimate at k=0/k=n.
    return (min(lo, p), max(hi, p))


@lru_cache(maxsize=8)
def _z(confidence: float) -> float:
    # scipy's ppf costs ~0.1 ms a call; a digest asks for it once per cell.
    return float(_sps.norm.ppf(1 - (1 - confidence) / 2))


def fisher_p(k1: int, n1: int, k0: int, n0: int) -> float:
    """Two-sided Fisher's exact p for k1/n1 vs k0/n0; nan if a group is empty."""
    if n1 <= 0 or n0 <= 0:
        return math.nan
    try:
        p = float(_sps.fisher_exact([[k1, n1 - k1], [k0, n0 - k0]])[1])
    except ValueError:
        return math.nan
    return min(p, 1.0) if math.isfinite(p) else math.nan


def two_proportion_p(
    k1: int, n1: int, k0: int, n0: int, alternative: str = "two-sided",
) -> float:
    """Pooled two-proportion z-test p (``alternative``: "two-sided", or
    "larger"/"smaller" for rate 1 above/below rate 0); 1.0 when both rates
    are 0 or both 1 (nothing to find), nan if a group is empty."""
    if n1 <= 0 or n0 <= 0:
        return math.nan
    if (k1 + k0) in (0, n1 + n0):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _, p = proportions_ztest([k1, k0], [n1, n0], alternative=alternative)
    p = float(p)
    return min(p, 1.0) if math.isfinite(p) else math.nan


def exact_needed(n1: int, n0: int) -> bool:
    """Whether the sides are small enough that the exact test is used."""
    return n1 * n0 < EXACT_BELOW_H * (n1 + n0)


@lru_cache(maxsize=4096)
def boschloo_p(k1: int, n1: int, k0: int, n0: int, higher: bool) -> float:
    """One-sided p of Boschloo's exact unconditional test that rate 1 is
    above (``higher``) or below rate 0: the largest chance, over every common
    true rate, of a Fisher p at least this small, so the test never rejects
    more than its level of unchanged measures, whatever the rate, and it is
    never less powerful than Fisher's test. nan if a group is empty. Cached:
    the Details button and a re-posted digest test the same counts again."""
    if n1 <= 0 or n0 <= 0:
        return math.nan
    if (k1 + k0) in (0, n1 + n0):
        return 1.0
    # scipy takes the two samples as the table's *columns*.
    alt = "greater" if higher else "less"
    p = float(_sps.boschloo_exact([[k1, k0], [n1 - k1, n0 - k0]], alternative=alt).pvalue)
    return min(p, 1.0) if math.isfinite(p) else math.nan


def side_p(k1: int, n1: int, k0: int, n0: int, higher_is_worse: bool) -> tuple[float, str]:
    """(p, side) of the pre-declared split test: one-sided in the direction
    the rates moved, divided by that side's share of ``ALPHA`` (so ``p <
    ALPHA`` is the side's own level). No move is tested as a worsening."""
    higher = k1 * n0 >= k0 * n1 if higher_is_worse else k1 * n0 > k0 * n1
    worse = higher == higher_is_worse
    share = WORSE_SHARE if worse else 1 - WORSE_SHARE
    if exact_needed(n1, n0):
        p = boschloo_p(k1, n1, k0, n0, higher)
    else:
        p = two_proportion_p(k1, n1, k0, n0, "larger" if higher else "smaller")
    return min(1.0, p / share), WORSE if worse else BETTER


def hist_n(hist: Mapping[int, int]) -> int:
    return int(sum(c for c in hist.values() if c > 0))


def hist_mean(hist: Mapping[int, int]) -> float:
    n = hist_n(hist)
    if n == 0:
        return math.nan
    return sum(v * c for v, c in hist.items() if c > 0) / n


def merge_hists(hists: Iterable[Mapping[int, int]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for h in hists:
        for v, c in h.items():
            if c > 0:
                out[v] = out.get(v, 0) + int(c)
    return out


def rate(k: int, n: int) -> float:
    return k / n if n > 0 else math.nan


def pooled_rate(parts: Iterable[tuple[int, int]]) -> float | None:
    """Pooled rate over several (k, n) groups (e.g. the last 4 rounds)."""
    k = n = 0
    for pk, pn in parts:
        k += pk
        n += pn
    return k / n if n > 0 else None


@dataclass(frozen=True)
class Change:
    """One measure's pre-declared comparison: its rate over ``rounds_now``
    (pooled) against its rate over ``rounds_before`` (pooled).

    ``p`` is the raw test p; ``p_adjusted`` the corrected one, filled by
    ``correct``; ``real`` is the verdict a leader sees."""

    k_now: int
    n_now: int
    k_before: int
    n_before: int
    rounds_now: tuple[int, ...]  # round numbers, newest first
    rounds_before: tuple[int, ...]
    p: float
    test: str
    p_adjusted: float = math.nan
    real: bool = False

    @property
    def now(self) -> float:
        return self.k_now / self.n_now

    @property
    def before(self) -> float:
        return self.k_before / self.n_before

    @property
    def points(self) -> int:
        """Signed change in whole points, as the shown percentages differ."""
        return pct(self.now) - pct(self.before)

    @property
    def direction(self) -> int:
        return (self.points > 0) - (self.points < 0)

    @property
    def testable(self) -> bool:
        return min(self.n_now, self.n_before) >= MIN_TEST_N and math.isfinite(self.p)

    @property
    def large(self) -> bool:
        return abs(self.points) >= MIN_CHANGE_POINTS


def compare(
    now: Sequence[tuple[int, int]], before: Sequence[tuple[int, int]],
    rounds_now: Sequence[int], rounds_before: Sequence[int], higher_is_worse: bool,
) -> Change | None:
    """Pool (k, n) per round on each side and test; None if a side is empty."""
    k1, n1 = sum(k for k, _ in now), sum(n for _, n in now)
    k0, n0 = sum(k for k, _ in before), sum(n for _, n in before)
    if n1 <= 0 or n0 <= 0:
        return None
    p, side = side_p(k1, n1, k0, n0, higher_is_worse)
    test = f"{EXACT_TEST if exact_needed(n1, n0) else Z_TEST}, {side}"
    return Change(k1, n1, k0, n0, tuple(rounds_now), tuple(rounds_before), p, test)


def correct(changes: Sequence[Change | None], primary: int | None = None) -> list[Change | None]:
    """Correct the digest's family of tests (untestable ones take no share
    of the error rate) and set each change's verdict.

    With a pre-declared ``primary`` measure (burnout), serial gatekeeping:
    the primary is tested first at full ``ALPHA``; the others, Holm-corrected
    among themselves, count only once the primary's test rejects (adjusted
    p = max(primary p, Holm p)). The family's error rate stays under
    ``ALPHA`` and the measure leaders act on most keeps its full power; the
    price is that the others need burnout to have moved first."""
    idx = [i for i, c in enumerate(changes) if c is not None and c.testable]
    out = list(changes)
    if not idx:
        return out
    gate = 0.0
    if primary in idx:
        idx.remove(primary)
        gate = changes[primary].p  # type: ignore[union-attr]
        out[primary] = _verdict(changes[primary], gate)
    if idx:
        adj = holm([changes[i].p for i in idx])  # type: ignore[union-attr]
        for i, pa in zip(idx, adj, strict=True):
            out[i] = _verdict(changes[i], max(gate, float(pa)))
    return out


def holm(ps: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the order given.

    Written here because ``statsmodels``' ``multipletests(method="holm")``
    (0.15) runs a full ``gc.collect()`` on every call: 30-120 ms per digest,
    more than the rest of the build. Tested equal to it on generated inputs
    (tests/analytics/test_stats.py)."""
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    out = [0.0] * len(ps)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(ps) - rank) * ps[i]))
        out[i] = running
    return out


def _verdict(c: Change | None, p_adjusted: float) -> Change:
    assert c is not None
    return replace(c, p_adjusted=p_adjusted, real=p_adjusted < ALPHA and c.large)


def format_p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    if p < 0.001:
        return "<0.001"
    if p < 0.01:
        return f"{p:.3f}"
    return f"{p:.2f}"
