"""``build_digest``: aggregated counts in, a publishable ``Digest`` out. Pure.

Earlier rounds are re-planned with the current thresholds and no prior
publication. That is safe because publications of the same closed round are
nested (see ``analytics.privacy``), and the cross-round rule
(``differencing``) decides each round from the rounds before it alone.

Statistics: each organisation measure gets one pre-declared test
(``history.comparison``); the digest's tests are Holm-corrected together
(``stats.correct``); only real changes are headlined. Teams are not tested:
at team sizes a test is mostly noise, and every extra test would make the
organisation's flags less trustworthy.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from analytics import actions as _actions
from analytics import privacy, stats
from analytics.digest import bank_notes, differencing
from analytics.digest.comments import pick_comments, theme_summaries
from analytics.digest.history import RoundView, comparison, publishable, rolling_rate, trend
from analytics.digest.model import (
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
    pct,
)
from analytics.digest.report import Digest
from analytics.digest.segment_views import SegmentRow, SegmentViews, segment_views
from analytics.digest.wording import headline_text, plural, rounds_label

MAX_HISTORY = 11  # earlier rounds shown: with the current one, the trend's 12
MAX_HEADLINES = 3
MAX_ACTIONS = 3
# A comment theme calls for an action when its mood is negative and at least
# this many comments (and this share of respondents) raise it.
THEME_MIN_COMMENTS = 3
THEME_MIN_SHARE = 0.10
NEGATIVE = -0.15


def build_digest(
    current: RoundInfo,
    history: Sequence[RoundInfo],
    counts: Iterable[CountRow],
    comments: Mapping[int, Sequence[CommentInfo]],
    questions: Sequence[QuestionInfo],
    thresholds: Thresholds = Thresholds(),
    published: Iterable[str] = frozenset(),
    rng: random.Random | int | None = None,
    segment_counts: Iterable[SegmentRow] = (),
    role_labels: Mapping[str, str] | None = None,
) -> Digest:
    """Build a publishable digest for ``current``.

    ``history``: older closed rounds, newest first. The first 11 are shown
    (trend, comparisons); up to ``differencing.LOOKBACK`` more are used only
    to decide what cross-round subtraction would expose, so pass them when
    available. ``counts``: (round_id, team, question_key, value, n) histogram
    rows. ``comments``: round_id -> scrubbed org-level comments.
    ``published``: cells already published for ``current``
    (``Digest.published_cells`` of earlier posts). ``rng``: a ``random.Random``
    or a seed, for shuffling comments.
    """
    if not isinstance(thresholds, Thresholds):
        raise TypeError("thresholds must be a Thresholds")
    rnd = rng if isinstance(rng, random.Random) else random.Random(rng)
    min_n = thresholds.min_score_n
    qs = _order_questions(questions)
    grouped = _group_counts(counts)
    infos = [current, *history][:1 + MAX_HISTORY + differencing.LOOKBACK]
    shown = infos[:1 + MAX_HISTORY]
    blocked = [differencing.blocks(infos, i, min_n).cells() for i in range(len(shown))]
    views = [RoundView(r, grouped.get(r.round_id, {}), _view_questions(qs, grouped, r, i),
                       min_n, frozenset(published) if i == 0 else frozenset(), blocked[i])
             for i, r in enumerate(shown)]
    cur, hist = views[0], views[1:]

    metrics = _corrected([_org_metric(cur, hist, q, min_n) for q in qs if cur.asked(q.key)])
    burnout = next((m for m in metrics if m.is_burnout), None)
    rows = [_team_row(cur, hist, team, metrics, burnout) for team in cur.pub.teams]
    themes, picked = _themes_and_comments(cur, hist, comments, thresholds, rnd)
    return Digest(
        round_id=current.round_id, round_number=current.number,
        opened_on=current.opened_on, closes_on=current.closes_on, thresholds=thresholds,
        response=_response_rate(cur, min_n),
        headline=_headline(metrics, current.number, bool(hist), cur, min_n),
        metrics=tuple(metrics), teams=tuple(rows),
        hidden=tuple(HiddenCell(t, r, privacy.reason_text(r, min_n))
                     for t, r in cur.pub.hidden_teams),
        themes=themes, comments=picked,
        actions=tuple(_actions.suggest(action_themes(themes, metrics, qs, cur.org_respondents),
                                       limit=MAX_ACTIONS)),
        notes=_notes(cur.org_respondents, thresholds, themes is None and picked == ()),
        trend=trend(views, qs),
        publication=cur.pub, metric_marks=frozenset(cur.marks),
        segments=_segments(cur, [q for q in qs if cur.asked(q.key)], metrics, rows,
                           segment_counts, min_n, role_labels, [r.round_id for r in infos[1:]]),
        net_scores=bank_notes.net_scores(metrics, _org_hists(cur, metrics)),
        references=bank_notes.reference_notes(metrics),
    )


def _org_hists(cur: RoundView, metrics: Sequence[MetricSummary]) -> dict[str, dict[int, int]]:
    """The organisation's histogram of each shown measure (for the eNPS)."""
    cells = ((m.key, cur.cell(m.key, privacy.TOTAL)) for m in metrics if m.org is not None)
    return {k: c.hist for k, c in cells if c is not None}


