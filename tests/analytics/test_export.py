from __future__ import annotations

import csv
import io

from analytics import privacy
from analytics.export import COLUMNS, export_rows, history_digests, write_csv
from tests.builders import QS, build, make_round, team


def test_rows_match_digest_suppression():
    cur = make_round(1, {"A": team(10, 1), "B": team(6, 2), "C": team(3, 3)})
    d = build([cur])
    rows = export_rows(d)
    assert all(set(r) == set(COLUMNS) for r in rows)
    teams = {r["team"] for r in rows}
    assert teams == {privacy.TOTAL_LABEL, "A", "B", "C"}
    for r in rows:
        if r["team"] in ("B", "C"):
            assert r["n"] == "" and r["value"].startswith("hidden")
    org = next(r for r in rows if r["team"] == privacy.TOTAL_LABEL and r["metric"] == "respondents")
    assert org["n"] == 19
    burn = next(r for r in rows if r["team"] == "A" and r["metric"] == "burnout % burnout")
    cell = d.teams[0].cell("burnout")
    assert burn["n"] == 10 and burn["value"] in (round(cell.rate * 100), cell.band)


def test_banded_cells_have_no_exact_value():
    cur = make_round(1, {"A": team(12, 1, [1] * 12)})
    rows = export_rows(build([cur]))
    r = next(r for r in rows if r["metric"] == "burnout % burnout" and r["team"] == privacy.TOTAL_LABEL)
    assert r["value"] == "0–9%" and r["interval"] == ""
    assert not any(r["metric"] == "burnout mean" for r in rows)


def test_history_and_csv():
    rounds = [make_round(i, {"A": team(10, i), "B": team(8, 20 + i)}) for i in range(1, 4)]
    infos = [r for r, _ in rounds][::-1]
    counts = [row for _, rs in rounds for row in rs]
    ds = history_digests(infos, counts, QS)
    assert [d.round_number for d in ds] == [3, 2, 1]
    rows = export_rows(ds)
    buf = io.StringIO()
    write_csv(rows, buf)
    back = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert len(back) == len(rows)
    assert tuple(back[0]) == COLUMNS
    assert {r["round"] for r in back} == {"1", "2", "3"}


def test_too_few_overall_exports_nothing_numeric():
    rows = export_rows(build([make_round(1, {"A": team(3, 1)})]))
    for r in rows:
        assert r["n"] == ""
