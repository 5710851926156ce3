"""What the charts draw, taken from a ``Digest``: only values the digest shows.
Pure (no matplotlib), so tests check the data, not pixels.

Every figure is a whole percent rounded like the digest (``pct``), so a chart
never carries more precision than the text. The current round's points come
from the digest's own measure summaries (``Digest.metrics``), not from the
trend, so the chart's right-hand end always says what the digest says: a band
where the digest shows a band, nothing where it withholds. Earlier rounds come
from ``Digest.trend``; a trend point with neither a figure nor band bounds is
withheld, whatever text it carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from analytics.digest import (
    Digest,
    MetricCell,
    MetricSummary,
    Trend,
    TrendLine,
    TrendPoint,
    date_range,
    measure_name,
    pct,
    rounds_label,
)

SHOWN, BANDED, WITHHELD = "shown", "banded", "withheld"


@dataclass(frozen=True)
class Point:
    round_number: int
    status: str  # SHOWN, BANDED or WITHHELD
    value: int | None = None  # whole percent; SHOWN only
    lo: int | None = None  # SHOWN: 95% interval; BANDED: the band (whole percents)
    hi: int | None = None
    text: str = ""  # as the digest writes it: "31%", "0–20%"; "" when withheld

    @property
    def drawn(self) -> bool:
        return self.status != WITHHELD

    @property
    def middle(self) -> float | None:
        """Where a label for this point sits: the value, or the band's middle."""
        if self.value is not None:
            return float(self.value)
        if self.lo is not None and self.hi is not None:
            return (self.lo + self.hi) / 2
        return None


@dataclass(frozen=True)
class Series:
    key: str
    name: str  # the digest's label, e.g. "Support (favourable)"
    rate_name: str  # "burnout", "favourable", "yes"
    is_burnout: bool
    points: tuple[Point, ...]  # one per round of ``ChartData.rounds``

    @property
    def current(self) -> Point:
        return self.points[-1]


@dataclass(frozen=True)
class ChartData:
    title: str  # e.g. "Rounds 3–6 (Sep 1 – Nov 24, 2026)"
    rounds: tuple[int, ...]  # oldest first; the last is the digest's round
    days: tuple[date | None, ...]  # the day each round opened, when known
    series: tuple[Series, ...]  # burnout first


def cell_point(round_number: int, cell: MetricCell | None) -> Point:
    """A digest cell as drawn: its figure and interval, its band, or nothing."""
    if cell is None or cell.withheld:
        return Point(round_number, WITHHELD)
    if cell.rate is not None:
        v = pct(cell.rate)
        lo, hi = (pct(cell.ci[0]), pct(cell.ci[1])) if cell.ci else (None, None)
        return Point(round_number, SHOWN, v, lo, hi, f"{v}%")
    lo_f, hi_f = cell.band_bounds  # type: ignore[misc]  # not withheld: bounds set
    return Point(round_number, BANDED, None, pct(lo_f), pct(hi_f), cell.rate_text())


def _trend_point(p: TrendPoint) -> Point:
    if p.value is not None:
        v = pct(p.value)
        lo, hi = (pct(p.lo), pct(p.hi)) if p.lo is not None and p.hi is not None else (None, None)
        return Point(p.round_number, SHOWN, v, lo, hi, f"{v}%")
    if p.lo is not None and p.hi is not None and p.band:
        return Point(p.round_number, BANDED, None, pct(p.lo), pct(p.hi), p.band)
    return Point(p.round_number, WITHHELD)


def _series(d: Digest, m: MetricSummary, line: TrendLine | None) -> Series:
    by_round = {p.round_number: p for p in line.points} if line else {}
    pts = [_trend_point(by_round[r]) if r in by_round else Point(r, WITHHELD)
           for r in _rounds(d)[:-1]]
    pts.append(cell_point(d.round_number, m.org))
    return Series(m.key, measure_name(m), m.rate_name, m.is_burnout, tuple(pts))


def _label_day(label: str, after: date) -> date | None:
    """The day in a trend label ("R7 · Mar 3"): the latest such day not after
    ``after`` (labels carry no year)."""
    text = label.rsplit("·", 1)[-1].strip()
    for year in (after.year, after.year - 1):
        try:
            day = datetime.strptime(f"{text} {year}", "%b %d %Y").date()
        except ValueError:
            return None
        if day <= after:
            return day
    return None


