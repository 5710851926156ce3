"""Anonymity rules: unit tests plus a brute-force adversary (hypothesis)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import privacy
from analytics.privacy import (
    COMPLEMENT,
    EARLIER,
    TOO_FEW,
    TOTAL,
    band,
    exact_cells,
    near_homogeneous,
    plan,
    plan_metric,
    rate_band,
    rate_band_bounds,
)

# ---------------------------------------------------------------------------
# The adversary
# ---------------------------------------------------------------------------


def _vectors(teams: list[str], cells) -> np.ndarray:
    return np.array(
        [[1 if (c == TOTAL or c == t) else 0 for t in teams] for c in sorted(cells)],
        dtype=int,
    ).reshape(len(cells), len(teams))


_COEFFS: dict[int, np.ndarray] = {}


def derivable_groups(teams: list[str], cells) -> set[frozenset[str]]:
    """Every group of teams whose aggregate equals some combination, with
    coefficients in {-1, 0, 1}, of the published cells' aggregates."""
    cells = [c for c in cells if c == TOTAL or c in teams]
    if not cells:
        return set()
    v = _vectors(teams, cells)
    if len(cells) not in _COEFFS:
        _COEFFS[len(cells)] = np.array(list(itertools.product((-1, 0, 1), repeat=len(cells))))
    combos = _COEFFS[len(cells)] @ v
    out = set()
    for row in np.unique(combos, axis=0):
        if set(row.tolist()) <= {0, 1} or set(row.tolist()) <= {0, -1}:
            g = frozenset(t for t, x in zip(teams, row, strict=True) if x != 0)
            if g:
                out.add(g)
    return out


def span_derivable(teams: list[str], cells, group: frozenset[str]) -> bool:
    """Exact check: is the group's indicator in the row space of the cells?"""
    cells = [c for c in cells if c == TOTAL or c in teams]
    if not cells:
        return False
    v = _vectors(teams, cells)
    g = np.array([[1 if t in group else 0 for t in teams]])
    return np.linalg.matrix_rank(np.vstack([v, g])) == np.linalg.matrix_rank(v)


def size(group, sizes) -> int:
    return sum(sizes[t] for t in group)


def nonempty(groups, sizes) -> set[frozenset[str]]:
    """Groups up to teams with no respondents (they add nothing to an aggregate)."""
    return {frozenset(t for t in g if sizes[t]) for g in groups}


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------


@st.composite
def orgs(draw, max_teams=8):
    k = draw(st.integers(1, max_teams))
    sizes = {f"T{i}": draw(st.integers(0, 40)) for i in range(k)}
    flagged = {t: draw(st.integers(0, n)) for t, n in sizes.items()}
    return sizes, flagged


thresholds = st.integers(3, 10)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------
# Unit tests
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n,label",
    [(0, "0"), (1, "1–4"), (4, "1–4"), (5, "5–9"), (9, "5–9"), (10, "10–19"),
     (19, "10–19"), (20, "20–49"), (49, "20–49"), (50, "50–99"), (99, "50–99"),
     (100, "100+"), (5000, "100+"), (-3, "0")],
)
def test_band(n, label):
    assert band(n) == label


def test_worked_example_two_teams():
    # Teams of 10 and 3: the total and the 10-team must not both be shown.
    pub = plan({"A": 10, "B": 3}, 5)
    assert not ({"A", TOTAL} <= pub.cells)
    assert pub.cells == {TOTAL}
    assert pub.hidden == {"A": COMPLEMENT, "B": TOO_FEW}


def test_three_teams_one_small_hides_a_second():
    pub = plan({"A": 10, "B": 6, "C": 3}, 5)
    assert pub.cells == {TOTAL, "A"}
    assert pub.hidden == {"B": COMPLEMENT, "C": TOO_FEW}
    assert pub.hidden_summary() == "2 teams hidden to protect anonymity"


def test_everything_small_publishes_nothing():
    pub = plan({"A": 2, "B": 1}, 5)
    assert pub.cells == frozenset()
    assert pub.hidden[TOTAL] == TOO_FEW


def test_all_teams_large():
    pub = plan({"A": 10, "B": 6, "C": 5}, 5)
    assert pub.cells == {TOTAL, "A", "B", "C"}
    assert pub.hidden == {}


def test_empty_team_does_not_block():
    # A residual of 0 respondents is fine: nothing to derive.
    pub = plan({"A": 10, "B": 6, "C": 0}, 5)
    assert pub.cells == {TOTAL, "A", "B"}
    assert pub.hidden == {"C": TOO_FEW}


def test_earlier_publication_blocks_total():
    # A team was published earlier without the total: adding the total now
    # would expose B (3) by subtraction.
    pub = plan({"A": 10, "B": 3}, 5, prior={"A"})
    assert pub.cells == {"A"}
    assert pub.hidden[TOTAL] == EARLIER


