"""Small-sample statistics for digests. Pure: no I/O.

Conventions
-----------
* Rates are fractions in [0, 1]; a rate *change* is reported in percentage
  points (``delta`` = 100 * (current - comparison)). Mean changes are raw scale
  units.
* Rate changes are tested with Fisher's exact test on the 2x2 table
  (flagged / not flagged) x (current / comparison); score changes with a
  two-sided Mann–Whitney U test on the expanded value histograms.
* A change is flagged ``significant`` only when ``p < ALPHA`` (0.05) **and**
  both groups have at least ``MIN_TEST_N`` (10) answers. Below that a p-value
  from a handful of people is more noise than signal, so digests show a
  rolling average over the last up-to-4 rounds instead of a flag.
* Every function tolerates empty groups and returns ``nan`` rather than
  raising; callers check ``math.isfinite``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scipy import stats as _sps

ALPHA = 0.05
# Minimum answers in *each* group before a change can be called significant.
MIN_TEST_N = 10

FISHER = "Fisher's exact test"
MANN_WHITNEY = "Mann–Whitney U"

VS_PREVIOUS = "previous"
VS_AVERAGE = "4-round average"


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n, as fractions.

    For n == 0 nothing is known and the interval is the whole range (0, 1).
    """
    if n <= 0:
        return (0.0, 1.0)
    k = min(max(k, 0), n)
    z = float(_sps.norm.ppf(1 - (1 - confidence) / 2))
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    # Float noise can push the bound a hair past the point estimate at k=0/k=n.
    return (min(lo, p), max(hi, p))


def fisher_p(k1: int, n1: int, k0: int, n0: int) -> float:
    """Two-sided Fisher's exact p for k1/n1 vs k0/n0; nan if a group is empty."""
    if n1 <= 0 or n0 <= 0:
        return math.nan
    table = [[k1, n1 - k1], [k0, n0 - k0]]
    try:
        p = float(_sps.fisher_exact(table, alternative="two-sided")[1])
    except ValueError:
        return math.nan
    return min(p, 1.0) if math.isfinite(p) else math.nan


def expand(hist: Mapping[int, int]) -> list[int]:
    """Turn a value histogram {value: count} into a flat list of values."""
    out: list[int] = []
    for value, count in sorted(hist.items()):
        if count > 0:
            out.extend([value] * int(count))
    return out


def mann_whitney_p(hist1: Mapping[int, int], hist0: Mapping[int, int]) -> float:
    """Two-sided Mann–Whitney U p on two value histograms; nan if undefined."""
    a, b = expand(hist1), expand(hist0)
    if not a or not b:
        return math.nan
    if len(set(a) | set(b)) == 1:
        return 1.0  # every answer identical: no difference to find
    try:
        p = float(_sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    except ValueError:
        return math.nan
    return min(p, 1.0) if math.isfinite(p) else math.nan


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


@dataclass(frozen=True)
class Change:
    """A change between the current round and a comparison.

    ``delta`` is in percentage points for rates (``kind == "rate"``) and in raw
    scale units for means (``kind == "mean"``). ``p`` may be ``nan``.
    """

    delta: float
    vs: str  # VS_PREVIOUS or VS_AVERAGE
    p: float
    test: str  # FISHER or MANN_WHITNEY
    significant: bool
    kind: str = "rate"
    n_current: int = 0
    n_compare: int = 0

    @property
    def testable(self) -> bool:
        """Both groups large enough for the test to mean something."""
        return (
            self.n_current >= MIN_TEST_N
            and self.n_compare >= MIN_TEST_N
            and math.isfinite(self.p)
        )

    @property
    def direction(self) -> int:
        if not math.isfinite(self.delta):
            return 0
        d = self.shown_size
        return 0 if d == 0 else (1 if self.delta > 0 else -1)

    @property
    def shown_size(self) -> float:
        """|delta| as displayed: whole points (rates) or one decimal (means),
        rounding half up."""
        if not math.isfinite(self.delta):
            return 0
        if self.kind == "rate":
            return math.floor(abs(self.delta) + 0.5)
        return math.floor(abs(self.delta) * 10 + 0.5) / 10

    def describe(self) -> str:
        """E.g. "▲ 8 pts vs last round (not significant, Fisher's exact test p=0.41)"."""
        arrow = {1: "▲", -1: "▼", 0: "●"}[self.direction]
        if self.direction == 0:
            size = "no change"
        elif self.kind == "rate":
            size = f"{self.shown_size} pts"
        else:
            size = f"{self.shown_size:.1f}"
        vs = "vs last round" if self.vs == VS_PREVIOUS else "vs 4-round average"
        if not self.testable:
            why = "too few responses to test"
        else:
            verdict = "significant" if self.significant else "not significant"
            why = f"{verdict}, {self.test} p={format_p(self.p)}"
        return f"{arrow} {size} {vs} ({why})"


def format_p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    if p < 0.001:
        return "<0.001"
    if p < 0.01:
        return f"{p:.3f}"
    return f"{p:.2f}"


def _flag(p: float, n1: int, n0: int, alpha: float) -> bool:
    return math.isfinite(p) and p < alpha and n1 >= MIN_TEST_N and n0 >= MIN_TEST_N


def rate_change(
    k1: int, n1: int, k0: int, n0: int, vs: str = VS_PREVIOUS, alpha: float = ALPHA
) -> Change | None:
    """Change in a rate, in percentage points, tested with Fisher's exact test.

    ``None`` when either group is empty (no comparison possible).
    """
    if n1 <= 0 or n0 <= 0:
        return None
    delta = 100.0 * (k1 / n1 - k0 / n0)
    p = fisher_p(k1, n1, k0, n0)
    return Change(delta, vs, p, FISHER, _flag(p, n1, n0, alpha), "rate", n1, n0)


def mean_change(
    hist1: Mapping[int, int], hist0: Mapping[int, int], vs: str = VS_PREVIOUS,
    alpha: float = ALPHA,
) -> Change | None:
    """Change in the mean score, tested with a two-sided Mann–Whitney U test."""
    n1, n0 = hist_n(hist1), hist_n(hist0)
    if n1 == 0 or n0 == 0:
        return None
    delta = hist_mean(hist1) - hist_mean(hist0)
    p = mann_whitney_p(hist1, hist0)
    return Change(delta, vs, p, MANN_WHITNEY, _flag(p, n1, n0, alpha), "mean", n1, n0)


def pooled_rate(parts: Iterable[tuple[int, int]]) -> float | None:
    """Pooled rate over several (k, n) groups (e.g. a rolling 4-round average)."""
    k = n = 0
    for pk, pn in parts:
        k += pk
        n += pn
    return k / n if n > 0 else None
