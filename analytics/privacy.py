"""Anonymity rules for everything a digest, preview or export publishes. Pure.

Cells
-----
One round's publication is made of *cells*: one per team label, plus the
organisation total (key ``TOTAL``). Teams partition the organisation, so the
total is the sum of the teams. Team labels and invited counts are public;
respondent counts, response rates and every metric per cell are sensitive.

Rules (``plan``)
----------------
1. A team cell is published only if it has at least ``min_n`` respondents;
   the total only if the whole organisation does.
2. No subtraction: if the total and some teams are published, the *residual*
   (total minus the published teams = the union of the hidden teams) must be
   empty (0 respondents) or have at least ``min_n``. Otherwise more teams are
   hidden, smallest first, until it holds. Hiding every team always works
   (the residual is then the total), so the total is kept whenever it has
   ``min_n`` respondents.
3. Earlier publications of the same round (``prior``) count as published: the
   union of what was shown before and what is shown now must satisfy rule 2,
   unless the new publication adds no new team (then it adds nothing the
   reader could not already derive). If the total cannot be added without
   breaking that, it is left out ("earlier_publication").
4. The same pattern is applied to respondent counts and every metric
   (``plan_metric`` only ever narrows it, for questions some people skipped).
   What each metric showed is recorded as markers (``metric_marks``) in the
   published set, so a re-post knows it exactly; without markers, the earlier
   cells are treated as "some subset may have been shown" and the rules must
   hold for every subset.

Because eligible teams are "every team with >= min_n" and hiding goes smallest
first, the teams published for a given round are always the k largest (ties by
label). Publications of the same closed round under different thresholds are
therefore nested, so re-publishing history under new thresholds never widens
what can be derived.

The published cells' respondent counts span exactly the sums over unions of
published teams, plus (when the total is published) the residual united with
any published teams. Every one of those groups has 0 or >= min_n respondents.

Homogeneity (``exact_cells``)
-----------------------------
Knowing that everybody in a group gave the same kind of answer discloses each
member's answer. A rate is therefore shown as a *band* instead of a figure when
all answers, or all but one, fall on the same side of the flag range
(``min(k, n - k) <= 1``). The band for n answers is
``floor(100 (n-1)/n)–100%`` at the top and ``0–ceil(100/n)%`` at the bottom,
so it covers both the homogeneous case and its neighbour, and seeing a band
does not tell a reader that everyone answered alike. A banded cell shows no
mean, no interval and no change. The total is also banded when the group a
reader could derive by subtraction (total minus all exactly-shown teams) is
itself near-homogeneous.

Comments and theme counts are organisation-level only and only when at least
``min_comment_n`` people responded (``comments_allowed``).

Open rounds: counts published while a round is still open change between
posts, which would let a reader difference consecutive posts. Only ``band(n)``
should be shown for an open round; ``prior`` protection assumes the data of
the round no longer changes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TOTAL = "__all__"
TOTAL_LABEL = "All teams"

TOO_FEW = "too_few"
COMPLEMENT = "complement"
EARLIER = "earlier_publication"
DIFFERENCING = "differencing"

# Counts for an open round are shown only as one of these bands.
_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 0, "0"),
    (1, 4, "1–4"),
    (5, 9, "5–9"),
    (10, 19, "10–19"),
    (20, 49, "20–49"),
    (50, 99, "50–99"),
    (100, None, "100+"),
)


def band(n: int) -> str:
    """Coarse band for a count in an open round: "0", "1–4", "5–9", "10–19",
    "20–49", "50–99" or "100+". Negative counts are treated as 0."""
    n = max(0, int(n))
    for lo, hi, label in _BANDS:
        if n >= lo and (hi is None or n <= hi):
            return label
    return "100+"  # pragma: no cover


def reason_text(reason: str, min_n: int) -> str:
    return {
        TOO_FEW: f"fewer than {min_n} responses",
        COMPLEMENT: "withheld so another team's figure can't be worked out by subtraction",
        EARLIER: "hidden to stay consistent with an earlier post for this round",
        DIFFERENCING: f"withheld: fewer than {min_n} people joined or left since its figures "
                      "were last shown, so comparing rounds could reveal their answers",
    }.get(reason, "hidden")


@dataclass(frozen=True)
class Publication:
    """Which cells of one round may be shown, and why the others are hidden."""

    min_n: int
    cells: frozenset[str]
    hidden: Mapping[str, str] = field(default_factory=dict)  # cell -> reason
    prior: frozenset[str] = frozenset()

    @property
    def total_published(self) -> bool:
        return TOTAL in self.cells

    @property
    def teams(self) -> list[str]:
        return sorted(c for c in self.cells if c != TOTAL)

    @property
    def hidden_teams(self) -> list[tuple[str, str]]:
        return sorted((c, r) for c, r in self.hidden.items() if c != TOTAL)

    @property
    def known(self) -> frozenset[str]:
        """Everything a reader has now seen for this round (persist this and
        pass it back as ``prior``/``published`` next time)."""
        return self.cells | self.prior

    def hidden_summary(self) -> str:
        n = len(self.hidden_teams)
        if n == 0:
            return ""
        return f"{n} team{'s' if n != 1 else ''} hidden to protect anonymity"


def _residual_fine(r: int, min_n: int) -> bool:
    return r == 0 or r >= min_n


def _subsets(items: Iterable[str]) -> Iterable[set[str]]:
    items = sorted(items)
    for r in range(len(items) + 1):
        for combo in itertools.combinations(items, r):
            yield set(combo)


def _select(
    sizes: Mapping[str, int], min_n: int, prior: frozenset[str],
    allowed: frozenset[str] | None, strict: bool = False,
) -> frozenset[str]:
    total_n = sum(sizes.values())
    prior_teams = frozenset(t for t in prior if t in sizes)
    prior_total = TOTAL in prior

    def ok(cell: str) -> bool:
        return allowed is None or cell in allowed

    # Largest first; ties broken by label so the order is total and stable.
    eligible = sorted(
        (t for t in sizes if sizes[t] >= min_n and ok(t)),
        key=lambda t: (-sizes[t], t),
    )

    def residual_ok(teams: Iterable[str]) -> bool:
        teams = set(teams)
        if strict:
            # ``prior`` is only an upper bound on what was shown: the rule must
            # hold whichever of those teams a reader really saw.
            return all(_residual_fine(total_n - sum(sizes[t] for t in teams | s), min_n)
                       for s in _subsets(prior_teams - teams))
        known = prior_teams | teams
        r = total_n - sum(sizes[t] for t in known)
        if _residual_fine(r, min_n):
            return True
        # Nothing new: the total and every team were already public.
        return prior_total and known == prior_teams

    def shrink(teams: list[str]) -> list[str] | None:
        teams = list(teams)
        while not residual_ok(teams):
            new = [t for t in teams if strict or t not in prior_teams]
            if not new:
                return None
            teams.remove(new[-1])  # smallest newly published team
        return teams

    if total_n >= min_n and ok(TOTAL):
        teams = shrink(eligible)
        if teams is not None:
            return frozenset(teams) | {TOTAL}
    if prior_total:
        # The total is already public, so the residual rule still applies.
        teams = shrink(eligible)
        return frozenset(teams or ())
    return frozenset(eligible)


def plan(
    sizes: Mapping[str, int], min_n: int, prior: Iterable[str] = (),
    blocked: Iterable[str] = (),
) -> Publication:
    """Choose the cells of one round to publish.

    ``sizes``: respondents per team (every team, including empty ones).
    ``prior``: cells already published for this same round (``Publication.known``
    of earlier posts); ``TOTAL`` stands for the organisation total.
    ``blocked``: cells (teams or ``TOTAL``) that must not be published at all
    (cross-round differencing, see ``analytics.digest.differencing``).
    """
    if min_n < 1:
        raise ValueError("min_n must be at least 1")
    if TOTAL in sizes:
        raise ValueError(f"{TOTAL!r} is reserved for the organisation total")
    sizes = {t: max(0, int(n)) for t, n in sizes.items()}
    prior, blocked = frozenset(prior), frozenset(blocked)
    allowed = None if not blocked else frozenset([*sizes, TOTAL]) - blocked
    cells = _select(sizes, min_n, prior, allowed)
    baseline = _select(sizes, min_n, frozenset(), allowed) if prior else cells
    hidden: dict[str, str] = {}
    total_n = sum(sizes.values())
    for cell in [*sizes, TOTAL]:
        if cell in cells:
            continue
        n = total_n if cell == TOTAL else sizes[cell]
        if n < min_n:
            hidden[cell] = TOO_FEW
        elif cell in blocked:
            hidden[cell] = DIFFERENCING
        elif cell in baseline:
            hidden[cell] = EARLIER
        else:
            hidden[cell] = COMPLEMENT
    return Publication(min_n, cells, hidden, prior)


def plan_metric(
    base: Publication, answers: Mapping[str, int], prior: Iterable[str] | None = None,
) -> Publication:
    """Narrow ``base`` for one metric whose per-team answer counts may be
    smaller than the respondent counts (skipped questions).

    ``answers`` maps team -> number of answers to this question. Cells hidden in
    ``base`` stay hidden for the same reason. ``prior``: the cells published
    for *this metric* earlier (see ``metric_prior``); when unknown (None) the
    base's prior cells are assumed published and no shortcut is taken.
    """
    sizes = {t: max(0, int(n)) for t, n in answers.items()}
    for t in base.hidden:
        if t != TOTAL:
            sizes.setdefault(t, 0)
    for t in base.teams:
        sizes.setdefault(t, 0)
    m = base.min_n
    if prior is None:
        mprior, strict = base.prior, bool(base.prior)
    else:
        mprior, strict = frozenset(prior), False
    cells = _select(sizes, m, mprior, base.cells, strict=strict)
    hidden = dict(base.hidden)
    total_n = sum(sizes.values())
    for cell in [*sizes, TOTAL]:
        if cell in cells or cell in hidden:
            continue
        n = total_n if cell == TOTAL else sizes[cell]
        hidden[cell] = TOO_FEW if n < m else COMPLEMENT
    return Publication(m, cells, hidden, mprior)


# Per-metric records kept alongside the cell labels in ``Publication.known`` /
# ``Digest.published_cells`` so a re-post knows exactly what each metric showed.
_N_MARK, _X_MARK = "n|", "x|"


def metric_marks(qkey: str, shown: Iterable[str], exact: Iterable[str]) -> frozenset[str]:
    """Markers recording which cells of metric ``qkey`` were shown / exact."""
    return frozenset(
        [f"{_N_MARK}{qkey}|"]  # "metric recorded", even when nothing was shown
        + [f"{_N_MARK}{qkey}|{c}" for c in shown] + [f"{_X_MARK}{qkey}|{c}" for c in exact]
    )


def metric_prior(published: Iterable[str], qkey: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(cells shown, cells shown exactly) for ``qkey`` from earlier markers, or
    None when ``published`` carries no record for this metric."""
    shown, exact, seen = set(), set(), False
    for item in published:
        for mark, out in ((_N_MARK, shown), (_X_MARK, exact)):
            if item.startswith(mark) and item[len(mark):].startswith(qkey + "|"):
                cell = item[len(mark) + len(qkey) + 1:]
                if cell:
                    out.add(cell)
                seen = True
    return (frozenset(shown), frozenset(exact)) if seen else None


