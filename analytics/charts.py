"""Trend chart for the digest, as a PNG, plus alt text. Pure: bytes in memory.

Uses the Agg canvas on a standalone ``matplotlib.figure.Figure`` so nothing
touches pyplot's global state. Drawn for phones: 1200x900 px, large fonts,
horizontal gridlines only at quarters, direct labels at the line ends and the
legend below the plot.

Only publishable values from ``analytics.digest.Trend`` are drawn: hidden
rounds are gaps, banded rounds are drawn as a plain vertical range.
"""

from __future__ import annotations

import io
import math

# The Agg canvas is attached explicitly to each Figure; we never call
# matplotlib.use() or pyplot, so the process-wide backend is left alone.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analytics.digest import Trend, TrendLine, pct

WIDTH_PX, HEIGHT_PX, DPI = 1200, 900, 100
# Okabe–Ito colour-blind-safe palette; burnout always vermillion.
BURNOUT_COLOUR = "#D55E00"
COLOURS = ("#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
FONT = 20


def _label(line: TrendLine) -> str:
    if line.rate_name == "burnout":
        return f"{line.label} (% burnout)"
    return f"{line.label} (% {line.rate_name})"


def _nan(x: float | None) -> float:
    return math.nan if x is None else 100.0 * x


def trend_chart(trend: Trend, title: str = "Last 12 rounds") -> bytes:
    """Render the trend as PNG bytes (1200x900 px). Deterministic for equal input."""
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.09, 0.27, 0.72, 0.63))
    n = len(trend.rounds)
    xs = list(range(n))
    ends: list[tuple[float, str, str]] = []  # (y, text, colour) for direct labels
    others = iter(COLOURS)
    for line in trend.lines:
        is_burnout = line.rate_name == "burnout"
        colour = BURNOUT_COLOUR if is_burnout else next(others, "#555555")
        ys = [_nan(p.value) for p in line.points]
        if is_burnout:
            lo = [_nan(p.lo) if p.value is not None else math.nan for p in line.points]
            hi = [_nan(p.hi) if p.value is not None else math.nan for p in line.points]
            ax.fill_between(xs, lo, hi, color=colour, alpha=0.18, linewidth=0,
                            label="Burnout 95% interval")
        ax.plot(xs, ys, color=colour, linewidth=4 if is_burnout else 2.5, marker="o",
                markersize=10 if is_burnout else 7, label=_label(line), zorder=3)
        for x, p in zip(xs, line.points, strict=False):
            if p.value is None and p.band and p.lo is not None and p.hi is not None:
                ax.vlines(x, 100 * p.lo, 100 * p.hi, color=colour, linewidth=6, alpha=0.5,
                          zorder=2)
        last = next(((x, p) for x, p in reversed(list(zip(xs, line.points, strict=False)))
                     if p.value is not None), None)
        if last is not None:
            # Only the number beside the line: names are in the legend and
            # would run off a phone screen.
            name = "Burnout " if is_burnout else ""
            ends.append((100 * last[1].value, f"{name}{pct(last[1].value)}%", colour))

    # Direct labels, nudged apart so they don't overlap.
    ends.sort()
    placed: list[float] = []
    for y, text, colour in ends:
        y2 = max(y, placed[-1] + 6) if placed else y
        placed.append(y2)
        ax.annotate(text, xy=(n - 1, y), xytext=(n - 1 + 0.25 + 0.02 * n, y2),
                    textcoords="data", fontsize=FONT - 2, color=colour, va="center",
                    fontweight="bold", annotation_clip=False)

    ax.set_ylim(0, 100)
    ax.set_xlim(-0.5, n - 0.5 if n > 1 else 0.5)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_yticklabels(["0%", "25%", "50%", "75%", "100%"], fontsize=FONT)
    ax.set_xticks(xs)
    step = 1 if n <= 6 else 2
    ax.set_xticklabels(
        [f"R{r}" if i % step == 0 or i == n - 1 else "" for i, r in enumerate(trend.rounds)],
        fontsize=FONT,
    )
    ax.grid(axis="y", color="#dddddd", linewidth=1)
    ax.grid(axis="x", visible=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=FONT + 6, loc="left", pad=20)
    ax.set_xlabel("Round", fontsize=FONT)
    if not trend.lines:
        ax.text(0.5, 0.5, "No results to show yet", transform=ax.transAxes, ha="center",
                fontsize=FONT + 2, color="#555555")
    else:
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=FONT - 4,
                   frameon=False, bbox_to_anchor=(0.5, 0.0))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def alt_text(trend: Trend) -> str:
    """Describe the chart in words for screen readers and the plain-text fallback."""
    if not trend.lines or not trend.rounds:
        return "Trend chart: no results to show yet."
    n = len(trend.rounds)
    span = f"round {trend.rounds[0]}" if n == 1 else f"rounds {trend.rounds[0]} to {trend.rounds[-1]}"
    parts = [f"Trend chart of {span}."]
    for line in trend.lines:
        pts = [(p.round_number, p.value) for p in line.points if p.value is not None]
        name = "burnout rate" if line.rate_name == "burnout" else f"{line.label} ({line.rate_name})"
        name = name[0].upper() + name[1:]
        if not pts:
            parts.append(f"{name}: no exact values shown.")
            continue
        if len(pts) == 1:
            parts.append(f"{name}: {pct(pts[0][1])}% in round {pts[0][0]}.")
            continue
        (r0, v0), (r1, v1) = pts[0], pts[-1]
        d = pct(v1) - pct(v0)
        trend_word = "up" if d > 0 else "down" if d < 0 else "unchanged"
        lo = min(pts, key=lambda p: p[1])
        hi = max(pts, key=lambda p: p[1])
        s = (f"{name}: {pct(v0)}% in round {r0} to {pct(v1)}% in round {r1} "
             f"({trend_word}{'' if d == 0 else f' {abs(d)} points'}); "
             f"lowest {pct(lo[1])}% (round {lo[0]}), highest {pct(hi[1])}% (round {hi[0]}).")
        parts.append(s)
    if any(p.band for line in trend.lines for p in line.points):
        parts.append("Some rounds are shown only as a range to protect anonymity.")
    if any(p.value is None and not p.band for line in trend.lines for p in line.points):
        parts.append("Rounds with too few responses are left blank.")
    return " ".join(parts)
