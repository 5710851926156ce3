"""Per-round counts as the digest plans them, and comparisons across rounds.

These objects hold raw counts and never leave the package: ``publishable``
turns a cell into a ``MetricCell`` carrying only what may be shown. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from analytics import privacy, stats
from analytics.digest.model import (
    MetricCell,
    QuestionInfo,
    RoundInfo,
    Trend,
    TrendLine,
    TrendPoint,
)

# question key -> team -> value -> count
Histograms = Mapping[str, Mapping[str, Mapping[int, int]]]


@dataclass
class CountCell:
    hist: dict[int, int]
    n: int
    k: int
    published: bool
    exact: bool

    @property
    def usable(self) -> bool:
        return self.published and self.exact and self.n > 0


class RoundView:
    """One round's counts per question and team, with what may be published."""

    def __init__(
        self, info: RoundInfo, hists: Histograms,
        questions: Sequence[QuestionInfo], min_n: int, prior: frozenset[str],
    ) -> None:
        self.info = info
        teams = _teams(info, hists)
        self.teams = sorted(teams)
        self.respondents = _respondents(info, hists, teams)
        self.pub = privacy.plan(self.respondents, min_n, prior)
        self.metric_pub: dict[str, privacy.Publication] = {}
        self.cells: dict[str, dict[str, CountCell]] = {}
        self.marks: set[str] = set()
        for q in questions:
            self._plan_question(q, hists.get(q.key, {}), prior)

    def _plan_question(
        self, q: QuestionInfo, per_team: Mapping[str, Mapping[int, int]], prior: frozenset[str],
    ) -> None:
        sc = q.scale
        hs = {t: {v: c for v, c in per_team.get(t, {}).items() if c > 0} for t in self.teams}
        n = {t: stats.hist_n(h) for t, h in hs.items()}
        k = {t: sum(c for v, c in h.items() if sc.is_flagged(v)) for t, h in hs.items()}
        earlier = privacy.metric_prior(prior, q.key)
        if earlier is None and not prior:
            earlier = (frozenset(), frozenset())
        mp = privacy.plan_metric(self.pub, n, None if earlier is None else earlier[0])
        exact = privacy.exact_cells(mp, n, k, None if earlier is None else earlier[1])
        self.marks |= privacy.metric_marks(q.key, mp.cells, exact)
        cells = {
            t: CountCell(hs[t], n[t], k[t], t in mp.cells, t in exact) for t in self.teams
        }
        cells[privacy.TOTAL] = CountCell(
            stats.merge_hists(hs.values()), sum(n.values()), sum(k.values()),
            privacy.TOTAL in mp.cells, privacy.TOTAL in exact,
        )
        self.metric_pub[q.key] = mp
        self.cells[q.key] = cells

    @property
    def org_respondents(self) -> int:
        return sum(self.respondents.values())

    def cell(self, qkey: str, team: str) -> CountCell | None:
        return self.cells.get(qkey, {}).get(team)

    def asked(self, qkey: str) -> bool:
        c = self.cell(qkey, privacy.TOTAL)
        return c is not None and c.n > 0


def _teams(info: RoundInfo, hists: Histograms) -> set[str]:
    teams = set(info.respondents) | set(info.invited)
    for per_team in hists.values():
        teams |= set(per_team)
    return teams


def _respondents(info: RoundInfo, hists: Histograms, teams: Iterable[str]) -> dict[str, int]:
    resp = {t: int(info.respondents.get(t, 0)) for t in teams}
    # A team in the counts but missing from respondents: at least its answers.
    for per_team in hists.values():
        for t, h in per_team.items():
            resp[t] = max(resp[t], stats.hist_n(h))
    return resp


