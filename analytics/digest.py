"""The weekly digest model: what leaders see, already made safe to publish. Pure.

``build_digest`` takes aggregated counts (never individual answers) for the
current round and up to 11 earlier closed rounds and returns a ``Digest`` that
contains only publishable values: hidden cells carry no numbers at all, banded
cells carry no exact rate, mean, interval or change. Views and exports render
a ``Digest`` and need no privacy logic of their own.

Privacy rules live in ``analytics.privacy``; statistics in ``analytics.stats``.
Earlier rounds are re-planned with the current thresholds and no prior
publication. That is safe because publications of the same closed round are
nested (see ``analytics.privacy``). Comparisons with earlier rounds use only
cells shown exactly in *both* rounds; rolling and 4-round averages pool only
rounds whose cell is published, and are dropped if any of those rounds was
banded (otherwise the banded value could be recovered from the average).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from analytics import actions as _actions
from analytics import privacy, stats
from analytics.scoring import Scale, scale

# ---------------------------------------------------------------------------
# Inputs (what the service layer passes in)
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


@dataclass(frozen=True)
class CommentInfo:
    text: str
    themes: tuple[str, ...] = ()
    sentiment: float = 0.0


@dataclass(frozen=True)
class Thresholds:
    min_score_n: int = 5
    min_comment_n: int = 10

    def __post_init__(self) -> None:
        if self.min_score_n < 3:
            raise ValueError("min_score_n must be at least 3")
        if self.min_comment_n < self.min_score_n:
            raise ValueError("min_comment_n must be at least min_score_n")


# (round_id, team, question_key, value, n)
CountRow = tuple[int, str, str, int, int]

# ---------------------------------------------------------------------------
# Output model
# ---------------------------------------------------------------------------


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
    org: MetricCell | None  # None: hidden at org level
    vs_previous: stats.Change | None = None
    vs_average: stats.Change | None = None
    mean_vs_previous: stats.Change | None = None
    # For small groups: pooled rate over the last up-to-4 rounds incl. this one.
    rolling: float | None = None
    rolling_rounds: int = 0
    small: bool = False

    @property
    def is_burnout(self) -> bool:
        return self.scale_key == "burnout5"


@dataclass(frozen=True)
class TeamRow:
    team: str
    invited: int
    respondents: int
    response_pct: int | None
    cells: tuple[tuple[str, MetricCell | None], ...]  # (question key, cell)
    burnout_vs_previous: stats.Change | None = None
    burnout_rolling: float | None = None

    def cell(self, key: str) -> MetricCell | None:
        return dict(self.cells).get(key)


@dataclass(frozen=True)
class Alert:
    team: str  # privacy.TOTAL_LABEL for the organisation
    text: str
    change: stats.Change


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
# Formatting helpers
# ---------------------------------------------------------------------------


def pct(x: float) -> int:
    """Whole-number percentage, rounding half up (not banker's rounding)."""
    return int(math.floor(100 * x + 0.5 + 1e-9))


def date_range(a: date, b: date) -> str:
    if a.year == b.year:
        return f"{a:%b} {a.day} – {b:%b} {b.day}, {b.year}"
    return f"{a:%b} {a.day}, {a.year} – {b:%b} {b.day}, {b.year}"


def metric_line(m: MetricSummary) -> str:
    """E.g. "Burnout: 34% (95% CI 22–48%) · ▲ 8 pts vs last round (...)"."""
    name = m.label if m.is_burnout else f"{m.label} ({m.rate_name})"
    if m.org is None:
        return f"{name}: hidden (fewer than the minimum responses)"
    parts = [f"{name}: {m.org.rate_text()}"]
    if m.org.ci is not None:
        parts[0] += f" ({m.org.ci_text()})"
    if m.org.mean is not None and not m.is_burnout:
        parts.append(f"mean {m.org.mean:.1f}")
        if m.mean_vs_previous is not None:  # the whole distribution, Mann–Whitney
            parts.append(f"mean {m.mean_vs_previous.describe()}")
    if m.vs_previous is not None:
        parts.append(m.vs_previous.describe())
    if m.vs_average is not None:
        parts.append(m.vs_average.describe())
    if m.small and m.rolling is not None:
        parts.append(f"{m.rolling_rounds}-round rolling average {pct(m.rolling)}%")
    return " · ".join(parts)


def team_line(row: TeamRow, metrics: Sequence[MetricSummary]) -> str:
    head = f"{row.team}: {row.respondents} responses"
    if row.response_pct is not None:
        head += f" ({row.response_pct}% of {row.invited})"
    bits = []
    for m in metrics:
        c = row.cell(m.key)
        if c is None:
            continue
        label = m.label if m.is_burnout else f"{m.label} fav." if m.rate_name == "favourable" else m.label
        bits.append(f"{label} {c.rate_text()}")
    line = head + (" · " + " · ".join(bits) if bits else "")
    if row.burnout_vs_previous is not None:
        line += f" · burnout {row.burnout_vs_previous.describe()}"
    elif row.burnout_rolling is not None:
        line += f" · burnout rolling avg {pct(row.burnout_rolling)}%"
    return line


def plain_text(d: Digest) -> str:
    out = [f"Round {d.round_number} digest ({d.dates_text})", f"Responses: {d.response.text}"]
    for a in d.alerts:
        out.append(f"ALERT: {a.text}")
    alert_texts = {a.text for a in d.alerts}
    for h in d.headline:
        if h not in alert_texts:
            out.append(f"Headline: {h}")
    out.append("")
    for m in d.metrics:
        out.append(metric_line(m))
    if d.teams:
        out.append("")
        out.append("Teams:")
        for row in d.teams:
            out.append("  " + team_line(row, d.metrics))
    if d.hidden:
        out.append(d.hidden_summary + ": " + "; ".join(f"{h.team} ({h.text})" for h in d.hidden))
    if d.themes is not None:
        out.append("")
        if d.themes:
            out.append("Themes in comments:")
            for t in d.themes:
                out.append("  " + theme_line(t))
        for c in d.comments:
            out.append(f'  "{c}"')
    if d.actions:
        out.append("")
        out.append("Suggested actions:")
        for theme, a in d.actions:
            out.append(f"  {a.title} ({theme}) — {a.source}")
    for n in d.notes:
        out.append(f"Note: {n}")
    return "\n".join(out).strip() + "\n"


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


# ---------------------------------------------------------------------------
# Internal per-round view (holds raw counts; never leaves this module)
# ---------------------------------------------------------------------------


@dataclass
class _Cell:
    hist: dict[int, int]
    n: int
    k: int
    published: bool
    exact: bool

    @property
    def usable(self) -> bool:
        return self.published and self.exact and self.n > 0


class _RoundView:
    def __init__(
        self, info: RoundInfo, hists: Mapping[str, Mapping[str, Mapping[int, int]]],
        questions: Sequence[QuestionInfo], min_n: int, prior: frozenset[str],
    ) -> None:
        self.info = info
        teams = set(info.respondents) | set(info.invited)
        for per_team in hists.values():
            teams |= set(per_team)
        resp = {t: int(info.respondents.get(t, 0)) for t in teams}
        # A team in the counts but missing from respondents: at least its answers.
        for per_team in hists.values():
            for t, h in per_team.items():
                resp[t] = max(resp[t], stats.hist_n(h))
        self.teams = sorted(teams)
        self.respondents = resp
        self.pub = privacy.plan(resp, min_n, prior)
        self.metric_pub: dict[str, privacy.Publication] = {}
        self.cells: dict[str, dict[str, _Cell]] = {}
        self.marks: set[str] = set()
        for q in questions:
            sc = q.scale
            per_team = hists.get(q.key, {})
            hs = {t: {v: c for v, c in per_team.get(t, {}).items() if c > 0} for t in teams}
            n = {t: stats.hist_n(h) for t, h in hs.items()}
            k = {t: sum(c for v, c in h.items() if sc.is_flagged(v)) for t, h in hs.items()}
            earlier = privacy.metric_prior(prior, q.key)
            if earlier is None and not prior:
                earlier = (frozenset(), frozenset())
            mp = privacy.plan_metric(self.pub, n, None if earlier is None else earlier[0])
            exact = privacy.exact_cells(mp, n, k, None if earlier is None else earlier[1])
            self.marks |= privacy.metric_marks(q.key, mp.cells, exact)
            cells = {
                t: _Cell(hs[t], n[t], k[t], t in mp.cells, t in exact) for t in teams
            }
            cells[privacy.TOTAL] = _Cell(
                stats.merge_hists(hs.values()), sum(n.values()), sum(k.values()),
                privacy.TOTAL in mp.cells, privacy.TOTAL in exact,
            )
            self.metric_pub[q.key] = mp
            self.cells[q.key] = cells

    @property
    def org_respondents(self) -> int:
        return sum(self.respondents.values())

    def cell(self, qkey: str, team: str) -> _Cell | None:
        return self.cells.get(qkey, {}).get(team)

    def asked(self, qkey: str) -> bool:
        c = self.cell(qkey, privacy.TOTAL)
        return c is not None and c.n > 0


def _public(c: _Cell | None) -> MetricCell | None:
    if c is None or not c.published or c.n == 0:
        return None
    if c.exact:
        return MetricCell(
            n=c.n, rate=c.k / c.n, ci=stats.wilson(c.k, c.n), mean=stats.hist_mean(c.hist),
        )
    if not privacy.near_homogeneous(c.k, c.n):
        # Not extreme itself; withheld so a smaller group can't be subtracted out.
        return MetricCell(n=c.n, band="withheld to protect a smaller group")
    return MetricCell(
        n=c.n, band=privacy.rate_band(c.k, c.n), band_bounds=privacy.rate_band_bounds(c.k, c.n),
    )


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------


def _previous(cur: _Cell, history: Sequence[_RoundView], qkey: str, team: str):
    """(rate change, mean change) vs the latest earlier round that asked qkey."""
    if not cur.usable:
        return None, None
    for rv in history:
        prev = rv.cell(qkey, team)
        if prev is None or prev.n == 0:
            continue
        if not prev.usable:
            return None, None
        return (
            stats.rate_change(cur.k, cur.n, prev.k, prev.n, stats.VS_PREVIOUS),
            stats.mean_change(cur.hist, prev.hist, stats.VS_PREVIOUS),
        )
    return None, None


def _window(views: Sequence[_RoundView], qkey: str, team: str, size: int) -> list[_Cell] | None:
    """Published cells of the last ``size`` rounds that asked qkey; None if any
    of them is banded (pooling would expose it)."""
    out: list[_Cell] = []
    for rv in views:
        c = rv.cell(qkey, team)
        if c is None or c.n == 0:
            continue
        if len(out) >= size:
            break
        if not c.published:
            continue  # hidden rounds are left out of the pool entirely
        if not c.exact:
            return None
        out.append(c)
    return out


def _vs_average(cur: _Cell, history: Sequence[_RoundView], qkey: str, team: str):
    if not cur.usable:
        return None
    win = _window(history, qkey, team, 4)
    if not win or len(win) < 2:
        return None
    k = sum(c.k for c in win)
    n = sum(c.n for c in win)
    return stats.rate_change(cur.k, cur.n, k, n, stats.VS_AVERAGE)


def _rolling(cur: _Cell, history: Sequence[_RoundView], qkey: str, team: str):
    if not cur.usable:
        return None, 0
    win = _window(history, qkey, team, 3)
    if win is None:
        return None, 0
    parts = [(cur.k, cur.n)] + [(c.k, c.n) for c in win]
    if len(parts) < 2:
        return None, 0
    return stats.pooled_rate(parts), len(parts)


# ---------------------------------------------------------------------------
# Comments and themes
# ---------------------------------------------------------------------------


def pick_comments(
    comments: Sequence[CommentInfo], rng: random.Random, limit: int = 3,
) -> list[str]:
    """Up to ``limit`` comments, shuffled, preferring ones that cover themes not
    yet covered; untagged comments only fill remaining space."""
    items = [c for c in comments if c.text and c.text.strip()]
    rng.shuffle(items)
    themed = [c for c in items if c.themes]
    picked: list[CommentInfo] = []
    covered: set[str] = set()
    for c in themed:
        if len(picked) >= limit:
            break
        if set(c.themes) - covered:
            picked.append(c)
            covered |= set(c.themes)
    for c in themed + [c for c in items if not c.themes]:
        if len(picked) >= limit:
            break
        if c not in picked:
            picked.append(c)
    rng.shuffle(picked)
    return [c.text.strip() for c in picked]


def _theme_counts(comments: Iterable[CommentInfo]) -> tuple[dict[str, int], dict[str, list[float]]]:
    counts: dict[str, int] = defaultdict(int)
    moods: dict[str, list[float]] = defaultdict(list)
    for c in comments:
        for t in dict.fromkeys(c.themes):
            counts[t] += 1
            if c.sentiment is not None and math.isfinite(c.sentiment):
                moods[t].append(float(c.sentiment))
    return counts, moods


# ---------------------------------------------------------------------------
# build_digest
# ---------------------------------------------------------------------------


def _group_counts(counts: Iterable[CountRow]) -> dict[int, dict[str, dict[str, dict[int, int]]]]:
    out: dict[int, dict[str, dict[str, dict[int, int]]]] = {}
    for round_id, team, qkey, value, n in counts:
        if n is None or n <= 0:
            continue
        if team == privacy.TOTAL:
            raise ValueError(f"team label {privacy.TOTAL!r} is reserved")
        h = out.setdefault(round_id, {}).setdefault(qkey, {}).setdefault(team, {})
        h[int(value)] = h.get(int(value), 0) + int(n)
    return out


def _order_questions(questions: Sequence[QuestionInfo]) -> list[QuestionInfo]:
    qs = list(dict((q.key, q) for q in questions).values())
    return sorted(qs, key=lambda q: 0 if q.scale_key == "burnout5" else 1)  # stable


def _bad_direction(m: MetricSummary, change: stats.Change) -> bool:
    """Is this change a worsening? Burnout up, favourable/yes down."""
    return change.direction > 0 if m.is_burnout else change.direction < 0


def _headline_text(m: MetricSummary, c: stats.Change) -> str:
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


def build_digest(
    current: RoundInfo,
    history: Sequence[RoundInfo],
    counts: Iterable[CountRow],
    comments: Mapping[int, Sequence[CommentInfo]],
    questions: Sequence[QuestionInfo],
    thresholds: Thresholds = Thresholds(),
    published: Iterable[str] = frozenset(),
    rng: random.Random | int | None = None,
) -> Digest:
    """Build a publishable digest for ``current``.

    ``history``: older closed rounds, newest first (only the first 11 are used).
    ``counts``: (round_id, team, question_key, value, n) histogram rows for the
    current and history rounds. ``comments``: round_id -> scrubbed org-level
    comments. ``published``: cells already published for ``current``
    (``Digest.published_cells`` of earlier posts). ``rng``: a ``random.Random``
    or a seed, for shuffling comments.
    """
    if not isinstance(thresholds, Thresholds):
        raise TypeError("thresholds must be a Thresholds")
    if isinstance(rng, random.Random):
        rnd = rng
    else:
        rnd = random.Random(rng)
    m = thresholds.min_score_n
    history = list(history)[:11]
    qs = _order_questions(questions)
    grouped = _group_counts(counts)
    cur = _RoundView(current, grouped.get(current.round_id, {}), qs, m, frozenset(published))
    hist = [_RoundView(r, grouped.get(r.round_id, {}), qs, m, frozenset()) for r in history]
    pub = cur.pub

    # -- response rate -------------------------------------------------------
    invited = sum(max(0, int(v)) for v in current.invited.values())
    n_org = cur.org_respondents
    if pub.total_published:
        p = round(100 * n_org / invited) if invited else None
        text = f"{n_org} of {invited} invited ({p}%)" if invited else f"{n_org} responses"
        response = ResponseRate(n_org, invited, p, text)
    elif n_org < m:
        response = ResponseRate(None, invited, None, f"fewer than {m} responses of {invited} invited")
    else:
        response = ResponseRate(None, invited, None, f"hidden (consistent with an earlier post) of {invited} invited")

    # -- org metrics -----------------------------------------------------------
    metrics: list[MetricSummary] = []
    for q in qs:
        if not cur.asked(q.key):
            continue
        c = cur.cell(q.key, privacy.TOTAL)
        assert c is not None
        org = _public(c)
        vs_prev, mean_prev = _previous(c, hist, q.key, privacy.TOTAL)
        vs_avg = _vs_average(c, hist, q.key, privacy.TOTAL)
        small = c.n < stats.MIN_TEST_N
        rolling, rolling_n = _rolling(c, hist, q.key, privacy.TOTAL) if small else (None, 0)
        metrics.append(MetricSummary(
            key=q.key, label=q.label_en, scale_key=q.scale_key, rate_name=q.scale.rate_name,
            org=org, vs_previous=vs_prev, vs_average=vs_avg, mean_vs_previous=mean_prev,
            rolling=rolling, rolling_rounds=rolling_n, small=small,
        ))

    # -- teams ---------------------------------------------------------------
    burnout_q = next((q for q in qs if q.scale_key == "burnout5" and cur.asked(q.key)), None)
    rows: list[TeamRow] = []
    alerts: list[Alert] = []
    for team in pub.teams:
        inv = int(current.invited.get(team, 0))
        resp = cur.respondents[team]
        cells = tuple((mm.key, _public(cur.cell(mm.key, team))) for mm in metrics)
        b_change = b_roll = None
        if burnout_q is not None:
            bc = cur.cell(burnout_q.key, team)
            if bc is not None:
                b_change, _ = _previous(bc, hist, burnout_q.key, team)
                if bc.n < stats.MIN_TEST_N:
                    b_roll, _ = _rolling(bc, hist, burnout_q.key, team)
                if b_change is not None and b_change.significant and b_change.delta > 0:
                    alerts.append(Alert(
                        team,
                        f"Burnout rose significantly in {team}: now {pct(bc.k / bc.n)}%, "
                        f"{b_change.describe()}",
                        b_change,
                    ))
        rows.append(TeamRow(
            team=team, invited=inv, respondents=resp,
            response_pct=round(100 * resp / inv) if inv else None,
            cells=cells, burnout_vs_previous=b_change, burnout_rolling=b_roll,
        ))
    alerts.sort(key=lambda a: -a.change.delta)
    org_burnout = next((mm for mm in metrics if mm.is_burnout), None)
    if (
        org_burnout is not None and org_burnout.vs_previous is not None
        and org_burnout.vs_previous.significant and org_burnout.vs_previous.delta > 0
    ):
        alerts.insert(0, Alert(
            privacy.TOTAL_LABEL,
            f"Burnout rose significantly across the organisation: now "
            f"{org_burnout.org.rate_text()}, {org_burnout.vs_previous.describe()}",  # type: ignore[union-attr]
            org_burnout.vs_previous,
        ))

    hidden = tuple(
        HiddenCell(t, r, privacy.reason_text(r, m)) for t, r in pub.hidden_teams
    )

    # -- headline ----------------------------------------------------------------
    # Rate changes, and score-distribution changes (Mann–Whitney) where the
    # mean is shown: significant ones first, then the largest.
    cands = [(mm, ch) for mm in metrics if mm.org
             for ch in (mm.vs_previous, mm.mean_vs_previous if mm.org.mean is not None else None)
             if ch is not None]
    cands.sort(key=lambda mc: (not mc[1].significant, mc[1].direction == 0,
                               mc[1].kind != "rate", -abs(mc[1].delta)))
    headline: list[str] = [a.text for a in alerts[:2]]
    used: set[str] = set()
    for mm, ch in cands:
        if len(headline) >= 2:
            break
        if mm.key in used or (ch.kind != "rate" and not ch.significant):
            continue
        if mm.is_burnout and alerts and alerts[0].team == privacy.TOTAL_LABEL:
            continue  # already leading as an alert
        used.add(mm.key)
        headline.append(_headline_text(mm, ch))
    if not headline:
        if not hist:
            headline.append("First round: no earlier round to compare with yet.")
        elif metrics and any(mm.org is not None for mm in metrics):
            headline.append("No comparison with the previous round is available for this round.")
        else:
            headline.append(f"Fewer than {m} people responded, so results are hidden.")

    # -- themes and comments -------------------------------------------------
    themes: tuple[ThemeSummary, ...] | None = None
    picked: tuple[str, ...] = ()
    rose: list[str] = []
    if privacy.comments_allowed(n_org, thresholds.min_comment_n):
        now, moods = _theme_counts(comments.get(current.round_id, ()))
        prev_counts: dict[str, int] | None = None
        if hist and privacy.comments_allowed(hist[0].org_respondents, thresholds.min_comment_n):
            prev_counts, _ = _theme_counts(comments.get(hist[0].info.round_id, ()))
        summaries = []
        for t in sorted(set(now) | set(prev_counts or {}), key=lambda t: (-now.get(t, 0), t)):
            cnt = now.get(t, 0)
            prev = None if prev_counts is None else prev_counts.get(t, 0)
            delta = None if prev is None else cnt - prev
            mood = moods.get(t)
            summaries.append(ThemeSummary(
                t, cnt, prev, delta, sum(mood) / len(mood) if mood else None,
            ))
            if delta is not None and delta > 0:
                rose.append(t)
        themes = tuple(summaries)
        picked = tuple(pick_comments(comments.get(current.round_id, ()), rnd))
        rose.sort(key=lambda t: -(now.get(t, 0) - (prev_counts or {}).get(t, 0)))

    # Themes behind metrics that got significantly worse also get suggestions.
    qtheme = {q.key: q.theme for q in qs}
    for mm in metrics:
        ch = mm.vs_previous
        if ch is not None and ch.significant and _bad_direction(mm, ch) and qtheme.get(mm.key):
            rose.append(qtheme[mm.key])  # type: ignore[arg-type]
    suggested = tuple(_actions.suggest(rose, limit=3))

    # -- notes ---------------------------------------------------------------
    notes: list[str] = []
    if any(mm.small for mm in metrics) or any(
        r.burnout_rolling is not None for r in rows
    ):
        notes.append(
            f"Groups with fewer than {stats.MIN_TEST_N} answers are not tested for significance; "
            "rolling averages over up to 4 rounds are shown instead."
        )
    if not privacy.comments_allowed(n_org, thresholds.min_comment_n):
        notes.append(
            f"Comments and themes are shared once at least {thresholds.min_comment_n} people respond."
        )
    if any(mm.org is not None and not mm.org.exact for mm in metrics) or any(
        c is not None and not c.exact for r in rows for _, c in r.cells
    ):
        notes.append(
            "Some results are shown as a range because nearly everyone answered the same way."
        )

    trend = _trend([cur, *hist], qs)
    return Digest(
        round_id=current.round_id, round_number=current.number,
        opened_on=current.opened_on, closes_on=current.closes_on, thresholds=thresholds,
        response=response, headline=tuple(headline[:2]), alerts=tuple(alerts),
        metrics=tuple(metrics), teams=tuple(rows), hidden=hidden, themes=themes,
        comments=picked, actions=suggested, notes=tuple(notes), trend=trend,
        publication=pub, metric_marks=frozenset(cur.marks),
    )


def _trend(views: Sequence[_RoundView], qs: Sequence[QuestionInfo]) -> Trend:
    chrono = list(reversed(views[:12]))
    lines: list[TrendLine] = []
    for q in qs:
        pts: list[TrendPoint] = []
        for rv in chrono:
            c = rv.cell(q.key, privacy.TOTAL)
            label = f"R{rv.info.number} · {rv.info.opened_on:%b} {rv.info.opened_on.day}"
            pub_cell = _public(c)
            if pub_cell is None:
                pts.append(TrendPoint(rv.info.number, label, None))
            elif pub_cell.exact:
                lo, hi = pub_cell.ci or (None, None)
                pts.append(TrendPoint(rv.info.number, label, pub_cell.rate, lo, hi))
            else:
                lo, hi = pub_cell.band_bounds or (None, None)
                pts.append(TrendPoint(rv.info.number, label, None, lo, hi, pub_cell.band))
        if any(p.value is not None or p.band for p in pts):
            lines.append(TrendLine(q.key, q.label_en, q.scale.rate_name, tuple(pts)))
    return Trend(tuple(lines), tuple(rv.info.number for rv in chrono))


# Injected text helpers (analytics.text is written elsewhere): the service may
# use this to turn raw scrubbed strings into CommentInfo without this module
# importing analytics.text at import time.
def comment_infos(
    texts: Iterable[str],
    tag_themes: Callable[[str], Sequence[str]] | None = None,
    polarity: Callable[[str], float] | None = None,
) -> list[CommentInfo]:
    if tag_themes is None or polarity is None:
        from analytics import text as _text  # lazy: optional dependency

        tag_themes = tag_themes or _text.tag_themes  # type: ignore[attr-defined]
        polarity = polarity or _text.polarity  # type: ignore[attr-defined]
    return [CommentInfo(t, tuple(tag_themes(t)), float(polarity(t))) for t in texts]