def test_earlier_publication_blocks_team():
    sizes = {"A": 10, "B": 6, "C": 3, "D": 3}
    assert plan(sizes, 4).cells == {TOTAL, "A", "B"}  # residual C+D = 6
    # An earlier post (under a lower threshold) showed C as well: adding B now
    # would leave D (3 < 4) alone in the residual.
    second = plan(sizes, 4, prior={TOTAL, "A", "C"})
    assert second.cells == {TOTAL, "A"}
    assert second.hidden["B"] == EARLIER
    assert second.hidden["C"] == TOO_FEW


def test_republishing_same_threshold_is_stable():
    sizes = {"A": 10, "B": 4, "C": 3}
    first = plan(sizes, 5)
    assert plan(sizes, 5, prior=first.known).cells == first.cells
    lower = plan(sizes, 3, prior=first.known)
    assert lower.cells == {TOTAL, "A", "B", "C"}


def test_reserved_label():
    with pytest.raises(ValueError):
        plan({TOTAL: 5}, 5)


def test_plan_metric_narrows_for_skips():
    base = plan({"A": 10, "B": 6, "C": 6}, 5)
    assert base.cells == {TOTAL, "A", "B", "C"}
    mp = plan_metric(base, {"A": 10, "B": 3, "C": 6})
    # B skipped to 3 answers: hidden; residual is then 3 -> also hide C.
    assert "B" not in mp.cells and TOTAL in mp.cells
    assert mp.hidden["B"] == TOO_FEW
    assert mp.cells <= base.cells
    assert "C" not in mp.cells and mp.hidden["C"] == COMPLEMENT


def test_rate_band():
    assert rate_band(10, 10) == "90–100%"
    assert rate_band(9, 10) == "90–100%"
    assert rate_band(0, 10) == "0–10%"
    assert rate_band(1, 10) == "0–10%"
    assert rate_band(5, 5) == "80–100%"
    assert rate_band(0, 3) == "0–34%"
    assert rate_band_bounds(9, 10) == (0.9, 1.0)
    assert near_homogeneous(9, 10) and near_homogeneous(0, 7)
    assert not near_homogeneous(2, 10) and not near_homogeneous(8, 10)


def test_homogeneous_team_banded_and_total_protected():
    # A is all-flagged; B and total exact would give A = total - B exactly,
    # but C's residual prevents that; R' = A + C must not be homogeneous.
    n = {"A": 10, "B": 10, "C": 0}
    k = {"A": 10, "B": 3, "C": 0}
    pub = plan(n, 5)
    ex = exact_cells(pub, n, k)
    assert "A" not in ex
    # total - B = A, which is homogeneous: total and B can't both be exact.
    # The organisation's figure is preferred; B's exact figure is withheld.
    assert not {"B", TOTAL} <= ex
    assert TOTAL in ex and "B" not in ex


def test_comments_allowed():
    assert privacy.comments_allowed(10, 10)
    assert not privacy.comments_allowed(9, 10)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@FAST
@given(orgs(), thresholds)
def test_no_small_group_derivable(org, m):
    sizes, _ = org
    pub = plan(sizes, m)
    teams = sorted(sizes)
    for t in pub.teams:
        assert sizes[t] >= m
    if pub.total_published:
        assert sum(sizes.values()) >= m
    for g in derivable_groups(teams, pub.cells):
        n = size(g, sizes)
        assert n == 0 or n >= m, (sizes, m, pub.cells, g)
    # Exact span check agrees for every group.
    for r in range(1, len(teams) + 1):
        for g in itertools.combinations(teams, r):
            g = frozenset(g)
            if span_derivable(teams, pub.cells, g):
                n = size(g, sizes)
                assert n == 0 or n >= m


@FAST
@given(orgs(), thresholds)
def test_hidden_reasons_consistent(org, m):
    sizes, _ = org
    pub = plan(sizes, m)
    for cell, reason in pub.hidden.items():
        assert cell not in pub.cells
        n = sum(sizes.values()) if cell == TOTAL else sizes[cell]
        assert reason == (TOO_FEW if n < m else COMPLEMENT)
    assert set(pub.hidden) | set(pub.cells) == set(sizes) | {TOTAL}
    # Keeps the total whenever possible (no prior).
    assert pub.total_published == (sum(sizes.values()) >= m)


@FAST
@given(orgs(), thresholds, thresholds)
def test_publications_nested_across_thresholds(org, m1, m2):
    sizes, _ = org
    a, b = plan(sizes, m1), plan(sizes, m2)
    lo, hi = (a, b) if m1 <= m2 else (b, a)
    assert hi.cells <= lo.cells