def _segments(cur: RoundView, qs: Sequence[QuestionInfo], metrics: Sequence[MetricSummary],
              teams: Sequence[TeamRow], rows: Iterable[SegmentRow], min_n: int,
              role_labels: Mapping[str, str] | None, earlier: Sequence[int] = ()) -> SegmentViews:
    """Role and tenure views (issue 14). None in a round that withholds any
    cell across rounds: segment figures could rebuild the withheld one."""
    # Per measure, the figures the digest shows exactly (its team rows and the
    # organisation): one it withholds or bands must not come back through a
    # role or tenure group.
    exact = {m.key: [t.team for t in teams if (c := t.cell(m.key)) is not None and c.exact]
             + ([privacy.TOTAL] if m.org is not None and m.org.exact else []) for m in metrics}
    views = segment_views(rows, cur.info.round_id, qs, min_n, cur.pub.teams,
                          cur.pub.total_published, role_labels, exact, earlier)
    return SegmentViews(blocked=True) if cur.blocked and views.views else views


def _view_questions(qs: list[QuestionInfo], grouped, r: RoundInfo, i: int) -> list[QuestionInfo]:
    """The questions an earlier round's view plans: those with answers that
    round. A question it didn't ask would only get empty cells, which every
    use of an earlier round (comparison, rolling rate, trend) treats like no
    cell at all, and planning them was most of the digest's time (a round
    asks a few of the bank's questions). The current round plans them all:
    its per-metric records (``marks``) name every question."""
    if i == 0:
        return qs
    hists = grouped.get(r.round_id, {})
    return [q for q in qs if q.key in hists]


def _group_counts(counts: Iterable[CountRow]) -> dict[int, dict[str, dict[str, dict[int, int]]]]:
    out: dict[int, dict[str, dict[str, dict[int, int]]]] = {}
    seen: dict[tuple, dict[int, int]] = {}  # one lookup per row instead of three
    for round_id, team, qkey, value, n in counts:
        if n is None or n <= 0:
            continue
        h = seen.get((round_id, qkey, team))
        if h is None:
            if team == privacy.TOTAL:
                raise ValueError(f"team label {privacy.TOTAL!r} is reserved")
            h = seen[(round_id, qkey, team)] = \
                out.setdefault(round_id, {}).setdefault(qkey, {}).setdefault(team, {})
        v = int(value)
        h[v] = h.get(v, 0) + int(n)
    return out


def _order_questions(questions: Sequence[QuestionInfo]) -> list[QuestionInfo]:
    qs = list(dict((q.key, q) for q in questions).values())
    return sorted(qs, key=lambda q: 0 if q.scale_key == "burnout5" else 1)  # stable


def _response_rate(cur: RoundView, min_n: int) -> ResponseRate:
    invited = sum(max(0, int(v)) for v in cur.info.invited.values())
    n_org = cur.org_respondents
    if cur.pub.total_published:
        p = pct(n_org / invited) if invited else None
        text = f"{n_org} of {invited} invited ({p}%)" if invited else plural(n_org, "response")
        return ResponseRate(n_org, invited, p, text)
    if n_org < min_n:
        return ResponseRate(None, invited, None, f"fewer than {min_n} of {invited} invited")
    if privacy.TOTAL in cur.blocked:
        return ResponseRate(None, invited, None, f"withheld this round, of {invited} invited "
                            f"(fewer than {min_n} people joined or left since it was last shown)")
    return ResponseRate(
        None, invited, None, f"hidden (consistent with an earlier post) of {invited} invited")


# ---------------------------------------------------------------------------
# Organisation measures and teams
# ---------------------------------------------------------------------------


def _org_metric(
    cur: RoundView, hist: Sequence[RoundView], q: QuestionInfo, min_n: int,
) -> MetricSummary:
    c = cur.cell(q.key, privacy.TOTAL)
    assert c is not None
    reason = None
    if not c.published:
        reason = privacy.reason_text(cur.pub.hidden.get(privacy.TOTAL, privacy.TOO_FEW), min_n)
    return MetricSummary(
        key=q.key, label=q.label_en, scale_key=q.scale_key, rate_name=q.scale.rate_name,
        org=publishable(c), change=comparison(cur.info.number, c, hist, q.key, privacy.TOTAL),
        hidden_reason=reason,
    )


