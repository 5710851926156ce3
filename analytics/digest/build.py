"""``build_digest``: aggregated counts in, a publishable ``Digest`` out. Pure.

Earlier rounds are re-planned with the current thresholds and no prior
publication. That is safe because publications of the same closed round are
nested (see ``analytics.privacy``). Comparisons with earlier rounds use only
cells shown exactly in *both* rounds; rolling and 4-round averages pool only
rounds whose cell is published, and are dropped if any of those rounds was
banded (otherwise the banded value could be recovered from the average).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeGuard

from analytics import actions as _actions
from analytics import privacy, stats
from analytics.digest.comments import pick_comments, rising_themes, theme_summaries
from analytics.digest.history import (
    RoundView,
    change_vs_average,
    change_vs_previous,
    publishable,
    rolling_rate,
    trend,
)
from analytics.digest.model import (
    Alert,
    CommentInfo,
    CountRow,
    HiddenCell,
    MetricSummary,
    QuestionInfo,
    ResponseRate,
    RoundInfo,
    TeamRow,
    ThemeSummary,
    Thresholds,
)
from analytics.digest.report import Digest
from analytics.digest.wording import headline_text

MAX_HISTORY = 11  # earlier rounds: with the current one, the trend's 12


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
    rnd = rng if isinstance(rng, random.Random) else random.Random(rng)
    min_n = thresholds.min_score_n
    qs = _order_questions(questions)
    grouped = _group_counts(counts)
    cur = RoundView(current, grouped.get(current.round_id, {}), qs, min_n, frozenset(published))
    hist = [RoundView(r, grouped.get(r.round_id, {}), qs, min_n, frozenset())
            for r in list(history)[:MAX_HISTORY]]

    metrics = [_org_metric(cur, hist, q) for q in qs if cur.asked(q.key)]
    burnout = next((m for m in metrics if m.is_burnout), None)
    rows = [_team_row(cur, hist, team, metrics, burnout) for team in cur.pub.teams]
    alerts = _alerts(rows, burnout)
    themes, picked = _themes_and_comments(cur, hist, comments, thresholds, rnd)
    return Digest(
        round_id=current.round_id, round_number=current.number,
        opened_on=current.opened_on, closes_on=current.closes_on, thresholds=thresholds,
        response=_response_rate(cur, min_n),
        headline=_headline(metrics, alerts, bool(hist), min_n), alerts=tuple(alerts),
        metrics=tuple(metrics), teams=tuple(rows),
        hidden=tuple(HiddenCell(t, r, privacy.reason_text(r, min_n))
                     for t, r in cur.pub.hidden_teams),
        themes=themes, comments=picked, actions=_suggested_actions(themes, metrics, qs),
        notes=_notes(metrics, rows, cur.org_respondents, thresholds),
        trend=trend([cur, *hist], qs),
        publication=cur.pub, metric_marks=frozenset(cur.marks),
    )


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


def _response_rate(cur: RoundView, min_n: int) -> ResponseRate:
    invited = sum(max(0, int(v)) for v in cur.info.invited.values())
    n_org = cur.org_respondents
    if cur.pub.total_published:
        p = round(100 * n_org / invited) if invited else None
        text = f"{n_org} of {invited} invited ({p}%)" if invited else f"{n_org} responses"
        return ResponseRate(n_org, invited, p, text)
    if n_org < min_n:
        return ResponseRate(None, invited, None, f"fewer than {min_n} responses of {invited} invited")
    return ResponseRate(
        None, invited, None, f"hidden (consistent with an earlier post) of {invited} invited")


# ---------------------------------------------------------------------------
# Organisation metrics and teams
# ---------------------------------------------------------------------------


def _org_metric(cur: RoundView, hist: Sequence[RoundView], q: QuestionInfo) -> MetricSummary:
    c = cur.cell(q.key, privacy.TOTAL)
    assert c is not None
    vs_prev, mean_prev = change_vs_previous(c, hist, q.key, privacy.TOTAL)
    small = c.n < stats.MIN_TEST_N
    rolling, rolling_n = rolling_rate(c, hist, q.key, privacy.TOTAL) if small else (None, 0)
    return MetricSummary(
        key=q.key, label=q.label_en, scale_key=q.scale_key, rate_name=q.scale.rate_name,
        org=publishable(c), vs_previous=vs_prev,
        vs_average=change_vs_average(c, hist, q.key, privacy.TOTAL),
        mean_vs_previous=mean_prev, rolling=rolling, rolling_rounds=rolling_n, small=small,
    )


def _team_row(
    cur: RoundView, hist: Sequence[RoundView], team: str,
    metrics: Sequence[MetricSummary], burnout: MetricSummary | None,
) -> TeamRow:
    invited = int(cur.info.invited.get(team, 0))
    resp = cur.respondents[team]
    change = rolling = None
    bc = None if burnout is None else cur.cell(burnout.key, team)
    if bc is not None:
        change, _ = change_vs_previous(bc, hist, burnout.key, team)
        if bc.n < stats.MIN_TEST_N:
            rolling, _ = rolling_rate(bc, hist, burnout.key, team)
    return TeamRow(
        team=team, invited=invited, respondents=resp,
        response_pct=round(100 * resp / invited) if invited else None,
        cells=tuple((m.key, publishable(cur.cell(m.key, team))) for m in metrics),
        burnout_vs_previous=change, burnout_rolling=rolling,
    )


def _rose_significantly(change: stats.Change | None) -> TypeGuard[stats.Change]:
    return change is not None and change.significant and change.delta > 0


def _alerts(rows: Sequence[TeamRow], burnout: MetricSummary | None) -> list[Alert]:
    """Significant rises in burnout: the organisation's first, then teams by size of rise."""
    if burnout is None:
        return []
    alerts = []
    for r in rows:
        change = r.burnout_vs_previous
        if _rose_significantly(change):
            # A change is only computed for a cell shown exactly, so the cell is there.
            now = r.cell(burnout.key).rate_text()  # type: ignore[union-attr]
            alerts.append(Alert(
                r.team, f"Burnout rose significantly in {r.team}: now {now}, {change.describe()}",
                change,
            ))
    alerts.sort(key=lambda a: -a.change.delta)
    change = burnout.vs_previous
    if _rose_significantly(change):
        alerts.insert(0, Alert(
            privacy.TOTAL_LABEL,
            f"Burnout rose significantly across the organisation: now "
            f"{burnout.org.rate_text()}, {change.describe()}",  # type: ignore[union-attr]
            change,
        ))
    return alerts


