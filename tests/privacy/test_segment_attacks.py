"""Role and tenure under attack, with ground truth known (issue 14).

A clinic of 120 with known teams, roles, tenure and answers casts sealed
ballots; the round closes through the real ballot box on SQLite and on
PostgreSQL (TEST_DATABASE_URL). Then:

* **At rest.** The attacker reads the responses table and knows everyone's
  team, role and tenure and the (public, deterministic) coarsening rule, so
  they can tell exactly which stored group each person went to: the worst
  case. Every person must still hide among at least k ballots, the only
  peer specialist of a team included.
* **Differencing.** The digest is built from what the database holds. The
  attacker takes every published group (teams, total, roles, tenure bands,
  the retention split) with its respondent count and, where a rate is exact,
  its count of flagged answers, and adds and subtracts them (linear algebra
  over *people*, independent of the production check, which works over
  stored groups). No single person, pair, team x role / team x tenure /
  role x tenure / team x retention intersection or difference of two
  groups may come out with 1..k-1 people; and no group the exact figures
  pin down may be near-homogeneous. Where a group is derivable, the
  attacker's figure is checked against the ground truth, so the attack is
  real.
* A round closed at k=3 and reported at k=5 (an admin raised k) is the case
  the overlap check exists for: shown team by team and role by role alone,
  "team-alpha minus its peer specialists" would be three people. The attack
  finds that leak in the naive publication, and not in the digest.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import date, datetime

import numpy as np
import pytest

from analytics import privacy
from analytics.digest import QuestionInfo, RoundInfo, Thresholds, build_digest
from analytics.segments import EARLY_TENURES, coarsen
from storage.ballot_box import Ballot, BallotBox, merge_small_teams, team_counts, value_counts
from storage.keys import Keyring
from storage.models import Round
from storage.segments import segment_counts, stored_combinations
from tests.privacy.attack_kit import report

K = 5
SECRET = "segment-attack-master-secret-0123456789abcdef"
OPENED = datetime(2026, 11, 2, 9, 0, 0)
QS = [QuestionInfo("burnout", "Burnout", "burnout5"),
      QuestionInfo("intent_to_leave", "Likely to leave", "leave5")]


def clinic(seed: int = 14) -> list[dict]:
    """120 people; each team has exactly one peer specialist, some skip the
    questions; answers depend on role and tenure, so a leak would show."""
    rng = random.Random(seed)
    sizes = {"alpha": 40, "beta": 30, "gamma": 30, "delta": 20}
    people = []
    for team, n in sizes.items():
        for i in range(n):
            role = "peer" if i == 0 else rng.choice(
                ["licensed"] * 5 + ["associate"] * 2 + ["case_manager"] * 2 + ["other"])
            tenure = rng.choice(["lt1", "1to2", "2to5", "gt5"])
            if rng.random() < 0.1:
                role = None
            if rng.random() < 0.1:
                tenure = None
            early = tenure in EARLY_TENURES
            burnout = min(5, max(1, int(rng.gauss(3.4 if early else 2.6, 1))))
            leave = min(5, max(1, int(rng.gauss(3.5 if early else 2.2, 1))))
            people.append({"team": team, "role": role, "tenure": tenure,
                           "a": {"burnout": burnout, "intent_to_leave": leave}})
    return people


def cast_and_close(db, people, k_close: int) -> int:
    box = BallotBox(Keyring(SECRET), k=k_close)
    with db.session() as s:
        r = Round(team_id="T1", number=1, status="open", opened_at=OPENED,
                  closes_at=datetime(2026, 11, 5), question_keys=[q.key for q in QS],
                  invited=len(people), published=[])
        s.add(r)
        s.flush()
        rid = r.id
    for p in people:
        with db.session() as s:
            rnd = s.get(Round, rid)
            t = box.read_ticket(box.issue_ticket(rnd, p["team"]))
            box.cast(s, t, Ballot(t.team_label, p["a"], None, p["role"], p["tenure"]))
    with db.session() as s:
        rnd = s.get(Round, rid)
        rnd.status = "closed"
        box.close(s, rnd, k_close)
    return rid


def attacker_plan(people, k: int) -> list[tuple]:
    """Where each person's ballot went, recomputed from public rules and full
    knowledge of everyone's attributes: the strongest at-rest attacker."""
    label = merge_small_teams(Counter(p["team"] for p in people), k)
    combos = [(label[p["team"]], p["role"], p["tenure"]) for p in people]
    plan = coarsen(Counter(combos), k)
    return [plan[c] for c in combos]


# -- at rest -------------------------------------------------------------------------


