"""The digest itself: everything one post shows, and its plain-text form. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics import actions as _actions
from analytics import privacy
from analytics.digest.model import (
    Alert,
    HiddenCell,
    MetricSummary,
    ResponseRate,
    TeamRow,
    ThemeSummary,
    Thresholds,
    Trend,
)
from analytics.digest.wording import date_range, metric_line, team_line, theme_line


@dataclass(frozen=True)
class Digest:
    round_id: int
    round_number: int
    opened_on: date
    closes_on: date
    thresholds: Thresholds
    response: ResponseRate
    headline: tuple[str, ...]
    alerts: tuple[Alert, ...]
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
        return f"{n} team{'s' if n != 1 else ''} hidden to protect anonymity"

    def plain_text(self) -> str:
        return plain_text(self)


# ---------------------------------------------------------------------------
# The plain-text digest (also Slack's notification fallback)
# ---------------------------------------------------------------------------


def plain_text(d: Digest) -> str:
    out = [f"Round {d.round_number} digest ({d.dates_text})", f"Responses: {d.response.text}"]
    out += [f"ALERT: {a.text}" for a in d.alerts]
    alert_texts = {a.text for a in d.alerts}
    out += [f"Headline: {h}" for h in d.headline if h not in alert_texts]
    out.append("")
    out += [metric_line(m).text() for m in d.metrics]
    out += _teams_text(d)
    out += _comments_text(d)
    if d.actions:
        out += ["", "Suggested actions:"]
        out += [f"  {a.title} ({theme}) — {a.source}" for theme, a in d.actions]
    out += [f"Note: {n}" for n in d.notes]
    return "\n".join(out).strip() + "\n"


def _teams_text(d: Digest) -> list[str]:
    out = []
    if d.teams:
        out += ["", "Teams:"]
        out += ["  " + team_line(row, d.metrics).text() for row in d.teams]
    if d.hidden:
        out.append(d.hidden_summary + ": " + "; ".join(f"{h.team} ({h.text})" for h in d.hidden))
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
