"""Role and tenure: the answers, and how they are coarsened at rest. Pure.

Both questions are voluntary: a ballot carries a role key, a tenure key, or
``None`` for either. At close every ballot is stored under a *combination*
(team, role, tenure); no stored combination may hold fewer than k ballots, so
the only peer specialist on a team can't be picked out of the database.

``coarsen`` decides, per (already merged) team, which ballots keep their role
and tenure. A ballot whose combination is too small is coarsened one step at a time: its tenure band
becomes "under 2 years" / "2 years or more", then an attribute is dropped
(stored as ``None``, exactly like "not answered", so a dropped answer and a
skipped one look the same), then the other; and if
the team's "neither" pool is then still under k, the team's smallest stored
combinations are folded into it until it reaches k. Of three orders (tenure
coarsened then dropped before role; tenure halved, role, tenure; role first)
the one that keeps the most wins. Teams reach k on their own (``merge_small_teams``), so the
result always holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

ROLES = ("licensed", "associate", "case_manager", "peer", "other")
TENURES = ("lt1", "1to2", "2to5", "gt5")
# The retention headline compares staff under two years with the rest.
EARLY_TENURES = frozenset({"lt1", "1to2"})
DIMENSIONS = ("role", "tenure")

Combo = tuple[str, str | None, str | None]  # (team, role, tenure)


def clean_role(value: object) -> str | None:
    return value if isinstance(value, str) and value in ROLES else None


def clean_tenure(value: object) -> str | None:
    return value if isinstance(value, str) and value in TENURES else None


# Tenure is coarsened in two steps: its band, then "under 2 years" / "2 years
# or more" (what the retention view needs), then nothing.
HALVES = {"lt1": "lt2", "1to2": "lt2", "2to5": "ge2", "gt5": "ge2"}
STORED_TENURES = (*TENURES, "lt2", "ge2")


def _role_none(c: Combo) -> Combo:
    return (c[0], None, c[2])


def _tenure_half(c: Combo) -> Combo:
    return (c[0], c[1], HALVES.get(c[2], c[2]) if c[2] else None)


def _tenure_none(c: Combo) -> Combo:
    return (c[0], c[1], None)


# The orders tried; the one keeping the most wins (ties: the first).
ORDERS = ((_tenure_half, _tenure_none, _role_none),
          (_tenure_half, _role_none, _tenure_none),
          (_role_none, _tenure_half, _tenure_none))


def _kept(c: Combo) -> int:
    # In fifths of an answer. A halved tenure is worth nearly a full answer:
    # it is what the retention view (under 2 years vs the rest) reads. Whole
    # numbers, so the sum can't depend on the order it is added in (float
    # rounding did: two plans tied or not by the counts' order).
    tenure = 0 if c[2] is None else (5 if c[2] in TENURES else 4)
    return 5 * (c[1] is not None) + tenure


def _retained(plan: Mapping[Combo, Combo], counts: Mapping[Combo, int]) -> int:
    return sum(counts[c] * _kept(plan[c]) for c in counts)


def _sizes(step: Mapping[Combo, Combo], counts: Mapping[Combo, int]) -> Counter:
    stored: Counter = Counter()
    for c, s in step.items():
        stored[s] += counts[c]
    return stored


def _plan_team(team: str, counts: Mapping[Combo, int], k: int, order) -> dict[Combo, Combo]:
    step = {c: c for c in counts}  # original -> stored
    for op in order:
        stored = _sizes(step, counts)
        folded = {s: (op(s) if 0 < n < k else s) for s, n in stored.items()}
        step = {c: folded[s] for c, s in step.items()}
    # The "neither" pool may still be under k: fold the smallest combinations in.
    bare = (team, None, None)
    while True:
        stored = _sizes(step, counts)
        if not 0 < stored.get(bare, 0) < k:
            break
        others = sorted((s for s in stored if s != bare),
                        key=lambda s: (stored[s], str(s[1]), str(s[2])))
        if not others:
            break  # the team itself is under k: the caller never lets that happen
        victim = others[0]
        step = {c: (bare if s == victim else s) for c, s in step.items()}
    return step


def coarsen(counts: Mapping[Combo, int], k: int) -> dict[Combo, Combo]:
    """Original combination -> the combination stored at rest, such that every
    stored combination with ballots holds at least ``k`` of them (given every
    team does). ``counts``: ballots per (team, role, tenure)."""
    counts = {c: int(n) for c, n in counts.items() if n > 0}
    plan: dict[Combo, Combo] = {}
    for team in sorted({c[0] for c in counts}):
        mine = {c: n for c, n in counts.items() if c[0] == team}
        best: dict[Combo, Combo] | None = None
        for order in ORDERS:
            cand = _plan_team(team, mine, k, order)
            if best is None or _retained(cand, mine) > _retained(best, mine):
                best = cand
        plan.update(best or {})
    return plan


def stored_sizes(counts: Mapping[Combo, int], plan: Mapping[Combo, Combo]) -> Counter:
    out: Counter = Counter()
    for c, n in counts.items():
        if n > 0:
            out[plan[c]] += n
    return out
