from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from matplotlib import image as mpimg

from analytics import privacy
from analytics.chart_data import BANDED, SHOWN, WITHHELD, chart_series, series_alt_text
from analytics.charts import alt_text, trend_chart
from analytics.digest import (
    Trend,
    TrendLine,
    TrendPoint,
    build_digest,
    date_range,
    measure_name,
    pct,
)
from analytics.heatmap import heatmap_alt_text, heatmap_data, team_heatmap
from tests.builders import QS, build, make_round, team


def pixels(png: bytes):
    """Decode the PNG (as a viewer would) and return its pixel array."""
    return mpimg.imread(io.BytesIO(png), format="png")


def assert_real_image(png: bytes, size: tuple[int, int] | None = None) -> None:
    px = pixels(png)
    h, w = px.shape[:2]
    if size:
        assert (w, h) == size
    flat = px.reshape(-1, px.shape[-1])
    assert len({tuple(p) for p in flat[:: max(1, len(flat) // 20000)]}) > 10  # not blank


def flat_round(i: int, **over):
    """Three teams; ``over`` replaces a question's answers in every team."""
    teams = {"A": team(12, i), "B": team(9, 40 + i), "C": team(7, 80 + i)}
    for t in teams.values():
        for q, v in over.items():
            t[q] = [v] * len(t[q])
    return make_round(i, teams)


@pytest.fixture(scope="module")
def twelve():
    return build([flat_round(i) for i in range(1, 13)])


def texts_in(s: str) -> set[str]:
    return set(re.findall(r"\d+(?:–\d+)?%", s))


def published_texts(d) -> set[str]:
    """Every figure the digest itself publishes: its trend and its measures."""
    out = {m.org.rate_text() for m in d.metrics if m.org is not None and not m.org.withheld}
    for line in d.trend.lines:
        for p in line.points:
            if p.value is not None:
                out.add(f"{pct(p.value)}%")
            elif p.lo is not None and p.hi is not None and p.band:
                out.add(p.band)
    return out


def test_twelve_rounds_png(twelve):
    png = trend_chart(twelve)
    assert_real_image(png, (1200, 900))
    assert trend_chart(twelve) == png  # deterministic


def test_title_names_the_rounds_and_dates():
    rounds = [flat_round(i) for i in range(1, 5)]
    d = build(rounds)
    data = chart_series(d)
    first, last = rounds[0][0], rounds[-1][0]
    assert data.title == f"Rounds 1–4 ({date_range(first.opened_on, last.closes_on)})"
    assert data.days == tuple(r.opened_on for r, _ in rounds)
    one = chart_series(build(rounds[:1]))
    assert one.title.startswith("Round 1 (") and "12" not in one.title


def test_dates_across_new_year():
    rounds = [flat_round(i) for i in range(1, 5)]
    start = date(2025, 12, 8)
    infos = [replace(r, opened_on=start + timedelta(weeks=2 * k),
                     closes_on=start + timedelta(weeks=2 * k, days=6))
             for k, (r, _) in enumerate(rounds)]
    counts = [row for _, rows in rounds for row in rows]
    d = build_digest(infos[-1], infos[-2::-1], counts, {}, QS, rng=0)
    assert chart_series(d).days == tuple(i.opened_on for i in infos)


def test_burnout_has_its_own_panel_and_series_match_the_digest(twelve):
    data = chart_series(twelve)
    assert data.series[0].is_burnout and not any(s.is_burnout for s in data.series[1:])
    assert [s.name for s in data.series] == [measure_name(m) for m in twelve.metrics]
    for s in data.series:
        m = twelve.metric(s.key)
        assert s.current.text == m.org.rate_text()


def test_banded_current_round_is_its_band_never_an_older_value():
    rounds = [flat_round(i) for i in range(1, 5)] + [flat_round(5, burnout=1, support=5)]
    d = build(rounds)
    data = chart_series(d)
    for key in ("burnout", "support"):
        m = d.metric(key)
        assert m.org.band_bounds is not None  # the digest shows a range
        s = next(s for s in data.series if s.key == key)
        cur = s.current
        assert cur.status == BANDED and cur.value is None
        assert cur.text == m.org.rate_text()
        assert (cur.lo, cur.hi) == (pct(m.org.band_bounds[0]), pct(m.org.band_bounds[1]))
        assert f"{measure_name(m)}: {m.org.rate_text()} now" in alt_text(d)
    assert_real_image(trend_chart(d), (1200, 900))


def test_current_round_follows_the_digest_not_the_trend(twelve):
    """By construction: a measure the digest withholds this round is withheld
    in the chart and its alt text, even if the trend still held a figure."""
    m = twelve.metric("support")
    hidden = replace(twelve, metrics=tuple(replace(x, org=None) if x.key == "support" else x
                                           for x in twelve.metrics))
    s = next(s for s in chart_series(hidden).series if s.key == "support")
    assert s.current.status == WITHHELD and s.current.value is None
    assert f"{m.org.rate_text()} now" not in alt_text(hidden)
    assert "not shown for round 12" in alt_text(hidden)


def test_withheld_text_is_not_drawn_as_a_band():
    pts = (TrendPoint(1, "R1 · Jan 5", 0.3, 0.2, 0.4),
           TrendPoint(2, "R2 · Jan 19", None, band="withheld so another team's figure …"),
           TrendPoint(3, "R3 · Feb 2", None, 0.9, 1.0, "90–100%"))
    t = Trend((TrendLine("burnout", "Burnout", "burnout", pts),), (1, 2, 3))
    s = chart_series_of(t)
    assert [p.status for p in s.points] == [SHOWN, WITHHELD, BANDED]
    assert_real_image(trend_chart(t), (1200, 900))  # transitional: a bare Trend


def chart_series_of(t: Trend):
    from analytics.chart_data import trend_series

    return trend_series(t).series[0]


@pytest.mark.parametrize("seed", range(4))
def test_nothing_withheld_reaches_the_chart_or_alt_text(seed):
    """Small teams, a hidden round and near-uniform answers: every figure the
    chart draws or says is one the digest publishes, at its precision."""
    rounds = []
    for i in range(1, 6):
        small = 2 if (i + seed) % 3 == 0 else 12  # some rounds: too few overall
        over = {"burnout": 1} if (i + seed) % 4 == 0 else {}
        teams = {"A": team(small, i + seed), "B": team(3, 50 + i)}
        for q, v in over.items():
            teams["A"][q] = [v] * small
        rounds.append(make_round(i, teams))
    d = build(rounds)
    data = chart_series(d)
    allowed = published_texts(d)
    for s in data.series:
        for p in s.points:
            assert p.status in (SHOWN, BANDED, WITHHELD)
            assert p.text in allowed or (p.status == WITHHELD and p.text == "")
            if p.status != SHOWN:
                assert p.value is None
    assert texts_in(alt_text(d)) <= allowed
    assert texts_in(series_alt_text(data)) == texts_in(alt_text(d))
    assert_real_image(trend_chart(d), (1200, 900))


def test_empty_chart():
    d = build([make_round(1, {"A": team(2, 1)})])  # too few: nothing shown
    assert chart_series(d).series == ()
    assert "no results" in alt_text(d)
    assert_real_image(trend_chart(d), (1200, 900))


# ---------------------------------------------------------------------------
# Team heatmap
# ---------------------------------------------------------------------------


def teams_round(i: int):
    return make_round(i, {"Crisis": team(12, i, [4] * 11 + [1]), "Outpatient": team(15, 7),
                          "Case mgmt": team(10, 9), "Night": team(3, 3)})


def test_heatmap_cells_are_the_digest_team_table():
    d = build([flat_round(1), teams_round(2)])
    data = heatmap_data(d)
    assert data.teams[0] == privacy.TOTAL_LABEL
    assert data.measures == tuple(m.label for m in d.metrics)
    for r in d.teams:
        row = data.cells[data.teams.index(r.team)]
        for m, c in zip(d.metrics, row, strict=True):
            cell = r.cell(m.key)
            if cell is None or cell.withheld:
                assert c.concern is None and not c.point.drawn
            else:
                assert c.point.text == cell.rate_text() and c.concern is not None
    for h in d.hidden:  # named in the digest's footnote, drawn grey
        row = data.cells[data.teams.index(h.team)]
        assert all(c.concern is None and c.point.value is None for c in row)
    alt = heatmap_alt_text(d)
    assert texts_in(alt) <= {c.point.text for row in data.cells for c in row if c.point.drawn}
    assert_real_image(team_heatmap(d))


def test_heatmap_writes_only_cells_the_publication_record_lists():
    """By construction: drop a team's "exact" mark and its figure turns grey."""
    d = build([flat_round(1), teams_round(2)])
    shown_team = next(r.team for r in d.teams if r.cell("support") and r.cell("support").exact)
    marks = frozenset(x for x in d.metric_marks if not x.endswith(f"support|{shown_team}"))
    data = heatmap_data(replace(d, metric_marks=marks))
    col = data.measures.index(d.metric("support").label)
    assert data.cells[data.teams.index(shown_team)][col].concern is None


def test_heatmap_needs_two_shown_teams():
    assert team_heatmap(build([make_round(1, {"A": team(12, 1)})])) is None
    assert team_heatmap(build([make_round(1, {"A": team(12, 1), "B": team(3, 2)})])) is None


def test_burnout_darker_when_higher_favourable_darker_when_lower():
    d = build([teams_round(1)])
    data = heatmap_data(d)
    b = data.measures.index(d.metric("burnout").label)
    crisis = data.cells[data.teams.index("Crisis")][b]
    out = data.cells[data.teams.index("Outpatient")][b]
    assert crisis.concern > out.concern  # more burnout, more concerning
    for row in data.cells:
        for m, c in zip(d.metrics, row, strict=True):
            if c.point.status == SHOWN:
                want = c.point.value / 100 if m.is_burnout else 1 - c.point.value / 100
                assert c.concern == pytest.approx(want)


def test_no_pyplot_state():
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; from analytics.charts import trend_chart; "
        "from analytics.heatmap import team_heatmap; "
        "from analytics.digest import Trend; trend_chart(Trend((), ())); "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)