@FAST
@given(orgs(), thresholds, st.data())
def test_arbitrary_prior_never_widens(org, m, data):
    sizes, _ = org
    teams = sorted(sizes)
    prior = frozenset(data.draw(st.sets(st.sampled_from([*teams, TOTAL]))))
    pub = plan(sizes, m, prior=prior)
    before = nonempty(derivable_groups(teams, prior), sizes)
    after = nonempty(derivable_groups(teams, pub.known), sizes)
    for g in after - before:
        n = size(g, sizes)
        assert n == 0 or n >= m, (sizes, m, prior, pub.cells, g)
    for t in pub.teams:
        assert sizes[t] >= m


@FAST
@given(orgs(), st.lists(thresholds, min_size=2, max_size=4))
def test_repeated_publications_changed_thresholds(org, ms):
    sizes, _ = org
    teams = sorted(sizes)
    known: frozenset[str] = frozenset()
    for m in ms:
        before = nonempty(derivable_groups(teams, known), sizes)
        pub = plan(sizes, m, prior=known)
        known = pub.known
        for g in nonempty(derivable_groups(teams, known), sizes) - before:
            n = size(g, sizes)
            assert n == 0 or n >= m
        # Re-posting with the same threshold changes nothing.
        assert plan(sizes, m, prior=known).cells == pub.cells


@FAST
@given(orgs(), thresholds, st.data())
def test_flagged_counts_not_derivable_for_small_or_homogeneous_groups(org, m, data):
    sizes, flagged = org
    teams = sorted(sizes)
    prior_m = data.draw(st.one_of(st.none(), thresholds))
    prior = plan(sizes, prior_m).known if prior_m is not None else frozenset()
    pub = plan(sizes, m, prior=prior)
    mp = plan_metric(pub, sizes)
    ex = exact_cells(mp, sizes, flagged)
    assert ex <= mp.cells
    # The adversary sees exact flagged counts for `ex` (plus whatever was
    # exact in the prior post, assumed exact when not homogeneous).
    seen = set(ex)
    if prior_m is not None:
        pm = plan_metric(plan(sizes, prior_m), sizes)
        seen |= exact_cells(pm, sizes, flagged)
    for g in derivable_groups(teams, seen):
        n = size(g, sizes)
        k = size(g, flagged)
        assert n == 0 or n >= min(m, prior_m or m)
        if n:
            assert min(k, n - k) >= 2, (sizes, flagged, m, seen, g)


@FAST
@given(orgs(), thresholds, st.data())
def test_metric_with_skips_safe(org, m, data):
    sizes, _ = org
    answers = {t: data.draw(st.integers(0, n)) for t, n in sizes.items()}
    base = plan(sizes, m)
    mp = plan_metric(base, answers)
    assert mp.cells <= base.cells
    for g in derivable_groups(sorted(sizes), mp.cells):
        n = size(g, answers)
        assert n == 0 or n >= m


@FAST
@given(orgs(max_teams=6), st.lists(thresholds, min_size=2, max_size=3), st.data(),
       st.booleans())
def test_reposts_with_skips_and_markers(org, ms, data, keep_marks):
    """Several posts of one round (changing thresholds), a question some people
    skipped, with or without per-metric markers: nothing small or homogeneous
    ever becomes derivable from everything shown so far."""
    sizes, _ = org
    answers = {t: data.draw(st.integers(0, n)) for t, n in sizes.items()}
    flagged = {t: data.draw(st.integers(0, n)) for t, n in answers.items()}
    teams = sorted(sizes)
    known: frozenset[str] = frozenset()
    shown_n: set[str] = set()
    shown_k: set[str] = set()
    for m in ms:
        pub = plan(sizes, m, prior=known)
        earlier = privacy.metric_prior(known, "q")
        if earlier is None and not known:
            earlier = (frozenset(), frozenset())
        mp = plan_metric(pub, answers, None if earlier is None else earlier[0])
        ex = exact_cells(mp, answers, flagged, None if earlier is None else earlier[1])
        assert ex <= mp.cells <= pub.cells
        before = nonempty(derivable_groups(teams, shown_n), answers)
        shown_n |= mp.cells
        shown_k |= ex
        for g in nonempty(derivable_groups(teams, shown_n), answers) - before:
            assert size(g, answers) == 0 or size(g, answers) >= m
        for g in derivable_groups(teams, shown_k):
            n, k = size(g, answers), size(g, flagged)
            assert n == 0 or min(k, n - k) >= 2
        known = pub.known | (privacy.metric_marks("q", mp.cells, ex) if keep_marks else frozenset())


def test_metric_marks_roundtrip():
    marks = privacy.metric_marks("burnout", {TOTAL, "A"}, {"A"})
    assert privacy.metric_prior(marks, "burnout") == ({TOTAL, "A"}, {"A"})
    assert privacy.metric_prior(marks, "burn") is None
    empty = privacy.metric_marks("support", set(), set())
    assert privacy.metric_prior(empty, "support") == (frozenset(), frozenset())
    # Markers never count as team cells.
    assert plan({"A": 10}, 5, prior=marks).cells == {TOTAL, "A"}
