"""How digest figures read in words, for every view: structured lines (name,
value, details) that the plain-text digest and Slack each lay out their own
way, without re-parsing text. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from analytics import stats
from analytics.digest.model import MetricSummary, TeamRow, ThemeSummary, pct

_SEP = " · "


def date_range(a: date, b: date) -> str:
    if a.year == b.year:
        return f"{a:%b} {a.day} – {b:%b} {b.day}, {b.year}"
    return f"{a:%b} {a.day}, {a.year} – {b:%b} {b.day}, {b.year}"


@dataclass(frozen=True)
class MetricLine:
    """One organisation metric: "Burnout: 34% (95% CI 22–48%) · ▲ 8 pts vs last round (...)"."""

    name: str  # "Burnout", "Support (favourable)"
    value: str  # "34% (95% CI 22–48%)", a band, or why it is hidden
    details: tuple[str, ...] = ()  # mean, changes, rolling average

    def text(self) -> str:
        return _SEP.join((f"{self.name}: {self.value}", *self.details))


@dataclass(frozen=True)
class TeamLine:
    """One team: "A: 12 responses (60% of 20) · Burnout 34% · Support fav. 70% · ..."."""

    team: str
    responses: str  # "12 responses (60% of 20)"
    figures: tuple[str, ...] = ()  # one per shown metric, then the burnout trend

    def text(self) -> str:
        return _SEP.join((f"{self.team}: {self.responses}", *self.figures))


def metric_line(m: MetricSummary) -> MetricLine:
    name = m.label if m.is_burnout else f"{m.label} ({m.rate_name})"
    if m.org is None:
        return MetricLine(name, "hidden (fewer than the minimum responses)")
    value = m.org.rate_text()
    if m.org.ci is not None:
        value += f" ({m.org.ci_text()})"
    details = []
    if m.org.mean is not None and not m.is_burnout:
        details.append(f"mean {m.org.mean:.1f}")
        if m.mean_vs_previous is not None:  # the whole distribution, Mann–Whitney
            details.append(f"mean {m.mean_vs_previous.describe()}")
    if m.vs_previous is not None:
        details.append(m.vs_previous.describe())
    if m.vs_average is not None:
        details.append(m.vs_average.describe())
    if m.small and m.rolling is not None:
        details.append(f"{m.rolling_rounds}-round rolling average {pct(m.rolling)}%")
    return MetricLine(name, value, tuple(details))


def team_line(row: TeamRow, metrics: Sequence[MetricSummary]) -> TeamLine:
    responses = f"{row.respondents} responses"
    if row.response_pct is not None:
        responses += f" ({row.response_pct}% of {row.invited})"
    figures = []
    for m in metrics:
        c = row.cell(m.key)
        if c is None:
            continue
        label = f"{m.label} fav." if m.rate_name == "favourable" and not m.is_burnout else m.label
        figures.append(f"{label} {c.rate_text()}")
    if row.burnout_vs_previous is not None:
        figures.append(f"burnout {row.burnout_vs_previous.describe()}")
    elif row.burnout_rolling is not None:
        figures.append(f"burnout rolling avg {pct(row.burnout_rolling)}%")
    return TeamLine(row.team, responses, tuple(figures))


def headline_text(m: MetricSummary, c: stats.Change) -> str:
    """E.g. "Burnout rose 8 pts to 42% since last round (significant, ...)"."""
    verb = {1: "rose", -1: "fell", 0: "held steady"}[c.direction]
    what = m.label if m.is_burnout else f"{m.label} ({m.rate_name})"
    assert m.org is not None
    if c.direction == 0:
        return f"{what} held steady at {m.org.rate_text()}"
    if c.kind != "rate":
        what = f"{m.label}: the average answer"
    if not c.testable:
        sig = "too few responses to test"
    else:
        verdict = "significant" if c.significant else "not significant"
        sig = f"{verdict}, {c.test} p={stats.format_p(c.p)}"
    if c.kind != "rate":
        return f"{what} {verb} {c.shown_size:.1f} to {m.org.mean:.1f} since last round ({sig})"
    return f"{what} {verb} {c.shown_size} pts to {m.org.rate_text()} since last round ({sig})"


def theme_line(t: ThemeSummary) -> str:
    s = f"{t.theme}: {t.count} comment{'s' if t.count != 1 else ''}"
    if t.delta is not None:
        s += f" ({'+' if t.delta >= 0 else '−'}{abs(t.delta)} vs last round)"
    if t.mean_sentiment is not None:
        s += f", mood {sentiment_word(t.mean_sentiment)}"
    return s


def sentiment_word(x: float) -> str:
    if x <= -0.15:
        return "negative"
    if x >= 0.15:
        return "positive"
    return "mixed"
