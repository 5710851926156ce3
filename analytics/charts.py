"""Trend chart for the digest, as a PNG, plus alt text. Pure: bytes in memory.

Uses the Agg canvas on a standalone ``matplotlib.figure.Figure`` so nothing
touches pyplot's global state. Drawn for phones: 1200x900 px, large fonts,
direct labels at the line ends and the legend below the plot.

Everything drawn comes from ``analytics.chart_data.chart_series(digest)``:
whole percents the digest shows, bands where it shows bands, gaps where it
withholds. Burnout, where up is worse, gets its own panel above the measures
where up is better, so no axis mixes the two directions. The team heatmap is
``analytics.heatmap``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

# The Agg canvas is attached explicitly to each Figure; we never call
# matplotlib.use() or pyplot, so the process-wide backend is left alone.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analytics.chart_data import BANDED, SHOWN, ChartData, Series, as_chart_data, series_alt_text
from analytics.digest import Digest, Trend

WIDTH_PX, HEIGHT_PX, DPI = 1200, 900, 100
# Okabe–Ito colour-blind-safe palette; burnout always vermillion.
BURNOUT_COLOUR = "#D55E00"
COLOURS = ("#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
FONT = 20
BAND_HATCH = "///"
# Bands of different measures in one round sit side by side, never on top of
# each other (overlapping translucent bars mix into colours no legend names).
BAND_WIDTH, BAND_STEP = 0.15, 0.2
RANGE_LABEL = "Range: nearly everyone answered alike"


def trend_chart(digest: Digest | Trend) -> bytes:
    """Render the digest's trend as PNG bytes (1200x900 px). Deterministic.
    Pass the ``Digest``; a bare ``Trend`` is accepted while callers switch."""
    return render(as_chart_data(digest))


def alt_text(digest: Digest | Trend) -> str:
    """The trend chart in words, for screen readers and the plain-text fallback."""
    return series_alt_text(as_chart_data(digest))


def render(data: ChartData) -> bytes:
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.text(0.03, 0.955, data.title, fontsize=FONT + 6, va="top")
    burnout = [s for s in data.series if s.is_burnout]
    others = [s for s in data.series if not s.is_burnout]
    if burnout and others:
        panels = [(fig.add_axes((0.12, 0.655, 0.68, 0.225)), burnout),
                  (fig.add_axes((0.12, 0.28, 0.68, 0.31)), others)]
    else:
        panels = [(fig.add_axes((0.12, 0.28, 0.68, 0.60)), burnout or others)]
    colours = _colours(data.series)
    handles: list = []
    for i, (ax, series) in enumerate(panels):
        handles += _panel(ax, series, colours, len(data.rounds))
        _style(ax, series, data, last=i == len(panels) - 1)
    if not data.series:
        panels[0][0].text(0.5, 0.5, "No results to show yet", transform=panels[0][0].transAxes,
                          ha="center", fontsize=FONT + 2, color="#555555")
    if any(p.status == BANDED for s in data.series for p in s.points):
        handles.append(Patch(facecolor="#bbbbbb", edgecolor="#555555", hatch=BAND_HATCH,
                             label=RANGE_LABEL))
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=FONT - 5,
                   frameon=False, bbox_to_anchor=(0.5, 0.0))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _colours(series: Sequence[Series]) -> dict[str, str]:
    others = iter(COLOURS)
    return {s.key: BURNOUT_COLOUR if s.is_burnout else next(others, "#555555") for s in series}


def _panel(ax, series: Sequence[Series], colours: dict[str, str], n: int) -> list:
    """Draw one panel's series; returns its legend handles."""
    xs = list(range(n))
    handles = []
    ends: list[tuple[float, str, str]] = []  # (y, text, colour): current-round labels
    for i, s in enumerate(series):
        colour = colours[s.key]
        ys = [float(p.value) if p.status == SHOWN else math.nan for p in s.points]
        if s.is_burnout:
            lo = [float(p.lo) if p.status == SHOWN and p.lo is not None else math.nan
                  for p in s.points]
            hi = [float(p.hi) if p.status == SHOWN and p.hi is not None else math.nan
                  for p in s.points]
            ax.fill_between(xs, lo, hi, color=colour, alpha=0.18, linewidth=0)
            handles.append(Patch(facecolor=colour, alpha=0.18, label="Burnout 95% interval"))
        handles.append(Line2D([], [], color=colour, linewidth=3, marker="o", label=s.name))
        ax.plot(xs, ys, color=colour, linewidth=3.5 if s.is_burnout else 2.5, marker="o",
                markersize=9, zorder=3)
        dodge = (i - (len(series) - 1) / 2) * BAND_STEP
        for x, p in zip(xs, s.points, strict=True):
            if p.status == BANDED:
                ax.bar(x + dodge, p.hi - p.lo, bottom=p.lo, width=BAND_WIDTH, color=colour,
                       alpha=0.45, edgecolor=colour, hatch=BAND_HATCH, linewidth=1.5, zorder=2)
        # Only this round's own value or band labels the line's end: when it
        # is withheld there is no label rather than an older round's.
        if s.current.drawn:
            ends.append((s.current.middle, s.current.text, colour))  # type: ignore[arg-type]
    _end_labels(ax, ends, n)
    return handles


def _end_labels(ax, ends: list[tuple[float, str, str]], n: int) -> None:
    """Labels right of the last round, spread apart so they don't overlap."""
    ax.set_ylim(0, 100)
    # One label's height in data units, from the panel's height in pixels.
    gap = 100 * (FONT + 6) / (ax.get_position().height * HEIGHT_PX)
    ys: list[float] = []
    for y, _, _ in sorted(ends):
        ys.append(max(y, ys[-1] + gap) if ys else y)
    overflow = max(0.0, (ys[-1] if ys else 0) - 100)
    ys = [y - overflow for y in ys]  # keep the top label inside the panel
    for (y, text, colour), y2 in zip(sorted(ends), ys, strict=True):
        ax.annotate(text, xy=(n - 1, y), xytext=(n - 1 + 0.3 + 0.02 * n, y2),
                    textcoords="data", fontsize=FONT - 2, color=colour, va="center",
                    fontweight="bold", annotation_clip=False)


def _ylabel(series: Sequence[Series]) -> str:
    if series and all(s.is_burnout for s in series):
        return "% burned out\n(lower is better)"
    names = sorted({s.rate_name for s in series}) or ["favourable"]
    return f"% {' or '.join(names)}\n(higher is better)"


def _style(ax, series: Sequence[Series], data: ChartData, last: bool) -> None:
    n = len(data.rounds)
    ax.set_ylim(0, 100)
    ax.set_xlim(-0.5, n - 0.5 if n > 1 else 0.5)
    ticks = [0, 50, 100] if len(data.series) > len(series) or not last else [0, 25, 50, 75, 100]
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{t}%" for t in ticks], fontsize=FONT - 2)
    ax.set_ylabel(_ylabel(series), fontsize=FONT - 4)
    ax.set_xticks(list(range(n)))
    step = 1 if n <= 6 else 2
    labels = [_tick(r, day) if (n - 1 - i) % step == 0 else ""
              for i, (r, day) in enumerate(zip(data.rounds, data.days, strict=True))]
    ax.set_xticklabels(labels if last else [""] * n, fontsize=FONT - 4)
    if last:
        ax.set_xlabel("Round (day it opened)", fontsize=FONT - 4)
    ax.grid(axis="y", color="#dddddd", linewidth=1)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _tick(round_number: int, day) -> str:
    return f"R{round_number}\n{day:%b} {day.day}" if day else f"R{round_number}"
