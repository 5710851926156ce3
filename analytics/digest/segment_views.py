"""Measures by role, by tenure, and the retention headline. Pure.

Each dimension is planned like the teams are (``RoundView``: thresholds,
complementary suppression, bands), with the "not stated" answers as a cell
that is never shown but counts in the total, so no category can be worked
out by subtraction. Then the dimensions are checked *together* with the
teams shown: ``overlap.exposure`` looks for any small group a reader could
add and subtract their way to (team and role side by side, team x role), and
withholds the smallest category involved until there is none; and no group
the exact figures pin down together (teams, every dimension) may be
near-homogeneous either (``_homogeneous_bands``), else a category's figure is
withheld for that measure.

Only the current round is shown by segment: who belongs to a role or tenure
band is self-reported, so candor can't tell who joined or left one between
rounds, and cross-round comparisons by segment are not offered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from analytics import overlap, privacy
from analytics.digest.history import RoundView, publishable
from analytics.digest.model import MetricCell, QuestionInfo, RoundInfo
from analytics.segments import EARLY_TENURES, ROLES, TENURES

NOT_STATED = "(not stated)"
EARLY, LATER = "under_2", "2_plus"
DEFAULT_LABELS = {
    "role": {"licensed": "Licensed clinician", "associate": "Pre-licensed associate",
             "case_manager": "Case manager", "peer": "Peer specialist", "other": "Other role"},
    "tenure": {"lt1": "Under 1 year", "1to2": "1–2 years", "2to5": "2–5 years",
               "gt5": "More than 5 years"},
    "retention": {EARLY: "Under 2 years", LATER: "2 years or more"},
}
TITLES = {"role": "By role", "tenure": "By time in the organisation",
          "retention": "Retention: staff under 2 years vs the rest"}
RETENTION_KEYS = ("burnout", "intent_to_leave", "intent_to_stay")
NESTED = ("withheld: with the other figures shown, it would tell that a group answered "
          "almost all alike")
MOVED = ("withheld: the number answering changed by fewer than {k} since an earlier round, "
         "so comparing rounds could reveal someone's answers")
COVERS = "withheld: with the other figures shown, it would give away a figure the digest withholds"

# (round_id, team, role, tenure, question_key, value, n)
SegmentRow = tuple[int, str, str | None, str | None, str, int, int]
Atom = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class SegmentCell:
    key: str
    label: str
    respondents: int | None  # None: withheld
    cells: tuple[tuple[str, MetricCell | None], ...] = ()
    reason: str | None = None  # why the whole category is withheld

    def cell(self, qkey: str) -> MetricCell | None:
        return dict(self.cells).get(qkey)


@dataclass(frozen=True)
class SegmentView:
    dim: str
    title: str
    rows: tuple[SegmentCell, ...]
    questions: tuple[str, ...]  # measure keys, in column order

    @property
    def shown(self) -> tuple[SegmentCell, ...]:
        return tuple(r for r in self.rows if r.respondents is not None)

    def lines(self, labels: Mapping[str, str]) -> list[str]:
        out = [f"{self.title}:"]
        for r in self.rows:
            if r.respondents is None:
                out.append(f"  {r.label}: {r.reason}")
                continue
            figs = "; ".join(f"{labels.get(q, q)} {c.rate_text() if c else '—'}"
                             for q, c in r.cells)
            out.append(f"  {r.label} (n={r.respondents}): {figs}")
        return out


@dataclass(frozen=True)
class SegmentViews:
    views: tuple[SegmentView, ...] = ()
    blocked: bool = False  # withheld this round (cross-round differencing)

    def view(self, dim: str) -> SegmentView | None:
        return next((v for v in self.views if v.dim == dim), None)

    def lines(self, labels: Mapping[str, str]) -> list[str]:
        if self.blocked:
            return ["", "Role and tenure views are withheld this round: too few people joined "
                        "or left since some figures were last shown to compare safely."]
        out: list[str] = []
        for v in self.views:
            out += ["", *v.lines(labels)]
        return out


def _category(dim: str, atom: Atom) -> str:
    _, role, tenure = atom
    if dim == "role":
        return role or NOT_STATED
    if dim == "tenure":  # a band halved at rest counts as not stated here
        return tenure if tenure in TENURES else NOT_STATED
    if tenure is None:
        return NOT_STATED
    return EARLY if tenure in EARLY_TENURES or tenure == "lt2" else LATER


def _keys(dim: str) -> tuple[str, ...]:
    return {"role": ROLES, "tenure": TENURES, "retention": (EARLY, LATER)}[dim]


class _Round:
    """One round's segment histogram, by atom."""

    def __init__(self, rows: Iterable[SegmentRow], round_id: int):
        self.hist: dict[str, dict[Atom, dict[int, int]]] = {}
        for rid, team, role, tenure, qkey, value, n in rows:
            if rid != round_id or not n or n <= 0:
                continue
            h = self.hist.setdefault(qkey, {}).setdefault((team, role, tenure), {})
            h[int(value)] = h.get(int(value), 0) + int(n)
        self.sizes: Counter = Counter()
        for per_atom in self.hist.values():
            for atom, h in per_atom.items():
                self.sizes[atom] = max(self.sizes[atom], sum(h.values()))

    def answers(self, qkey: str) -> dict[Atom, int]:
        return {a: sum(h.values()) for a, h in self.hist.get(qkey, {}).items()}


