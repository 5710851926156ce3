"""The digest itself: everything one post shows, and its plain-text form. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics import actions as _actions
from analytics import privacy
from analytics.digest.bank_notes import NetScore, ReferenceNote
from analytics.digest.model import (
    HiddenCell,
    MetricSummary,
    ResponseRate,
    TeamRow,
    ThemeSummary,
    Thresholds,
    Trend,
)
from analytics.digest.segment_views import SegmentViews
from analytics.digest.wording import (
    DASH,
    date_range,
    details_text,
    metric_line,
    team_line,
    theme_line,
)


@dataclass(frozen=True)
class Digest:
    round_id: int
    round_number: int
    opened_on: date
    closes_on: date
    thresholds: Thresholds
    response: ResponseRate
    headline: tuple[str, ...]  # at most three real changes, or why there is none
    metrics: tuple[MetricSummary, ...]
    teams: tuple[TeamRow, ...]
    hidden: tuple[HiddenCell, ...]
    themes: tuple[ThemeSummary, ...] | None  # None: too few respondents
    comments: tuple[str, ...]
    actions: tuple[tuple[str, _actions.Action], ...]
    notes: tuple[str, ...]
    trend: Trend
    publication: privacy.Publication
    # Per-metric records of what this digest showed (see privacy.metric_marks).
    metric_marks: frozenset[str] = frozenset()
    # Measures by role, by tenure and the retention view (issue 14).
    segments: SegmentViews = SegmentViews()
    # eNPS of 0–10 recommend items and published reference points (issue 14).
    net_scores: tuple[NetScore, ...] = ()
    references: tuple[ReferenceNote, ...] = ()

    @property
    def published_cells(self) -> frozenset[str]:
        """Everything now published for this round (cell labels plus per-metric
        markers); store it verbatim and pass it back as ``published`` for the
        next digest/preview/export of the same round."""
        return self.publication.known | self.metric_marks

    @property
    def dates_text(self) -> str:
        return date_range(self.opened_on, self.closes_on)

    def metric(self, key: str) -> MetricSummary | None:
        for m in self.metrics:
            if m.key == key:
                return m
        return None

    @property
    def hidden_summary(self) -> str:
        n = len(self.hidden)
        if not n:
            return ""
        return f"{n} team{'s' if n != 1 else ''} not shown"

    @property
    def flagged(self) -> tuple[MetricSummary, ...]:
        """Measures with a real change (what the headline reports)."""
        return tuple(m for m in self.metrics if m.flagged)

    def team_footnote(self) -> str:
        """One footnote for every "—" and hidden team in the team table."""
        why = [f"{h.team}: {h.text}" for h in self.hidden]
        withheld = sorted({r.team for r in self.teams for _, c in r.cells
                           if c is None or c.withheld})
        if withheld:
            why.insert(0, f"{DASH} in {', '.join(withheld)}: withheld so another team's "
                          "figure can't be worked out by subtraction")
        return "; ".join(why)

    def band_footnote(self, teams: bool = False) -> str:
        """Why ranges are shown, for the organisation's measures (or, with
        ``teams``, for the team table), when there are any."""
        cells = ([c for r in self.teams for _, c in r.cells] if teams
                 else [m.org for m in self.metrics])
        if not any(c is not None and c.band_bounds is not None for c in cells):
            return ""
        return ("Ranges such as 90–100% mean nearly everyone answered the same way; an "
                "exact figure would tell each person's answer.")

    def details(self) -> tuple[str, ...]:
        """The tests behind the verdicts, for the details view."""
        return tuple(details_text(m, self.round_number) for m in self.metrics)

    def plain_text(self) -> str:
        return plain_text(self)


# ---------------------------------------------------------------------------
# The plain-text digest (also Slack's notification fallback)
# ---------------------------------------------------------------------------


def plain_text(d: Digest) -> str:
    out = [f"Round {d.round_number} digest ({d.dates_text})", f"Responses: {d.response.text}"]
    out += list(d.headline)
    out.append("")
    out += [metric_line(m).text() for m in d.metrics]
    out += [x.text() for x in d.net_scores]
    out += [x.text() for x in d.references]
    if d.band_footnote():
        out.append(d.band_footnote())
    out += _teams_text(d)
    out += d.segments.lines({m.key: m.label for m in d.metrics})
    out += _comments_text(d)
    if d.actions:
        out += ["", "Suggested actions:"]
        out += [f"  {a.title} ({theme}) — {a.source}" for theme, a in d.actions]
    out += list(d.notes)
    return "\n".join(out).strip() + "\n"


def _teams_text(d: Digest) -> list[str]:
    out = []
    if d.teams:
        out += ["", "Teams:"]
        out += ["  " + team_line(row, d.metrics).text() for row in d.teams]
    out += [n for n in (d.band_footnote(teams=True), d.team_footnote()) if n]
    return out


def _comments_text(d: Digest) -> list[str]:
    if d.themes is None:
        return []
    out = [""]
    if d.themes:
        out.append("Themes in comments:")
        out += ["  " + theme_line(t) for t in d.themes]
    out += [f'  "{c}"' for c in d.comments]
    return out
