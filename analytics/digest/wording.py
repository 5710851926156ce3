"""How digest figures read in words, for every view: structured lines that the
plain-text digest and Slack each lay out their own way, without re-parsing
text. Every label states literally what was compared. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from analytics import stats
from analytics.digest.model import ROLLING_ROUNDS, MetricSummary, TeamRow, ThemeSummary, pct

_SEP = " · "
DASH = "—"
REAL = "a real change, not noise"


def date_range(a: date, b: date) -> str:
    if a == b:
        return f"{a:%b} {a.day}, {a.year}"
    if a.year == b.year:
        return f"{a:%b} {a.day} – {b:%b} {b.day}, {b.year}"
    return f"{a:%b} {a.day}, {a.year} – {b:%b} {b.day}, {b.year}"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def rounds_label(numbers: Sequence[int]) -> str:
    """"round 4", "rounds 1–3" (consecutive) or "rounds 1, 2 and 4"."""
    ns = sorted(set(numbers))
    if len(ns) == 1:
        return f"round {ns[0]}"
    if ns == list(range(ns[0], ns[-1] + 1)):
        return f"rounds {ns[0]}–{ns[-1]}"
    return "rounds " + ", ".join(map(str, ns[:-1])) + f" and {ns[-1]}"


def measure_name(m: MetricSummary) -> str:
    return m.label if m.is_burnout else f"{m.label} ({m.rate_name})"


def _since(c: stats.Change, current: int) -> tuple[str, str]:
    """(now, before) phrases: plain "since last round" when it compares this
    round with the one before; otherwise the rounds, by number."""
    if c.rounds_now == (current,) and len(c.rounds_before) == 1 \
            and c.rounds_before[0] == current - 1:
        return "", " since last round"
    return f" in {rounds_label(c.rounds_now)}", f" in {rounds_label(c.rounds_before)}"


def headline_text(m: MetricSummary, current: int) -> str:
    """E.g. "Burnout rose from 31% to 55% since last round — a real change, not noise"."""
    c = m.change
    assert c is not None and c.real
    verb = "rose" if c.direction > 0 else "fell"
    now, before = _since(c, current)
    if not now:
        return f"{measure_name(m)} {verb} from {pct(c.before)}% to {pct(c.now)}%{before} — {REAL}"
    return (f"{measure_name(m)} {verb} from {pct(c.before)}%{before} "
            f"to {pct(c.now)}%{now} — {REAL}")


def change_text(m: MetricSummary) -> str:
    """The short verdict beside a measure; an arrow only for a real change."""
    c = m.change
    if c is None:
        return ""
    vs = f"vs {rounds_label(c.rounds_before)}"
    if c.real:
        arrow = "▲" if c.direction > 0 else "▼"
        return f"{arrow} {plural(abs(c.points), 'point')} {vs}"
    if not c.testable:
        return f"not tested {vs} (fewer than {stats.MIN_TEST_N} answers)"
    return f"no real change {vs}"


def details_text(m: MetricSummary, current: int) -> str:
    """The test behind a measure's verdict, for the details view."""
    c = m.change
    name = measure_name(m)
    if c is None:
        return f"{name}: no comparison this round."
    head = (f"{name}: {pct(c.now)}% of {c.n_now} answers in {rounds_label(c.rounds_now)} vs "
            f"{pct(c.before)}% of {c.n_before} in {rounds_label(c.rounds_before)} "
            f"({plural(c.points, 'point')} change)")
    if not c.testable:
        return f"{head}; not tested: fewer than {stats.MIN_TEST_N} answers on a side."
    verdict = "a real change" if c.real else "not a real change"
    return (f"{head}; {c.test} p={stats.format_p(c.p)}, {stats.CORRECTION_NAME}-adjusted "
            f"p={stats.format_p(c.p_adjusted)}: {verdict}.")


@dataclass(frozen=True)
class MetricLine:
    """One organisation measure: name, value with interval, verdict."""

    name: str
    value: str
    change: str = ""

    def text(self) -> str:
        return f"{self.name}: {self.value}" + (f"{_SEP}{self.change}" if self.change else "")


def metric_line(m: MetricSummary) -> MetricLine:
    if m.org is None:
        return MetricLine(measure_name(m), DASH)
    value = m.org.rate_text() if not m.org.withheld else DASH
    if m.org.ci is not None:
        value += f" ({m.org.ci_text()})"
    return MetricLine(measure_name(m), value, change_text(m))


@dataclass(frozen=True)
class TeamLine:
    """One team: "A: 12 of 20 answered (60%)" and one figure per measure."""

    team: str
    responses: str
    figures: tuple[str, ...] = ()

    def text(self) -> str:
        return _SEP.join((f"{self.team}: {self.responses}", *self.figures))


def team_line(row: TeamRow, metrics: Sequence[MetricSummary]) -> TeamLine:
    responses = f"{row.respondents} of {row.invited} answered" if row.invited \
        else plural(row.respondents, "answer")
    if row.response_pct is not None:
        responses += f" ({row.response_pct}%)"
    figures = []
    for m in metrics:
        c = row.cell(m.key)
        text = DASH if c is None or c.withheld else c.rate_text()
        figures.append(f"{m.label} {text}")
    if row.burnout_rolling is not None:
        figures.append(f"burnout over the last {ROLLING_ROUNDS} rounds {pct(row.burnout_rolling)}%")
    return TeamLine(row.team, responses, tuple(figures))


def theme_line(t: ThemeSummary) -> str:
    s = f"{t.theme}: {plural(t.count, 'comment')}"
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