def test_at_rest_no_one_hides_among_fewer_than_k(db):
    people = clinic()
    rid = cast_and_close(db, people, K)
    with db.session() as s:
        stored = stored_combinations(s, rid)
    by_q: dict[str, Counter] = {}
    for team, role, tenure, q, n in stored:
        by_q.setdefault(q, Counter())[(team, role, tenure)] += n
    for q, groups in by_q.items():
        assert all(n >= K for n in groups.values()), (q, groups)
    where = attacker_plan(people, K)
    assert Counter(where) == by_q["burnout"]  # the attacker's reconstruction is exact
    sets = Counter(where)
    anonymity = [sets[w] for w in where]
    peers = [i for i, p in enumerate(people) if p["role"] == "peer"]
    assert min(anonymity) >= K
    assert all(where[i][1] != "peer" for i in peers)  # the lone peer specialists
    unique = [i for i, p in enumerate(people)
              if sum(1 for q in people if (q["team"], q["role"], q["tenure"])
                     == (p["team"], p["role"], p["tenure"])) == 1]
    kept_role = sum(w[1] is not None for w in where) / len(where)
    report("at-rest role/tenure", min(anonymity) / K, 1.0, 1.0,
           f"people unique on (team, role, tenure)={len(unique)} min anonymity set="
           f"{min(anonymity)} (k={K}) role kept for {kept_role:.0%}")


# -- differencing ---------------------------------------------------------------------


def digest_from_db(db, rid: int, k: int):
    with db.session() as s:
        tcs = team_counts(s, [rid])[rid]
        counts = value_counts(s, "T1", [rid])
        segs = segment_counts(s, "T1", [rid])
    info = RoundInfo(rid, 1, date(2026, 11, 2), date(2026, 11, 5),
                     invited={t.team_label: t.invited for t in tcs},
                     respondents={t.team_label: t.ballots for t in tcs})
    return build_digest(info, [], counts, {}, QS, Thresholds(k, max(k, 10)),
                        rng=0, segment_counts=segs)


def _member(dim: str, key: str, w: tuple) -> bool:
    team, role, tenure = w
    if dim == "team":
        return team == key
    if dim == "role":
        return role == key
    if dim == "tenure":
        return tenure == key
    early = tenure in EARLY_TENURES or tenure == "lt2"
    return tenure is not None and early == (key == "under_2")


def published_groups(d, where, qkey="burnout"):
    """(name, members, n, flagged or None) for every group the digest shows."""
    everyone = frozenset(range(len(where)))
    out = []

    def add(name, members, cell, n):
        flagged = None if cell is None or cell.rate is None else round(cell.rate * cell.n)
        out.append((name, members, n, flagged))

    if d.response.respondents is not None:
        add("total", everyone, d.metric(qkey).org, d.response.respondents)
    for row in d.teams:
        members = frozenset(i for i, w in enumerate(where) if _member("team", row.team, w))
        add(f"team {row.team}", members, row.cell(qkey), row.respondents)
    for v in d.segments.views:
        for r in v.shown:
            members = frozenset(i for i, w in enumerate(where) if _member(v.dim, r.key, w))
            add(f"{v.dim} {r.key}", members, r.cell(qkey), r.respondents)
    return out


def _projector(groups, n_people):
    if not groups:
        return np.zeros((n_people, n_people)), None
    m = np.array([[1.0 if i in g else 0.0 for i in range(n_people)] for g in groups])
    return np.linalg.pinv(m) @ m, np.linalg.pinv(m)


def candidate_sets(where, groups):
    """Single people, pairs inside one stored group, and every intersection and
    difference of two dimensions' cells (team x role, team x tenure, ...)."""
    n = len(where)
    cands = [frozenset([i]) for i in range(n)]
    cands += [frozenset(p) for p in itertools.combinations(range(n), 2)
              if where[p[0]] == where[p[1]]][:2000]
    cells = [g for _, g, _, _ in groups]
    for a, b in itertools.combinations(cells, 2):
        cands += [a & b, a - b, b - a]
    dims = {"team": {w[0] for w in where}, "role": {w[1] for w in where if w[1]},
            "tenure": {w[2] for w in where if w[2]}, "retention": {"under_2", "2_plus"}}
    for d1, d2 in itertools.combinations(dims, 2):
        for k1, k2 in itertools.product(dims[d1], dims[d2]):
            cands.append(frozenset(i for i, w in enumerate(where)
                                   if _member(d1, k1, w) and _member(d2, k2, w)))
    return [c for c in set(cands) if c]