def _moved(dim: str, rnd: _Round, earlier: Sequence[_Round], min_n: int) -> set[str]:
    """Categories whose answer count differs from an earlier round's by 1 to
    k-1, where that round's count could have been shown. A person who is
    known to have moved between categories (a work anniversary, a licence)
    would otherwise be one of the difference, and subtracting the two
    rounds' figures would give their answer. Like the teams' rule, an earlier
    round counts as shown whenever its count reached k (errs towards
    withholding); unlike teams, membership is self-reported, so the count is
    all there is to compare, and a swap (one in, one out) is not caught
    (docs/privacy.md)."""
    def counts(r: _Round) -> Counter:
        out: Counter = Counter()
        for atom, n in r.sizes.items():
            out[_category(dim, atom)] += n
        return out

    now = counts(rnd)
    moved = set()
    for before in map(counts, earlier):
        moved |= {c for c, n in before.items()
                  if n >= min_n and 0 < abs(now.get(c, 0) - n) < min_n}
    return moved


def _plan_dim(dim: str, rnd: _Round, qs: Sequence[QuestionInfo], min_n: int,
              shown: list[frozenset], moved: set[str] = frozenset()
              ) -> tuple[RoundView, dict[str, frozenset]]:
    """The dimension's RoundView, after withholding categories until no small
    group can be derived together with the groups already ``shown``
    (``moved``: withheld across rounds, see ``_moved``)."""
    members: dict[str, set] = {}
    for atom in rnd.sizes:
        members.setdefault(_category(dim, atom), set()).add(atom)
    groups = {c: frozenset(m) for c, m in members.items()}
    resp = {c: sum(rnd.sizes[a] for a in m) for c, m in groups.items()}
    hists: dict[str, dict[str, dict[int, int]]] = {}
    for qkey, per_atom in rnd.hist.items():
        for atom, h in per_atom.items():
            dst = hists.setdefault(qkey, {}).setdefault(_category(dim, atom), {})
            for v, n in h.items():
                dst[v] = dst.get(v, 0) + n
    info = RoundInfo(0, 0, date.min, date.min, {}, resp)
    blocked = {NOT_STATED, *moved}
    size_sets = [dict(rnd.sizes)] + [rnd.answers(q.key) for q in qs]
    while True:
        view = RoundView(info, hists, qs, min_n, frozenset(), frozenset(blocked))
        mine = [groups[c] for c in view.pub.teams]
        bad = next((e for sz in size_sets
                    if (e := overlap.exposure(shown + mine, sz, min_n)) is not None), None)
        if bad is None:
            return view, groups
        left = sorted(view.pub.teams, key=lambda c: (resp[c], c))
        if not left:
            return view, groups  # nothing of this dimension is shown
        atoms = sorted(rnd.sizes, key=repr)
        # the smallest category without which the small group isn't derivable
        blocked.add(next((c for c in left if not overlap.derivable(
            bad, shown + [groups[x] for x in left if x != c], atoms)), left[0]))


def _homogeneous_bands(view: RoundView, groups: Mapping[str, frozenset], q: QuestionInfo,
                       rnd: _Round, exact_shown: Sequence[frozenset],
                       protected: Sequence[frozenset] = ()) -> dict[str, str]:
    """Categories whose exact figure for ``q`` must be withheld, with why:
    together with the exact figures already shown (teams, other dimensions)
    they would pin down a near-homogeneous group, so everyone in it would be
    known to have answered alike; or the exact figure of a ``protected``
    group, one whose own figure for ``q`` the digest withholds or bands (a
    team kept back so another can't be worked out by subtraction: a role
    made of exactly that team's people would otherwise publish it). The
    smallest category whose removal undoes the derivation goes first."""
    flagged = {a: sum(n for v, n in h.items() if q.scale.is_flagged(v))
               for a, h in rnd.hist.get(q.key, {}).items()}
    answers = rnd.answers(q.key)
    atoms = sorted((a for a, n in answers.items() if n > 0), key=repr)
    mine = {c: groups[c] for c in view.pub.teams
            if (cell := view.cell(q.key, c)) is not None and cell.usable}
    answered = set(atoms)
    kept = [p & answered for p in protected if p & answered]
    banded: dict[str, str] = {}

    def homogeneous(s: frozenset) -> bool:
        n = sum(answers.get(a, 0) for a in s)
        return n > 0 and privacy.near_homogeneous(sum(flagged.get(a, 0) for a in s), n)

    def culprit() -> tuple[frozenset, str] | None:
        shown = [*exact_shown, *(g for c, g in mine.items() if c not in banded)]
        for p in kept:
            if overlap.derivable(p, shown, atoms) and not overlap.derivable(p, exact_shown, atoms):
                return p, COVERS
        return next(((s, NESTED) for s in overlap.all_derivable(shown, atoms) if homogeneous(s)
                     and not overlap.derivable(s, exact_shown, atoms)), None)

    while (found := culprit()) is not None:
        s, why = found
        left = sorted(set(mine) - set(banded), key=lambda c: (len(mine[c]), c))
        for c in left:
            rest = [*exact_shown, *(mine[x] for x in left if x != c)]
            if not overlap.derivable(s, rest, atoms):
                banded[c] = why
                break
        else:
            banded.update((c, why) for c in left)
    return banded