def round_days(d: Digest) -> tuple[date | None, ...]:
    """The day each trend round opened, oldest first. Uses ``TrendPoint.opened_on``
    when the model has it; otherwise reads the trend labels, walking back from
    this round's date so a span across New Year gets its years right."""
    labels: dict[int, TrendPoint] = {}
    for line in d.trend.lines:
        for p in line.points:
            labels.setdefault(p.round_number, p)
    rounds = _rounds(d)
    days: list[date | None] = [d.opened_on]
    after = d.opened_on
    for r in reversed(rounds[:-1]):
        p = labels.get(r)
        day = getattr(p, "opened_on", None) or (_label_day(p.label, after) if p else None)
        days.append(day)
        after = day or after
    return tuple(reversed(days))


def _rounds(d: Digest) -> tuple[int, ...]:
    rounds = tuple(r for r in d.trend.rounds if r != d.round_number)
    return (*rounds, d.round_number)


def chart_title(rounds: Sequence[int], days: Sequence[date | None], closes_on: date) -> str:
    title = rounds_label(rounds)
    title = title[0].upper() + title[1:]
    first = next((x for x in days if x is not None), None)
    return f"{title} ({date_range(first, closes_on)})" if first else title


def chart_series(d: Digest) -> ChartData:
    """Everything the trend chart and its alt text show, from the digest alone."""
    lines = {line.key: line for line in d.trend.lines}
    rounds = _rounds(d)
    series = [_series(d, m, lines.get(m.key)) for m in d.metrics]
    series = [s for s in series if any(p.drawn for p in s.points)]
    series.sort(key=lambda s: not s.is_burnout)  # stable: burnout first
    days = round_days(d)
    return ChartData(chart_title(rounds, days, d.closes_on), rounds, days, tuple(series))


def trend_series(trend: Trend) -> ChartData:
    """Transitional: a bare ``Trend`` (callers that predate ``chart_series``).
    No dates, and no check of the current round against the digest's own
    measures; pass the ``Digest`` instead."""
    series = []
    for line in trend.lines:
        s = Series(line.key, line.label if line.rate_name == "burnout"
                   else f"{line.label} ({line.rate_name})", line.rate_name,
                   line.rate_name == "burnout", tuple(_trend_point(p) for p in line.points))
        if any(p.drawn for p in s.points):
            series.append(s)
    title = rounds_label(trend.rounds) if trend.rounds else "no rounds"
    return ChartData(title[0].upper() + title[1:], trend.rounds,
                     (None,) * len(trend.rounds), tuple(series))


def as_chart_data(x: Digest | Trend) -> ChartData:
    return trend_series(x) if isinstance(x, Trend) else chart_series(x)


# ---------------------------------------------------------------------------
# Alt text
# ---------------------------------------------------------------------------


def _series_text(s: Series, last_round: int) -> str:
    shown = [p for p in s.points if p.status == SHOWN]
    cur = s.current
    now = {SHOWN: f"{cur.text} now (round {last_round})",
           BANDED: f"{cur.text} now (round {last_round}, shown as a range)",
           WITHHELD: f"not shown for round {last_round}"}[cur.status]
    earlier = [p for p in shown if p.round_number != last_round]
    if not earlier:
        return f"{s.name}: {now}."
    lo = min(earlier, key=lambda p: p.value)  # type: ignore[arg-type,return-value]
    hi = max(earlier, key=lambda p: p.value)  # type: ignore[arg-type,return-value]
    past = (f"{earlier[0].text} in round {earlier[0].round_number}" if len(earlier) == 1 else
            f"between {lo.text} and {hi.text} in earlier rounds")
    return f"{s.name}: {now}; {past}."


def series_alt_text(data: ChartData) -> str:
    """The chart in words, from the same data the chart draws."""
    if not data.series:
        return f"Trend chart, {data.title}: no results to show yet."
    parts = [f"Trend chart, {data.title}."]
    parts += [_series_text(s, data.rounds[-1]) for s in data.series]
    if any(p.status == BANDED for s in data.series for p in s.points):
        parts.append("A range means nearly everyone answered alike; an exact figure "
                     "would tell each person's answer.")
    if any(p.status == WITHHELD for s in data.series for p in s.points):
        parts.append("Rounds whose figure is not shown are left blank.")
    return " ".join(parts)