def _corrected(metrics: list[MetricSummary]) -> list[MetricSummary]:
    """The whole digest's tests as one family (one per measure)."""
    primary = next((i for i, m in enumerate(metrics) if m.is_burnout), None)
    changes = stats.correct([m.change for m in metrics], primary=primary)
    return [replace(m, change=ch) for m, ch in zip(metrics, changes, strict=True)]


def _team_row(
    cur: RoundView, hist: Sequence[RoundView], team: str,
    metrics: Sequence[MetricSummary], burnout: MetricSummary | None,
) -> TeamRow:
    invited = int(cur.info.invited.get(team, 0))
    resp = cur.respondents[team]
    rolling = None
    bc = None if burnout is None else cur.cell(burnout.key, team)
    if bc is not None and bc.n < stats.MIN_TEST_N:
        rolling = rolling_rate(bc, hist, burnout.key, team)  # type: ignore[union-attr]
    return TeamRow(
        team=team, invited=invited, respondents=resp,
        response_pct=pct(resp / invited) if invited else None,
        cells=tuple((m.key, publishable(cur.cell(m.key, team))) for m in metrics),
        burnout_rolling=rolling,
    )


# ---------------------------------------------------------------------------
# Headline
# ---------------------------------------------------------------------------


def _headline(
    metrics: Sequence[MetricSummary], number: int, has_history: bool, cur: RoundView,
    min_n: int,
) -> tuple[str, ...]:
    """Up to three real changes, those for the worse first, larger first;
    otherwise one line saying plainly why there is none."""
    real = sorted((m for m in metrics if m.flagged),
                  key=lambda m: (not m.worsened, -abs(m.change.points)))  # type: ignore[union-attr]
    if real:
        return tuple(headline_text(m, number) for m in real[:MAX_HEADLINES])
    if not has_history:
        return ("First round: nothing to compare with yet.",)
    if privacy.TOTAL in cur.blocked:
        return ("The organisation's figures are withheld this round: too few people joined or "
                "left since they were last shown to compare safely.",)
    if not any(m.org is not None for m in metrics):
        return (f"Fewer than {min_n} people responded, so results are hidden.",)
    tested = [m.change for m in metrics if m.change is not None and m.change.testable]
    if not tested:
        return ("No comparison this round: too few answers to tell a change from noise.",)
    before = rounds_label(sorted({r for c in tested for r in c.rounds_before}))
    return (f"No real change since {before}: every difference is within the normal "
            "wobble of who answered.",)


# ---------------------------------------------------------------------------
# Themes, comments, suggested actions and notes
# ---------------------------------------------------------------------------


def _themes_and_comments(
    cur: RoundView, hist: Sequence[RoundView], comments: Mapping[int, Sequence[CommentInfo]],
    thresholds: Thresholds, rnd: random.Random,
) -> tuple[tuple[ThemeSummary, ...] | None, tuple[str, ...]]:
    """(themes, quoted comments); themes None when too few people responded.
    Theme counts are org-wide counts: withheld with the organisation's figures
    (a count next to last round's would be a subtraction)."""
    if not privacy.comments_allowed(cur.org_respondents, thresholds.min_comment_n):
        return None, ()
    now = comments.get(cur.info.round_id, ())
    picked = tuple(pick_comments(now, rnd))
    if privacy.TOTAL in cur.blocked:
        return None, picked
    previous = None
    if hist and privacy.comments_allowed(hist[0].org_respondents, thresholds.min_comment_n) \
            and privacy.TOTAL not in hist[0].blocked:
        previous = comments.get(hist[0].info.round_id, ())
    return theme_summaries(now, previous), picked


def action_themes(
    themes: Sequence[ThemeSummary] | None, metrics: Sequence[MetricSummary],
    qs: Sequence[QuestionInfo], respondents: int,
) -> list[str]:
    """Themes that call for an action: a measure that worsened for real (its
    question's theme), then comment themes that are negative and large."""
    qtheme = {q.key: q.theme for q in qs}
    out = [qtheme[m.key] for m in metrics if m.worsened and qtheme.get(m.key)]
    need = max(THEME_MIN_COMMENTS, THEME_MIN_SHARE * respondents)
    big = [t for t in themes or () if t.count >= need
           and t.mean_sentiment is not None and t.mean_sentiment <= NEGATIVE]
    out += [t.theme for t in sorted(big, key=lambda t: -t.count)]
    return list(dict.fromkeys(t for t in out if t))


def _notes(n_org: int, thresholds: Thresholds, no_comments: bool) -> tuple[str, ...]:
    if no_comments and not privacy.comments_allowed(n_org, thresholds.min_comment_n):
        return (f"Comments and themes are shared once at least {thresholds.min_comment_n} "
                "people respond.",)
    return ()