def attack(d, where, truth_flag, k, qkey="burnout"):
    """Every derivable small group and every near-homogeneous group pinned
    down by exact figures; returns (leaks, derivable groups checked)."""
    n_people = len(where)
    groups = published_groups(d, where, qkey)
    sizes_proj, _ = _projector([g for _, g, _, _ in groups], n_people)
    exact = [(g, f) for _, g, _, f in groups if f is not None]
    ex_proj, ex_pinv = _projector([g for g, _ in exact], n_people)
    flagged_vec = np.array([f for _, f in exact], dtype=float)
    leaks, derivable = [], 0
    for s in candidate_sets(where, groups):
        v = np.zeros(n_people)
        v[list(s)] = 1.0
        if np.allclose(sizes_proj @ v, v, atol=1e-7):
            derivable += 1
            if len(s) < k:
                leaks.append(("small", sorted(s)))
        if exact and np.allclose(ex_proj @ v, v, atol=1e-7):
            # The attacker's derived count: coefficients on the exact groups.
            coef = np.linalg.lstsq(np.array([[1.0 if i in g else 0.0 for i in range(n_people)]
                                             for g, _ in exact]).T, v, rcond=None)[0]
            got = float(coef @ flagged_vec)
            true_k = sum(truth_flag[i] for i in s)
            assert abs(got - true_k) < 0.01 * max(1, true_k) + 0.5  # the attack is real
            if privacy.near_homogeneous(true_k, len(s)):
                leaks.append(("homogeneous", sorted(s)))
    return leaks, derivable


def _truth_flag(people, qkey="burnout"):
    q = next(q for q in QS if q.key == qkey)
    return [int(q.scale.is_flagged(p["a"][qkey])) for p in people]


def test_digest_views_resist_differencing(db):
    people = clinic()
    rid = cast_and_close(db, people, K)
    d = digest_from_db(db, rid, K)
    dims = {v.dim for v in d.segments.views if v.shown}
    assert {"role", "tenure", "retention"} <= dims, d.plain_text()  # something to attack
    where = attacker_plan(people, K)
    leaks, derivable = attack(d, where, _truth_flag(people), K)
    report("differencing role/tenure/teams", len(leaks), 0, 0,
           f"groups published={len(published_groups(d, where))} derivable sets checked="
           f"{derivable}")
    assert not leaks, leaks[:5]


def _raised_k_clinic() -> list[dict]:
    """Team alpha: 5 peer specialists and 3 licensed; beta and gamma: licensed.
    Every stored group reaches k=3, and no peer works outside alpha."""
    people = []
    for team, roles in (("alpha", ["peer"] * 5 + ["licensed"] * 3),
                        ("beta", ["licensed"] * 6), ("gamma", ["licensed"] * 6)):
        for i, role in enumerate(roles):
            people.append({"team": team, "role": role, "tenure": None,
                           "a": {"burnout": 1 + (i * 2) % 5, "intent_to_leave": 1 + i % 5}})
    return people


def test_raised_k_overlap_is_caught(db):
    people = _raised_k_clinic()
    rid = cast_and_close(db, people, 3)
    d = digest_from_db(db, rid, K)
    where = attacker_plan(people, 3)
    # The naive publication: each dimension planned alone (teams as shown,
    # roles by privacy.plan) shows alpha and the peers side by side.
    roles = Counter(w[1] for w in where)
    naive = privacy.plan({r: n for r, n in roles.items() if r}, K)
    assert "peer" in naive.cells and "alpha" in [r.team for r in d.teams]
    alpha = frozenset(i for i, w in enumerate(where) if w[0] == "alpha")
    peers = frozenset(i for i, w in enumerate(where) if w[1] == "peer")
    assert len(alpha - peers) == 3  # the leak the naive publication allows
    # The digest withholds the peer cell instead.
    role_view = d.segments.view("role")
    peer_row = next(r for r in role_view.rows if r.key == "peer")
    assert peer_row.respondents is None, d.plain_text()
    leaks, _ = attack(d, where, _truth_flag(people), K)
    assert not leaks, leaks[:5]


@pytest.mark.parametrize(("seed", "k_close"), [(1, K), (2, K), (3, 3), (4, 3)])
def test_other_clinics_resist_differencing(db, seed, k_close):
    """Other clinics, both measures; k_close=3: k raised after the close."""
    people = clinic(seed)
    rid = cast_and_close(db, people, k_close)
    d = digest_from_db(db, rid, K)
    for q in QS:
        leaks, _ = attack(d, attacker_plan(people, k_close), _truth_flag(people, q.key), K,
                          q.key)
        assert not leaks, (q.key, leaks[:5])