def near_homogeneous(k: int, n: int) -> bool:
    """All answers, or all but one, on the same side of the flag range."""
    return n > 0 and min(k, n - k) <= 1


def rate_band(k: int, n: int) -> str:
    """The band shown instead of an exact rate for a near-homogeneous cell."""
    if n <= 0:
        return "—"
    if n - k <= 1:
        lo = math.floor(100 * (n - 1) / n)
        return f"{lo}–100%"
    hi = math.ceil(100 / n)
    return f"0–{hi}%"


def exact_cells(
    pub: Publication, n: Mapping[str, int], k: Mapping[str, int],
    prior_exact: Iterable[str] | None = None,
) -> frozenset[str]:
    """Published cells whose rate (and mean) may be shown exactly for one metric.

    ``n``/``k``: answers and flagged answers per team. Published cells not in
    the result are shown as a band. ``prior_exact``: cells of this metric shown
    exactly in earlier posts of the round (see ``metric_prior``). When unknown
    (None), any subset of the earlier cells may have been exact, and the rule
    must hold for every such subset (otherwise nothing new is shown exactly).
    If the total was shown before, teams that would leave a near-homogeneous
    remainder are banded rather than exposing it.
    """
    def homog(t: str) -> bool:
        return near_homogeneous(k.get(t, 0), n.get(t, 0))

    total_n = sum(n.values())
    total_k = sum(k.values())

    def residual_bad(teams: set[str]) -> bool:
        rn = total_n - sum(n.get(t, 0) for t in teams)
        rk = total_k - sum(k.get(t, 0) for t in teams)
        return rn > 0 and near_homogeneous(rk, rn)

    if prior_exact is None:
        guessed = True
        prior_exact = {c for c in pub.prior if c == TOTAL or c in n}
    else:
        guessed = False
        prior_exact = {c for c in prior_exact if c == TOTAL or c in n}
    prior_teams = {c for c in prior_exact if c != TOTAL}
    prior_total = TOTAL in prior_exact

    def unsafe(teams: set[str]) -> bool:
        if guessed:  # whichever earlier cells were really exact
            return any(residual_bad(teams | s) for s in _subsets(prior_teams - teams))
        return residual_bad(teams | prior_teams)

    exact = {t for t in pub.teams if not homog(t)}
    if prior_total:
        # The total may have been shown exactly before: new exact teams must
        # not leave a near-homogeneous group derivable by subtraction.
        new = sorted(exact if guessed else exact - prior_teams, key=lambda t: (-n.get(t, 0), t))
        while new and unsafe(exact):
            exact.discard(new.pop())  # smallest newly exact team
        if guessed and unsafe(exact):
            return frozenset()  # can't tell what was really shown: reveal nothing more
    if pub.total_published and not near_homogeneous(total_k, total_n):
        # Leaders need the organisation's figure most: if showing it exactly
        # would let a near-homogeneous group be subtracted out, withhold the
        # exact figure of the smallest teams instead (pooling them with it).
        # The same order as above (smallest first, later label first among
        # equals), so every post of a round withholds the same team.
        trial = set(exact)
        for t in reversed(sorted(exact, key=lambda t: (-n.get(t, 0), t))):
            if not unsafe(trial):
                break
            trial.discard(t)
        if not unsafe(trial):
            exact = trial | {TOTAL}
    return frozenset(exact)


def comments_allowed(org_respondents: int, min_comment_n: int) -> bool:
    """Comments and theme counts: organisation level only, and only when at
    least ``min_comment_n`` people responded."""
    return org_respondents >= min_comment_n


def rate_band_bounds(k: int, n: int) -> tuple[float, float]:
    """Numeric bounds (fractions) of ``rate_band`` — for drawing a band on a chart."""
    if n <= 0:
        return (0.0, 1.0)
    if n - k <= 1:
        return (math.floor(100 * (n - 1) / n) / 100, 1.0)
    return (0.0, math.ceil(100 / n) / 100)
