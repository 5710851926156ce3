"""Per-round counts as the digest plans them, and comparisons across rounds.

These objects hold raw counts and never leave the package: ``publishable``
turns a cell into a ``MetricCell`` carrying only what may be shown. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from analytics import instruments, privacy, stats
from analytics.digest.model import (
    ROLLING_ROUNDS,
    MetricCell,
    QuestionInfo,
    RoundInfo,
    Trend,
    TrendLine,
    TrendPoint,
)

WITHHELD = "withheld so another team's figure can't be worked out by subtraction"

# question key -> team -> value -> count
Histograms = Mapping[str, Mapping[str, Mapping[int, int]]]


@dataclass
class CountCell:
    hist: dict[int, int]
    n: int
    k: int
    published: bool
    exact: bool
    # Which way the rate worsens, fixed by the bank: it decides which side of
    # the pre-declared test gets the larger share of alpha.
    higher_is_worse: bool = False

    @property
    def usable(self) -> bool:
        return self.published and self.exact and self.n > 0


class RoundView:
    """One round's counts per question and team, with what may be published."""

    def __init__(
        self, info: RoundInfo, hists: Histograms,
        questions: Sequence[QuestionInfo], min_n: int, prior: frozenset[str],
        blocked: frozenset[str] = frozenset(),
    ) -> None:
        self.info = info
        teams = _teams(info, hists)
        self.teams = sorted(teams)
        self.respondents = _respondents(info, hists, teams)
        self.blocked = blocked  # cells withheld across rounds (differencing)
        self.pub = privacy.plan(self.respondents, min_n, prior, blocked)
        self.metric_pub: dict[str, privacy.Publication] = {}
        self.cells: dict[str, dict[str, CountCell]] = {}
        self.marks: set[str] = set()
        for q in questions:
            self._plan_question(q, hists.get(q.key, {}), prior)

    def _plan_question(
        self, q: QuestionInfo, per_team: Mapping[str, Mapping[int, int]], prior: frozenset[str],
    ) -> None:
        hs, n, k = _team_counts(q, per_team, self.teams)
        earlier = privacy.metric_prior(prior, q.key)
        if earlier is None and not prior:
            earlier = (frozenset(), frozenset())
        mp = privacy.plan_metric(self.pub, n, None if earlier is None else earlier[0])
        exact = privacy.exact_cells(mp, n, k, None if earlier is None else earlier[1])
        self.marks |= privacy.metric_marks(q.key, mp.cells, exact)
        worse = instruments.higher_is_worse(q.key, q.scale_key)
        cells = {
            t: CountCell(hs[t], n[t], k[t], t in mp.cells, t in exact, worse) for t in self.teams
        }
        cells[privacy.TOTAL] = CountCell(
            stats.merge_hists(hs.values()), sum(n.values()), sum(k.values()),
            privacy.TOTAL in mp.cells, privacy.TOTAL in exact, worse,
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


def _team_counts(
    q: QuestionInfo, per_team: Mapping[str, Mapping[int, int]], teams: Sequence[str],
) -> tuple[dict[str, dict[int, int]], dict[str, int], dict[str, int]]:
    """(histogram, answers, flagged answers) per team, in one pass over each
    histogram. Runs for every round x question x team of a digest, so it
    avoids per-team generator calls; a question not asked that round (most
    of the bank) has no histograms at all and costs only the empty rows."""
    lo, hi = q.scale.flag_min, q.scale.flag_max  # Scale.is_flagged
    hs: dict[str, dict[int, int]] = {}
    n: dict[str, int] = {}
    k: dict[str, int] = {}
    for t in teams:
        src = per_team.get(t)
        h = {v: c for v, c in src.items() if c > 0} if src else {}
        hs[t] = h
        n[t] = int(sum(h.values()))
        k[t] = sum(c for v, c in h.items() if lo <= v <= hi) if h else 0
    return hs, n, k


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
        # Not extreme itself: withheld so that another team's (near-uniform)
        # figure can't be worked out by subtracting this one from the total.
        return MetricCell(n=c.n, band=WITHHELD)
    return MetricCell(
        n=c.n, band=privacy.rate_band(c.k, c.n), band_bounds=privacy.rate_band_bounds(c.k, c.n),
    )


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------

# The pre-declared comparison: the recent rounds against the rounds before
# them. Two recent rounds once there are three to compare them with, so a
# change that lasts is tested on twice the answers a round later.
RECENT = 2
BASELINE = 3
ROLLING = ROLLING_ROUNDS  # "last 4 rounds" for small teams pools exactly 4


def _usable_rounds(
    cur_number: int, cur: CountCell, history: Sequence[RoundView], qkey: str, team: str,
    limit: int,
) -> list[tuple[int, CountCell]]:
    """(round number, cell) of this round and of up to ``limit - 1`` earlier
    rounds whose cell was shown exactly; rounds that withheld or banded it
    are left out (pooling them would reveal them)."""
    out = [(cur_number, cur)]
    for rv in history:
        if len(out) >= limit:
            break
        c = rv.cell(qkey, team)
        if c is not None and c.usable:
            out.append((rv.info.number, c))
    return out


def comparison(
    cur_number: int, cur: CountCell, history: Sequence[RoundView], qkey: str, team: str,
) -> stats.Change | None:
    """The one test of ``qkey`` for ``team`` this round (untested: None)."""
    if not cur.usable:
        return None
    rounds = _usable_rounds(cur_number, cur, history, qkey, team, RECENT + BASELINE)
    if len(rounds) < 2:
        return None
    recent = RECENT if len(rounds) == RECENT + BASELINE else 1
    now, before = rounds[:recent], rounds[recent:]
    return stats.compare([(c.k, c.n) for _, c in now], [(c.k, c.n) for _, c in before],
                         [r for r, _ in now], [r for r, _ in before], cur.higher_is_worse)


def rolling_rate(
    cur: CountCell, history: Sequence[RoundView], qkey: str, team: str,
) -> float | None:
    """Pooled rate over exactly the last ``ROLLING`` rounds (this one
    included), when each of them showed the cell exactly; else None."""
    if not cur.usable or len(history) < ROLLING - 1:
        return None
    cells = [cur] + [rv.cell(qkey, team) for rv in history[:ROLLING - 1]]
    if any(c is None or not c.usable for c in cells):
        return None
    return stats.pooled_rate((c.k, c.n) for c in cells if c is not None)


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
    day = rv.info.opened_on
    if cell is None:
        return TrendPoint(rv.info.number, label, None, opened_on=day)
    if cell.exact:
        lo, hi = cell.ci or (None, None)
        return TrendPoint(rv.info.number, label, cell.rate, lo, hi, opened_on=day)
    lo, hi = cell.band_bounds or (None, None)
    return TrendPoint(rv.info.number, label, None, lo, hi, cell.band, opened_on=day)
