"""Role, tenure and retention views in the digest and the export."""

from __future__ import annotations

import csv
import io
from datetime import date

from analytics.digest import QuestionInfo, RoundInfo, build_digest
from analytics.digest.segment_views import segment_views
from analytics.export import export_rows, write_csv
from analytics.overlap import derivable_sets, exposure
from analytics.privacy import TOTAL

QS = [QuestionInfo("burnout", "Burnout", "burnout5")]


def _rows(spec):
    """spec: {(team, role, tenure): [burnout values]} -> segment count rows."""
    out = []
    for (team, role, tenure), values in spec.items():
        for v in set(values):
            out.append((1, team, role, tenure, "burnout", v, values.count(v)))
    return out


def test_small_roles_are_withheld_and_big_ones_shown():
    spec = {("a", "licensed", "gt5"): [1, 3, 4, 2, 5, 3],
            ("a", "peer", "lt1"): [3, 3, 1, 2, 4],
            ("b", None, None): [1, 2, 3, 4, 5]}
    sv = segment_views(_rows(spec), 1, QS, 5, ["a", "b"])
    role = sv.view("role")
    shown = {r.key: r.respondents for r in role.rows}
    assert shown["licensed"] == 6 and shown["peer"] == 5
    assert shown["associate"] is None  # nobody: "fewer than 5 responses"
    ret = sv.view("retention")
    assert {r.key: r.respondents for r in ret.rows} == {"under_2": 5, "2_plus": 6}


def test_cross_dimension_homogeneous_group_is_withheld():
    # Peer specialists work only on team a; team a's five licensed clinicians
    # all burned out. Every cell is mixed on its own, but "team a minus its
    # peers" (or "licensed minus team b") would show all five burned out.
    spec = {("a", "licensed", None): [4, 4, 5, 5, 3],
            ("a", "peer", None): [1, 2, 4, 5, 1, 3],
            ("b", "licensed", None): [1, 2, 3, 4, 5, 1]}
    sv = segment_views(_rows(spec), 1, QS, 5, ["a", "b"])
    rows = {r.key: r for r in sv.view("role").rows}
    assert rows["licensed"].respondents == 11 and rows["peer"].respondents == 6
    for key in ("licensed", "peer"):
        cell = rows[key].cell("burnout")
        assert cell.rate is None and "almost all alike" in cell.band, key
    # Without team b's row the licensed figure no longer gives team a away.
    sv = segment_views(_rows(spec), 1, QS, 5, ["a"], total_shown=False)
    rows = {r.key: r for r in sv.view("role").rows}
    assert rows["peer"].cell("burnout").rate is None  # a - peers still derivable
    assert rows["licensed"].cell("burnout").rate is not None



def test_a_role_made_of_one_team_never_publishes_that_teams_withheld_figure():
    # The demo's case: case managers are exactly team a's people. The digest
    # withholds team a's burnout (so team c's near-uniform figure can't be
    # worked out from the total); a "Case manager" row would print it anyway.
    spec = {("a", "case_manager", None): [1, 2, 3, 4, 5, 2, 3, 4, 1, 5],
            ("b", "licensed", None): [1, 2, 3, 4, 5, 1, 2, 3, 4, 5],
            ("c", None, None): [5, 5, 5, 5, 5, 5, 5, 5, 5, 4]}
    shown_exactly = {"burnout": ["b", TOTAL]}
    sv = segment_views(_rows(spec), 1, QS, 5, ["a", "b", "c"], True, None, shown_exactly)
    rows = {r.key: r for r in sv.view("role").rows}
    assert rows["case_manager"].respondents == 10
    cell = rows["case_manager"].cell("burnout")
    assert cell.rate is None and "withholds" in cell.band
    # Told only which teams are shown (every figure exact), it would be shown:
    # the protection comes from the per-measure cells.
    loose = segment_views(_rows(spec), 1, QS, 5, ["a", "b", "c"])
    assert {r.key: r for r in loose.view("role").rows}["case_manager"].cell("burnout").exact

