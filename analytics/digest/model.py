"""The digest's inputs (what the service layer passes in) and the publishable
figures it is made of (``analytics.digest.report.Digest`` holds them). Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from analytics import instruments, stats
from analytics.scoring import Scale, scale
from analytics.thresholds import DEFAULT_MIN_COMMENT_N, DEFAULT_MIN_SCORE_N, MIN_SCORE_FLOOR

# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInfo:
    key: str
    label_en: str
    scale_key: str
    # Theme a worsening score points to (for suggested actions); optional.
    theme: str | None = None

    @property
    def scale(self) -> Scale:
        return scale(self.scale_key)


@dataclass(frozen=True)
class RoundInfo:
    round_id: int
    number: int
    opened_on: date
    closes_on: date
    invited: Mapping[str, int] = field(default_factory=dict)  # team -> invited (public)
    respondents: Mapping[str, int] = field(default_factory=dict)  # team -> ballots
    # team -> people who joined or left its invited set since the previous
    # round (None or absent: unknown, e.g. the first round)
    changed: Mapping[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class CommentInfo:
    text: str
    themes: tuple[str, ...] = ()
    sentiment: float | None = 0.0  # None: not scored (see comment_infos)


@dataclass(frozen=True)
class Thresholds:
    min_score_n: int = DEFAULT_MIN_SCORE_N
    min_comment_n: int = DEFAULT_MIN_COMMENT_N

    def __post_init__(self) -> None:
        if self.min_score_n < MIN_SCORE_FLOOR:
            raise ValueError(f"min_score_n must be at least {MIN_SCORE_FLOOR}")
        if self.min_comment_n < self.min_score_n:
            raise ValueError("min_comment_n must be at least min_score_n")


# (round_id, team, question_key, value, n)
CountRow = tuple[int, str, str, int, int]

# ---------------------------------------------------------------------------
# Publishable figures
# ---------------------------------------------------------------------------


pct = stats.pct  # one rounding rule (half up) for every view, the export and the chart


@dataclass(frozen=True)
class MetricCell:
    """One publishable value. Banded cells have ``rate``/``mean``/``ci`` None."""

    n: int
    rate: float | None = None  # fraction
    ci: tuple[float, float] | None = None  # Wilson 95%, fractions
    mean: float | None = None
    band: str | None = None
    band_bounds: tuple[float, float] | None = None

    @property
    def exact(self) -> bool:
        return self.rate is not None

    @property
    def withheld(self) -> bool:
        """Neither a figure nor a band: ``band`` says why (to protect another group)."""
        return self.rate is None and self.band_bounds is None

    def rate_text(self) -> str:
        if self.rate is None:
            return self.band or "—"
        return f"{pct(self.rate)}%"

    def ci_text(self) -> str:
        if self.ci is None:
            return ""
        return f"95% CI {pct(self.ci[0])}–{pct(self.ci[1])}%"


@dataclass(frozen=True)
class MetricSummary:
    key: str
    label: str
    scale_key: str
    rate_name: str  # "burnout", "favourable", "yes"
    org: MetricCell | None  # None: hidden at org level (``hidden_reason`` says why)
    # The measure's one pre-declared test, corrected across the digest.
    change: stats.Change | None = None
    hidden_reason: str | None = None

    @property
    def is_burnout(self) -> bool:
        return self.scale_key == "burnout5"

    @property
    def flagged(self) -> bool:
        """A real change: survived the correction and moved enough to matter."""
        return self.change is not None and self.change.real

    @property
    def worsened(self) -> bool:
        """Flagged, and for the worse (burnout, exhaustion or intent to leave
        up; favourable or yes down; reverse-keyed items the other way)."""
        if not self.flagged:
            return False
        d = self.change.direction  # type: ignore[union-attr]
        return d > 0 if instruments.higher_is_worse(self.key, self.scale_key) else d < 0


@dataclass(frozen=True)
class TeamRow:
    team: str
    invited: int
    respondents: int
    response_pct: int | None
    cells: tuple[tuple[str, MetricCell | None], ...]  # (question key, cell)
    # Burnout pooled over exactly the last ``ROLLING_ROUNDS`` rounds, for
    # small teams (which are never tested); None when not all were shown.
    burnout_rolling: float | None = None

    def cell(self, key: str) -> MetricCell | None:
        return dict(self.cells).get(key)


ROLLING_ROUNDS = 4


@dataclass(frozen=True)
class ThemeSummary:
    theme: str
    count: int
    previous: int | None
    delta: int | None
    mean_sentiment: float | None


@dataclass(frozen=True)
class HiddenCell:
    team: str
    reason: str  # privacy.TOO_FEW / COMPLEMENT / EARLIER
    text: str


@dataclass(frozen=True)
class TrendPoint:
    round_number: int
    label: str  # e.g. "R7 · Mar 3"
    value: float | None  # fraction; None when hidden or banded
    lo: float | None = None  # interval (exact) or band bounds (banded)
    hi: float | None = None
    band: str | None = None
    opened_on: date | None = None  # for the chart's dates


@dataclass(frozen=True)
class TrendLine:
    key: str
    label: str
    rate_name: str
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class Trend:
    """Last up-to-12 rounds, oldest first. The burnout line (if any) comes first."""

    lines: tuple[TrendLine, ...]
    rounds: tuple[int, ...]


@dataclass(frozen=True)
class ResponseRate:
    respondents: int | None
    invited: int
    pct: int | None
    text: str
