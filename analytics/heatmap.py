"""Team heatmap for the digest: teams x measures, as a PNG, plus alt text. Pure.

A second image beside the trend chart: leaders spot the team that stands out
faster than in text. Cells carry exactly what the digest's team table shows
(``chart_data.cell_point``): a whole percent, a band, or grey with "—" where
the digest withholds or hides the team. A figure is written only for a cell
that the digest's own publication record (``Digest.published_cells``) lists
as shown, and as exact, for that measure. Colour is "how concerning": the
burnout rate, or the share *not* favourable, so darker is worse in every
column while the numbers stay the digest's.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from analytics import privacy
from analytics.chart_data import BANDED, SHOWN, WITHHELD, Point, cell_point
from analytics.digest import Digest, MetricCell

WIDTH_PX, DPI = 1200, 100
FONT = 18
GREY = "#d9d9d9"
CMAP = "YlOrRd"  # sequential, colour-blind safe, dark = concerning
MIN_TEAMS = 2  # one team's row would only repeat the organisation's


@dataclass(frozen=True)
class HeatCell:
    point: Point
    concern: float | None  # 0..1 for the colour; None: grey


@dataclass(frozen=True)
class HeatmapData:
    measures: tuple[str, ...]  # column headers: the digest's measure labels
    teams: tuple[str, ...]  # row labels: "All teams", shown teams, hidden teams
    cells: tuple[tuple[HeatCell, ...], ...]  # [row][column]
    notes: tuple[str, ...]  # per row: "" or why the team is hidden


def _allowed(d: Digest, key: str, cell_label: str, p: Point) -> Point:
    """``p`` if the digest's publication record lists this cell as shown (and,
    for a figure, as exact) for this measure; otherwise withheld."""
    record = privacy.metric_prior(d.published_cells, key)
    if record is None:  # an older digest without per-measure marks
        return p if cell_label in d.publication.cells else Point(p.round_number, WITHHELD)
    shown, exact = record
    if p.status == SHOWN and cell_label in exact:
        return p
    if p.status == BANDED and cell_label in shown:
        return p
    return Point(p.round_number, WITHHELD)


def _heat(p: Point, is_burnout: bool) -> HeatCell:
    mid = p.middle
    if p.status == WITHHELD or mid is None:
        return HeatCell(p, None)
    concern = mid / 100 if is_burnout else 1 - mid / 100
    return HeatCell(p, concern)


def heatmap_data(d: Digest) -> HeatmapData:
    """Rows: the organisation, every team the digest shows, then hidden teams
    (named in the digest's footnote, so their names are public) in grey."""
    # (row label, the cell's label in the publication record, its cells)
    rows: list[tuple[str, str, Sequence[MetricCell | None]]] = [
        (privacy.TOTAL_LABEL, privacy.TOTAL, [m.org for m in d.metrics])]
    rows += [(r.team, r.team, [r.cell(m.key) for m in d.metrics]) for r in d.teams]
    cells, notes = [], []
    for _, cell_label, row in rows:
        cells.append(tuple(
            _heat(_allowed(d, m.key, cell_label, cell_point(d.round_number, c)), m.is_burnout)
            for m, c in zip(d.metrics, row, strict=True)))
        notes.append("")
    for h in d.hidden:
        cells.append(tuple(HeatCell(Point(d.round_number, WITHHELD), None) for _ in d.metrics))
        notes.append(h.text)
    teams = [label for label, _, _ in rows] + [h.team for h in d.hidden]
    return HeatmapData(tuple(m.label for m in d.metrics), tuple(teams), tuple(cells),
                       tuple(notes))


def team_heatmap(d: Digest) -> bytes | None:
    """The heatmap as PNG bytes, or None when the digest shows fewer than two teams."""
    if len(d.teams) < MIN_TEAMS or not d.metrics:
        return None
    return render(heatmap_data(d), f"Teams, round {d.round_number} ({d.dates_text})")


def render(data: HeatmapData, title: str) -> bytes:
    n_rows, n_cols = len(data.teams), len(data.measures)
    row_px, head_px, foot_px = 64, 150, 100
    height = head_px + row_px * n_rows + foot_px
    fig = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    left, right = 0.22, 0.98
    ax = fig.add_axes((left, foot_px / height, right - left, row_px * n_rows / height))
    cmap = colormaps[CMAP]
    for i, row in enumerate(data.cells):
        for j, c in enumerate(row):
            colour = GREY if c.concern is None else cmap(0.1 + 0.8 * c.concern)
            ax.add_patch(_rect(j, i, colour))
            text = c.point.text if c.point.drawn else "—"
            dark = c.concern is not None and c.concern > 0.6
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=FONT,
                    color="white" if dark else "#222222",
                    fontweight="bold" if i == 0 else "normal")
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.set_xticks([j + 0.5 for j in range(n_cols)])
    ax.set_xticklabels([_wrap(m) for m in data.measures], fontsize=FONT - 3)
    ax.xaxis.tick_top()
    ax.set_yticks([i + 0.5 for i in range(n_rows)])
    ax.set_yticklabels([_team_label(t, note) for t, note in zip(data.teams, data.notes,
                                                                  strict=True)],
                       fontsize=FONT - 2)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    fig.text(0.03, 1 - 20 / height, title, fontsize=FONT + 6, va="top")
    fig.text(0.03, 12 / height,
             "Darker = more concerning (more burnout, fewer favourable answers).\n"
             "Grey \u2014: not shown, to protect anonymity (see the digest).",
             fontsize=FONT - 4, va="bottom", color="#444444")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _rect(x: int, y: int, colour) -> Rectangle:
    return Rectangle((x + 0.03, y + 0.05), 0.94, 0.9, facecolor=colour, edgecolor="none")


def _wrap(text: str, width: int = 14) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "\n".join(lines[:3])


def _team_label(team: str, note: str) -> str:
    short = team if len(team) <= 18 else team[:17] + "…"
    return f"{short}\n(hidden)" if note else short


def heatmap_alt_text(d: Digest) -> str:
    """The heatmap in words, from the same data it draws."""
    data = heatmap_data(d)
    parts = [f"Team heatmap, round {d.round_number}: {len(data.teams)} rows by "
             f"{len(data.measures)} measures."]
    for team, row, note in zip(data.teams, data.cells, data.notes, strict=True):
        if note:
            parts.append(f"{team}: not shown ({note}).")
            continue
        figures = [f"{m} {c.point.text if c.point.drawn else 'not shown'}"
                   for m, c in zip(data.measures, row, strict=True)]
        parts.append(f"{team}: {', '.join(figures)}.")
    return " ".join(parts)