def _segment_view(dim: str, view: RoundView, groups, qs, rnd, exact_shown, labels,
                  protected, moved=frozenset()) -> SegmentView:
    nested = {q.key: _homogeneous_bands(view, groups, q, rnd, exact_shown.get(q.key, []),
                                        protected.get(q.key, []))
              for q in qs}
    rows = []
    for key in _keys(dim):
        label = labels.get(key) or DEFAULT_LABELS[dim][key]
        if key not in view.pub.cells:
            reason = view.pub.hidden.get(key, privacy.TOO_FEW)
            text = (MOVED.format(k=view.pub.min_n) if key in moved and reason == privacy.DIFFERENCING
                    else privacy.reason_text(reason, view.pub.min_n))
            rows.append(SegmentCell(key, label, None, reason=text))
            continue
        cells = tuple((q.key, MetricCell(n=c.n, band=nested[q.key][key])
                       if key in nested[q.key] and c else c) for q in qs
                      for c in [publishable(view.cell(q.key, key))])
        rows.append(SegmentCell(key, label, view.respondents[key], cells))
    return SegmentView(dim, TITLES[dim], tuple(rows), tuple(q.key for q in qs))


def segment_views(
    rows: Iterable[SegmentRow], round_id: int, questions: Sequence[QuestionInfo],
    min_n: int, teams_shown: Iterable[str], total_shown: bool = True,
    role_labels: Mapping[str, str] | None = None,
    exact_cells: Mapping[str, Iterable[str]] | None = None,
    earlier_rounds: Sequence[int] = (),
) -> SegmentViews:
    """The role, tenure and retention views of one round. ``teams_shown``:
    the teams the digest shows (their groups count as published).
    ``exact_cells``: per measure, the teams (``privacy.TOTAL`` for the
    organisation) whose figure the digest shows exactly; every other team's
    figure for that measure is one the segments must not give away. Without
    it, every shown team's figure counts as exact (the caller vouches).
    ``earlier_rounds``: the rounds before, whose rows ``rows`` also holds,
    compared against to withhold what subtracting rounds would expose."""
    by_round: dict[int, list[SegmentRow]] = {}
    for row in rows:  # one pass, not one per round compared
        by_round.setdefault(row[0], []).append(row)
    rnd = _Round(by_round.get(round_id, ()), round_id)
    earlier = [_Round(by_round.get(rid, ()), rid) for rid in earlier_rounds]
    if not any(a[1] or a[2] for a in rnd.sizes):
        return SegmentViews()
    everyone = frozenset(rnd.sizes)
    team_set = set(teams_shown)
    team_groups = {t: frozenset(a for a in everyone if a[0] == t)
                   for t in sorted({a[0] for a in everyone})}
    shown = [team_groups[t] for t in sorted(team_set) if t in team_groups]
    shown += [everyone] if total_shown else []
    qs = [q for q in questions if rnd.answers(q.key)]
    exact, protected = _exact_and_protected(qs, team_groups, everyone, team_set, total_shown,
                                            exact_cells)
    views = []
    for dim in ("role", "tenure", "retention"):
        dqs = qs if dim != "retention" else [q for q in qs if q.key in RETENTION_KEYS]
        if not dqs or not any(_category(dim, a) != NOT_STATED for a in rnd.sizes):
            continue
        moved = _moved(dim, rnd, earlier, min_n)
        view, groups = _plan_dim(dim, rnd, dqs, min_n, shown, moved)
        labels = (role_labels or {}) if dim == "role" else {}
        out = _segment_view(dim, view, groups, dqs, rnd, exact, labels, protected, moved)
        views.append(out)
        shown += [groups[c] for c in view.pub.teams]
        row = {r.key: r for r in out.rows}
        for q in dqs:
            for c, g in groups.items():
                cell = row[c].cell(q.key) if c in row else None
                (exact if cell is not None and cell.exact else protected)[q.key].append(g)
    return SegmentViews(tuple(views))


def _exact_and_protected(qs, team_groups, everyone, team_set, total_shown, exact_cells):
    """Per measure: the groups whose exact figure is published, and those
    whose figure is withheld or banded (which must stay so)."""
    exact: dict[str, list[frozenset]] = {}
    protected: dict[str, list[frozenset]] = {}
    for q in qs:
        named = team_set if exact_cells is None else set(exact_cells.get(q.key, ()))
        exact[q.key] = [g for t, g in team_groups.items() if t in named]
        protected[q.key] = [g for t, g in team_groups.items() if t not in named]
        whole = total_shown if exact_cells is None else privacy.TOTAL in named
        (exact if whole else protected)[q.key].append(everyone)
    return exact, protected
