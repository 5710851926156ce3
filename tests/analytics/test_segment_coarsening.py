"""The at-rest coarsening planner (analytics.segments.coarsen)."""

from __future__ import annotations

from collections import Counter

from hypothesis import example, given, settings
from hypothesis import strategies as st

from analytics.segments import HALVES, ROLES, TENURES, coarsen, stored_sizes

roles = st.sampled_from([*ROLES, None])
tenures = st.sampled_from([*TENURES, None])


def _counts(ballots):
    return Counter(ballots)


def test_big_cells_are_kept_whole():
    counts = {("A", "licensed", "gt5"): 6, ("A", "peer", "lt1"): 5}
    plan = coarsen(counts, 5)
    assert plan == {c: c for c in counts}


def test_only_peer_on_team_loses_role():
    # The only peer specialist on team A: their role must not be stored.
    counts = {("A", "licensed", "gt5"): 7, ("A", "peer", "gt5"): 1, ("A", "licensed", None): 3}
    plan = coarsen(counts, 5)
    assert plan[("A", "peer", "gt5")][1] is None
    assert all(v >= 5 for v in stored_sizes(counts, plan).values())


def test_tenure_halved_before_anything_is_dropped():
    # Three licensed clinicians per tenure band: "under 2 years" / "2 or more" reach k.
    counts = {("A", "licensed", t): 3 for t in TENURES}
    plan = coarsen(counts, 5)
    assert set(plan.values()) == {("A", "licensed", "lt2"), ("A", "licensed", "ge2")}


def test_tenure_dropped_before_role_when_that_keeps_more():
    counts = {("A", "licensed", "lt1"): 2, ("A", "licensed", "gt5"): 3}
    plan = coarsen(counts, 5)
    assert set(plan.values()) == {("A", "licensed", None)}


def test_role_dropped_before_tenure_when_that_keeps_more():
    counts = {("A", r, "lt1"): 2 for r in ROLES}
    plan = coarsen(counts, 5)
    assert set(plan.values()) == {("A", None, "lt1")}


def test_bare_pool_under_k_takes_the_smallest_combination():
    counts = {("A", "licensed", "gt5"): 5, ("A", "peer", "lt1"): 6, ("A", None, None): 2}
    sizes = stored_sizes(counts, coarsen(counts, 5))
    assert sizes[("A", None, None)] >= 5
    assert ("A", "licensed", "gt5") not in sizes  # the smaller one was folded in
    assert sizes[("A", "peer", "lt1")] == 6


ballots = st.lists(st.tuples(st.sampled_from("ABC"), roles, tenures), min_size=0, max_size=80)


@settings(max_examples=300, deadline=None)
@given(ballots, st.integers(min_value=3, max_value=8))
def test_every_stored_combination_reaches_k(bs, k):
    counts = _counts(bs)
    # Teams reach k before this runs (merge_small_teams); keep only those.
    teams = Counter(b[0] for b in bs)
    counts = {c: n for c, n in counts.items() if teams[c[0]] >= k}
    plan = coarsen(counts, k)
    sizes = stored_sizes(counts, plan)
    assert all(n >= k for n in sizes.values())
    assert sum(sizes.values()) == sum(counts.values())
    for orig, stored in plan.items():
        assert stored[0] == orig[0]  # the team is never changed here
        # an attribute is kept or dropped, never changed into another value
        assert stored[1] in (orig[1], None)
        assert stored[2] in (orig[2], HALVES.get(orig[2]), None)


# Found by CI: two plans scored 0.8-weighted floats, whose sums differed in
# the last bit with the order they were added in, so the tie went either way.
_FLOAT_TIE = [("C", "licensed", "1to2")] * 3 + [("C", "associate", "2to5")] * 2 + [
    ("C", "associate", "gt5"), ("C", "peer", "gt5"), ("C", "licensed", "2to5"),
    ("C", "licensed", "2to5"), ("C", "associate", "lt1"), ("C", "associate", "lt1"),
    ("C", "associate", "1to2")] + [("C", "associate", "2to5")] * 3 + [
    ("C", "associate", None), ("C", "case_manager", "lt1"), ("C", "case_manager", "lt1"),
    ("C", "case_manager", "1to2"), ("C", "case_manager", "1to2"), ("C", "peer", "2to5")]


@settings(max_examples=100, deadline=None)
@given(ballots)
@example(_FLOAT_TIE)
def test_deterministic_and_order_free(bs):
    counts = {c: n for c, n in _counts(bs).items()}
    teams = Counter(b[0] for b in bs)
    counts = {c: n for c, n in counts.items() if teams[c[0]] >= 5}
    assert coarsen(counts, 5) == coarsen(dict(reversed(list(counts.items()))), 5)