def test_overlap_exposure_finds_a_subtraction():
    atoms = {("a", "peer"): 5, ("a", "lic"): 3, ("b", "lic"): 6}
    team_a = frozenset({("a", "peer"), ("a", "lic")})
    peers = frozenset({("a", "peer")})
    assert exposure([team_a, peers], atoms, 5) == frozenset({("a", "lic")})
    assert exposure([team_a], atoms, 5) is None
    sets = derivable_sets([team_a, peers], sorted(atoms, key=repr))
    assert frozenset({("a", "lic")}) in sets and len(sets) == 3  # a, peers, a - peers


def test_no_views_without_role_or_tenure():
    spec = {("a", None, None): [1, 2, 3, 4, 5]}
    assert segment_views(_rows(spec), 1, QS, 5, ["a"]).views == ()


def test_digest_and_export_carry_the_views():
    spec = {("a", "licensed", "gt5"): [1, 3, 4, 2, 5, 3],
            ("a", "peer", "lt1"): [3, 3, 1, 2, 4]}
    seg = _rows(spec)
    counts = [(1, "a", "burnout", v, n) for _, _, _, _, _, v, n in seg]
    info = RoundInfo(1, 1, date(2026, 1, 5), date(2026, 1, 8), {"a": 12}, {"a": 11})
    d = build_digest(info, [], counts, {}, QS, segment_counts=seg,
                     role_labels={"peer": "Peer support"})
    text = d.plain_text()
    assert "By role:" in text and "Peer support (n=5)" in text
    rows = export_rows(d)
    mine = [r for r in rows if str(r["team"]).startswith("Role: ")]
    assert {r["team"] for r in mine} >= {"Role: Peer support", "Role: Licensed clinician"}
    peer = next(r for r in mine if r["team"] == "Role: Peer support")
    assert peer["respondents"] == 5 and peer["status"] in ("shown", "banded", "withheld")
    hidden = next(r for r in mine if r["team"] == "Role: Case manager")
    assert hidden["respondents"] == "" and hidden["status"] == "withheld"
    fh = io.StringIO()
    write_csv(rows, fh)
    assert any(r["team"] == "Tenure: Under 1 year" for r in csv.DictReader(io.StringIO(
        fh.getvalue())))


def test_a_known_move_between_rounds_withholds_both_categories():
    # Someone's first work anniversary moves them from "Under 1 year" to
    # "1-2 years"; the team is unchanged. Both rounds shown, subtracting them
    # would give that one person's answer (the others answering as before).
    def spec(lt1, one_to_two):
        return {("a", None, "lt1"): lt1, ("a", None, "1to2"): one_to_two,
                ("b", None, "gt5"): [1, 2, 3, 4, 5, 1]}
    first = [(1, *r[1:]) for r in _rows(spec([4, 4, 4, 1, 1, 2, 2], [4, 4, 4, 1, 2]))]
    second = [(2, *r[1:]) for r in _rows(spec([4, 4, 1, 1, 2, 2], [4, 4, 4, 1, 2, 4]))]
    rows = first + second

    alone = segment_views(rows, 2, QS, 5, ["a", "b"])
    cells = {r.key: r for r in alone.view("tenure").rows}
    assert cells["lt1"].respondents == 6 and cells["1to2"].respondents == 6  # the attack's input

    sv = segment_views(rows, 2, QS, 5, ["a", "b"], earlier_rounds=[1])
    cells = {r.key: r for r in sv.view("tenure").rows}
    for key in ("lt1", "1to2"):
        assert cells[key].respondents is None, key
        assert "changed by fewer than 5" in cells[key].reason
    # A category whose count didn't move stays shown.
    assert cells["gt5"].respondents == 6 and cells["gt5"].cell("burnout") is not None
