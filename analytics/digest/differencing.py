"""Cross-round differencing: what a round may not publish because an earlier
round's figures were published for almost the same people. Pure.

If one person leaves a team between two rounds and the team's figure is
published in both, subtracting one from the other gives that person's answer
(exactly, when the others answer as before). So, for every group a reader can
work out (a team, the organisation, and the organisation minus the teams
shown), a round publishes nothing for it when, since an earlier round in which
that group was published, fewer than k people (but at least one) joined or
left it. "Joined or left" is the sum of ``RoundInfo.changed`` over the rounds
in between: an upper bound of the real difference, so a sum under k proves the
difference is under k. A ``None`` (unknown: before membership was tracked, or
a team that just appeared) ends the look back. The merged "(other teams)"
label is never published as a team: its make-up changes from round to round.

"Published in round i" is judged by the within-round rules alone (without
this module's own withholding), which can only over-count publications, so
the rule errs towards withholding; and it keeps every round's decision
independent of how far back the caller's history reaches, beyond
``LOOKBACK`` rounds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from analytics import privacy
from analytics.digest.model import RoundInfo

LOOKBACK = 11  # earlier rounds a decision looks at (with the round, the trend's 12)
MERGED_LABEL = "(other teams)"  # storage.ballot_box.MERGED_LABEL: no label below k at rest


@dataclass(frozen=True)
class Blocks:
    """What one round may not publish across rounds."""

    teams: frozenset[str] = frozenset()
    total: bool = False

    def cells(self) -> frozenset[str]:
        return self.teams | ({privacy.TOTAL} if self.total else frozenset())


def _drift(rounds: Sequence[RoundInfo], team: str | None, upto: int, since: int) -> int | None:
    """People who joined or left ``team`` (None: the organisation) between
    ``rounds[since]`` and ``rounds[upto]`` (newest first, so upto < since)."""
    total = 0
    for j in range(upto, since):
        r = rounds[j]
        if team is None:
            vals = list(r.changed.values()) or [None]
            # a team gone from the audience took its people with it
            gone = rounds[j + 1].invited if j + 1 < len(rounds) else {}
            total += sum(int(n) for t, n in gone.items() if t not in r.invited)
        else:
            vals = [r.changed.get(team)]
        if any(v is None for v in vals):
            return None
        total += sum(int(v) for v in vals)  # type: ignore[arg-type]
    return total


def _small(d: int | None, k: int) -> bool:
    return d is not None and 0 < d < k


def blocks(rounds: Sequence[RoundInfo], at: int, min_n: int) -> Blocks:
    """What ``rounds[at]`` may not publish; ``rounds`` newest first."""
    cur = rounds[at]
    earlier = range(at + 1, min(len(rounds), at + 1 + LOOKBACK))
    plans = {i: privacy.plan(_sizes(rounds[i]), min_n) for i in earlier}
    teams = set(t for t in _sizes(cur) if t == MERGED_LABEL)
    for team in _sizes(cur):
        for i in earlier:
            d = _drift(rounds, team, at, i)
            if d is None:
                break
            if team in plans[i].cells and _small(d, min_n):
                teams.add(team)
                break
    total = False
    for i in earlier:
        d = _drift(rounds, None, at, i)
        if d is None:
            break
        if plans[i].total_published and _small(d, min_n):
            total = True
            break
    if not total:
        extra = _residual_company(rounds, at, earlier, plans, teams, min_n)
        total = _residual_small(rounds, at, earlier, plans, teams | extra, min_n)
        teams |= set() if total else extra
    return Blocks(frozenset(teams), total)


def _sizes(r: RoundInfo) -> dict[str, int]:
    return {t: int(n) for t, n in {**{t: 0 for t in r.invited}, **r.respondents}.items()}


def _residual_drift(
    rounds: Sequence[RoundInfo], at: int, since: int, residual: set[str],
) -> int | None:
    total = 0
    for t in residual:
        d = _drift(rounds, t, at, since)
        if d is None:
            return None
        total += d
    return total


def _residual_small(
    rounds: Sequence[RoundInfo], at: int, earlier: range,
    plans: Mapping[int, privacy.Publication], teams: set[str], min_n: int,
) -> bool:
    """With the total shown, the withheld teams together are derivable by
    subtraction: they must not have changed by 1..k-1 either."""
    if not teams:
        return False
    for i in earlier:
        d = _residual_drift(rounds, at, i, teams)
        if d is None:
            return False
        if plans[i].total_published and _small(d, min_n):
            return True
    return False


def _residual_company(
    rounds: Sequence[RoundInfo], at: int, earlier: range,
    plans: Mapping[int, privacy.Publication], teams: set[str], min_n: int,
) -> set[str]:
    """Teams to withhold with the blocked ones so that the group left over by
    subtraction changed by at least k (the most-changed teams first)."""
    if not teams or not earlier:
        return set()
    prev = earlier[0]
    others = sorted((t for t in _sizes(rounds[at]) if t not in teams),
                    key=lambda t: (-(_drift(rounds, t, at, prev) or 0), t))
    extra: set[str] = set()
    for t in others:
        if not _residual_small(rounds, at, earlier, plans, teams | extra, min_n):
            break
        if (_drift(rounds, t, at, prev) or 0) == 0:
            break  # unchanged teams can't help
        extra.add(t)
    return extra
