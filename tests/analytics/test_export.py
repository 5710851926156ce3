from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

from analytics import privacy
from analytics.digest import measure_name, pct
from analytics.export import (
    COLUMNS,
    NUMERIC,
    STATUSES,
    export_rows,
    history_digests,
    write_csv,
)
from tests.builders import QS, build, make_round, team

MEASURE_NUMBERS = ("n", "rate", "ci_low", "ci_high", "mean", "band_low", "band_high")


def mixed_digest():
    """Shown, banded and withheld cells, and hidden teams, in one round: Crisis
    is near-uniform (banded), so one other team's figure is withheld lest
    Crisis be worked out by subtraction; Night and Tiny are too small."""
    return build([make_round(1, {"A": team(12, 1)}),
                  make_round(2, {"Crisis": team(12, 5, [4] * 12), "Out": team(15, 7),
                                 "Case": team(10, 9), "Night": team(3, 3),
                                 "Tiny": team(2, 4)})])


def csv_text(rows) -> str:
    buf = io.StringIO()
    write_csv(rows, buf)
    return buf.getvalue()


def test_one_row_per_team_and_measure_with_types():
    d = mixed_digest()
    rows = export_rows(d)
    teams = [privacy.TOTAL_LABEL, *(t.team for t in d.teams), *(h.team for h in d.hidden)]
    assert [(r["team"], r["measure_key"]) for r in rows] == [
        (t, m.key) for t in teams for m in d.metrics]
    for r in rows:
        assert tuple(r) == COLUMNS
        assert r["status"] in STATUSES
        for c in NUMERIC:
            assert r[c] == "" or type(r[c]) is int, (c, r[c])  # whole numbers only
        assert r["mean"] == ""  # the digest shows no means
    text = csv_text(rows)
    assert text.isascii()  # plain hyphens; these team and measure names are ASCII
    assert {r["measure"] for r in rows} == {measure_name(m) for m in d.metrics}


def test_values_are_the_digest_values():
    d = mixed_digest()
    rows = {(r["team"], r["measure_key"]): r for r in export_rows(d)}
    cells = [(privacy.TOTAL_LABEL, m, m.org) for m in d.metrics]
    cells += [(t.team, m, t.cell(m.key)) for t in d.teams for m in d.metrics]
    seen = set()
    for team_label, m, c in cells:
        r = rows[(team_label, m.key)]
        if c is None or c.withheld:
            seen.add("withheld")
            assert r["status"] == "withheld"
            assert all(r[x] == "" for x in MEASURE_NUMBERS)
            assert r["note"]
        elif c.exact:
            seen.add("shown")
            assert r["status"] == "shown" and r["n"] == c.n
            assert (r["rate"], r["ci_low"], r["ci_high"]) == (
                pct(c.rate), pct(c.ci[0]), pct(c.ci[1]))
            assert r["band_low"] == r["band_high"] == ""
        else:
            seen.add("banded")
            assert r["status"] == "banded" and r["rate"] == r["ci_low"] == ""
            assert (r["band_low"], r["band_high"]) == tuple(pct(x) for x in c.band_bounds)
            assert f"{r['band_low']}–{r['band_high']}%" == c.band
    assert seen == set(STATUSES)  # the fixture exercises every status
    for h in d.hidden:
        for m in d.metrics:
            r = rows[(h.team, m.key)]
            assert r["status"] == "withheld" and r["respondents"] == "" and r["note"] == h.text


def test_team_counts_match_the_digest():
    d = mixed_digest()
    rows = export_rows(d)
    for t in d.teams:
        r = next(r for r in rows if r["team"] == t.team)
        assert (r["respondents"], r["invited"]) == (t.respondents, t.invited)
    org = next(r for r in rows if r["team"] == privacy.TOTAL_LABEL)
    assert org["respondents"] == d.response.respondents


def test_history_and_csv_round_trip():
    rounds = [make_round(i, {"A": team(10, i), "B": team(8, 20 + i)}) for i in range(1, 4)]
    infos = [r for r, _ in rounds][::-1]
    counts = [row for _, rs in rounds for row in rs]
    ds = history_digests(infos, counts, QS)
    assert [d.round_number for d in ds] == [3, 2, 1]
    rows = export_rows(ds)
    back = list(csv.DictReader(io.StringIO(csv_text(rows))))
    assert len(back) == len(rows) and tuple(back[0]) == COLUMNS
    assert {r["round"] for r in back} == {"1", "2", "3"}
    assert {r["opened_on"] for r in back} == {i.opened_on.isoformat() for i in infos}
    for r in back:
        for c in NUMERIC:
            assert r[c] == "" or r[c].isdigit()


def test_too_few_overall_exports_no_figures():
    rows = export_rows(build([make_round(1, {"A": team(3, 1)})]))
    assert rows and all(r["status"] == "withheld" for r in rows)
    assert all(r[c] == "" for r in rows for c in MEASURE_NUMBERS)


def test_cli_export_needs_no_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "CANDOR_", "DATABASE_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/x.db"
    cmd = [sys.executable, "-c", "from bot.processes.cli import main; main()"]
    assert subprocess.run([*cmd, "db", "upgrade"], env=env, capture_output=True,
                          timeout=120).returncode == 0
    code = ("from storage.db import Database; from storage import workspaces; "
            f"db = Database({env['DATABASE_URL']!r}); workspaces.ensure_committed(db, 'T1')")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    r = subprocess.run([*cmd, "export"], env=env, capture_output=True, text=True, timeout=120)
    # It got past the settings and the keys to the data itself.
    assert "CANDOR_SECRET_KEY" not in r.stderr
    assert "no closed round" in r.stderr