def publishable(c: CountCell | None) -> MetricCell | None:
    if c is None or not c.published or c.n == 0:
        return None
    if c.exact:
        return MetricCell(
            n=c.n, rate=c.k / c.n, ci=stats.wilson(c.k, c.n), mean=stats.hist_mean(c.hist),
        )
    if not privacy.near_homogeneous(c.k, c.n):
        # Not extreme itself; withheld so a smaller group can't be subtracted out.
        return MetricCell(n=c.n, band="withheld to protect a smaller group")
    return MetricCell(
        n=c.n, band=privacy.rate_band(c.k, c.n), band_bounds=privacy.rate_band_bounds(c.k, c.n),
    )


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------


def change_vs_previous(
    cur: CountCell, history: Sequence[RoundView], qkey: str, team: str,
) -> tuple[stats.Change | None, stats.Change | None]:
    """(rate change, mean change) vs the latest earlier round that asked qkey."""
    if not cur.usable:
        return None, None
    for rv in history:
        prev = rv.cell(qkey, team)
        if prev is None or prev.n == 0:
            continue
        if not prev.usable:
            return None, None
        return (
            stats.rate_change(cur.k, cur.n, prev.k, prev.n, stats.VS_PREVIOUS),
            stats.mean_change(cur.hist, prev.hist, stats.VS_PREVIOUS),
        )
    return None, None


def _window(
    views: Sequence[RoundView], qkey: str, team: str, size: int,
) -> list[CountCell] | None:
    """Published cells of the last ``size`` rounds that asked qkey; None if any
    of them is banded (pooling would expose it)."""
    out: list[CountCell] = []
    for rv in views:
        c = rv.cell(qkey, team)
        if c is None or c.n == 0:
            continue
        if len(out) >= size:
            break
        if not c.published:
            continue  # hidden rounds are left out of the pool entirely
        if not c.exact:
            return None
        out.append(c)
    return out


def change_vs_average(
    cur: CountCell, history: Sequence[RoundView], qkey: str, team: str,
) -> stats.Change | None:
    if not cur.usable:
        return None
    win = _window(history, qkey, team, 4)
    if not win or len(win) < 2:
        return None
    k = sum(c.k for c in win)
    n = sum(c.n for c in win)
    return stats.rate_change(cur.k, cur.n, k, n, stats.VS_AVERAGE)


def rolling_rate(
    cur: CountCell, history: Sequence[RoundView], qkey: str, team: str,
) -> tuple[float | None, int]:
    """Pooled rate over this round and up to 3 earlier ones, and how many rounds."""
    if not cur.usable:
        return None, 0
    win = _window(history, qkey, team, 3)
    if win is None:
        return None, 0
    parts = [(cur.k, cur.n)] + [(c.k, c.n) for c in win]
    if len(parts) < 2:
        return None, 0
    return stats.pooled_rate(parts), len(parts)


# ---------------------------------------------------------------------------
# Trend
# ---------------------------------------------------------------------------


def trend(views: Sequence[RoundView], qs: Sequence[QuestionInfo]) -> Trend:
    """``views`` newest first; the trend covers the latest 12, oldest first."""
    chrono = list(reversed(views[:12]))
    lines: list[TrendLine] = []
    for q in qs:
        pts = [_trend_point(rv, q.key) for rv in chrono]
        if any(p.value is not None or p.band for p in pts):
            lines.append(TrendLine(q.key, q.label_en, q.scale.rate_name, tuple(pts)))
    return Trend(tuple(lines), tuple(rv.info.number for rv in chrono))


def _trend_point(rv: RoundView, qkey: str) -> TrendPoint:
    label = f"R{rv.info.number} · {rv.info.opened_on:%b} {rv.info.opened_on.day}"
    cell = publishable(rv.cell(qkey, privacy.TOTAL))
    if cell is None:
        return TrendPoint(rv.info.number, label, None)
    if cell.exact:
        lo, hi = cell.ci or (None, None)
        return TrendPoint(rv.info.number, label, cell.rate, lo, hi)
    lo, hi = cell.band_bounds or (None, None)
    return TrendPoint(rv.info.number, label, None, lo, hi, cell.band)