# ---------------------------------------------------------------------------
# Headline
# ---------------------------------------------------------------------------


def _headline(
    metrics: Sequence[MetricSummary], alerts: Sequence[Alert], has_history: bool, min_n: int,
) -> tuple[str, ...]:
    """Up to two lines: the top alerts, then the most telling changes."""
    headline = [a.text for a in alerts[:2]]
    org_alert = bool(alerts) and alerts[0].team == privacy.TOTAL_LABEL
    used: set[str] = set()
    for m, ch in _headline_changes(metrics):
        if len(headline) >= 2:
            break
        if m.key in used or (ch.kind != "rate" and not ch.significant):
            continue
        if m.is_burnout and org_alert:
            continue  # already leading as an alert
        used.add(m.key)
        headline.append(headline_text(m, ch))
    if headline:
        return tuple(headline)
    if not has_history:
        return ("First round: no earlier round to compare with yet.",)
    if any(m.org is not None for m in metrics):
        return ("No comparison with the previous round is available for this round.",)
    return (f"Fewer than {min_n} people responded, so results are hidden.",)


def _headline_changes(
    metrics: Sequence[MetricSummary],
) -> list[tuple[MetricSummary, stats.Change]]:
    # Rate changes, and score-distribution changes (Mann–Whitney) where the
    # mean is shown: significant ones first, then the largest.
    cands = [(m, ch) for m in metrics if m.org
             for ch in (m.vs_previous, m.mean_vs_previous if m.org.mean is not None else None)
             if ch is not None]
    cands.sort(key=lambda mc: (not mc[1].significant, mc[1].direction == 0,
                               mc[1].kind != "rate", -abs(mc[1].delta)))
    return cands


# ---------------------------------------------------------------------------
# Themes, comments, suggested actions and notes
# ---------------------------------------------------------------------------


def _themes_and_comments(
    cur: RoundView, hist: Sequence[RoundView], comments: Mapping[int, Sequence[CommentInfo]],
    thresholds: Thresholds, rnd: random.Random,
) -> tuple[tuple[ThemeSummary, ...] | None, tuple[str, ...]]:
    """(themes, quoted comments); themes None when too few people responded."""
    if not privacy.comments_allowed(cur.org_respondents, thresholds.min_comment_n):
        return None, ()
    previous = None
    if hist and privacy.comments_allowed(hist[0].org_respondents, thresholds.min_comment_n):
        previous = comments.get(hist[0].info.round_id, ())
    now = comments.get(cur.info.round_id, ())
    return theme_summaries(now, previous), tuple(pick_comments(now, rnd))


def _suggested_actions(
    themes: Sequence[ThemeSummary] | None, metrics: Sequence[MetricSummary],
    qs: Sequence[QuestionInfo],
) -> tuple[tuple[str, _actions.Action], ...]:
    rose = rising_themes(themes or ())
    # Themes behind metrics that got significantly worse also get suggestions.
    qtheme = {q.key: q.theme for q in qs}
    for m in metrics:
        ch = m.vs_previous
        if ch is not None and ch.significant and _worsened(m, ch) and qtheme.get(m.key):
            rose.append(qtheme[m.key])  # type: ignore[arg-type]
    return tuple(_actions.suggest(rose, limit=3))


def _worsened(m: MetricSummary, change: stats.Change) -> bool:
    """Burnout up, favourable/yes down."""
    return change.direction > 0 if m.is_burnout else change.direction < 0


def _notes(
    metrics: Sequence[MetricSummary], rows: Sequence[TeamRow], n_org: int,
    thresholds: Thresholds,
) -> tuple[str, ...]:
    notes: list[str] = []
    if any(m.small for m in metrics) or any(r.burnout_rolling is not None for r in rows):
        notes.append(
            f"Groups with fewer than {stats.MIN_TEST_N} answers are not tested for significance; "
            "rolling averages over up to 4 rounds are shown instead."
        )
    if not privacy.comments_allowed(n_org, thresholds.min_comment_n):
        notes.append(
            f"Comments and themes are shared once at least {thresholds.min_comment_n} people respond."
        )
    if any(m.org is not None and not m.org.exact for m in metrics) or any(
        c is not None and not c.exact for r in rows for _, c in r.cells
    ):
        notes.append(
            "Some results are shown as a range because nearly everyone answered the same way."
        )
    return tuple(notes)
