from __future__ import annotations

import struct

import pytest

from analytics.charts import alt_text, trend_chart
from analytics.digest import Trend, TrendLine, TrendPoint
from tests.builders import build, make_round, team

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def dims(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIG
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


@pytest.fixture(scope="module")
def twelve():
    rounds = [make_round(i, {"A": team(12, i), "B": team(9, 40 + i)}) for i in range(1, 13)]
    return build(rounds).trend


def test_twelve_rounds(twelve):
    assert len(twelve.rounds) == 12
    png = trend_chart(twelve)
    assert dims(png) == (1200, 900)
    assert trend_chart(twelve) == png  # deterministic


def test_one_round():
    d = build([make_round(1, {"A": team(12, 1)})])
    png = trend_chart(d.trend, title="Round 1")
    assert dims(png) == (1200, 900)
    assert "round 1" in alt_text(d.trend)


def test_empty_and_banded():
    empty = Trend((), ())
    assert dims(trend_chart(empty)) == (1200, 900)
    assert "no results" in alt_text(empty)
    pts = (
        TrendPoint(1, "R1", 0.3, 0.2, 0.4),
        TrendPoint(2, "R2", None),
        TrendPoint(3, "R3", None, 0.9, 1.0, "90–100%"),
    )
    t = Trend((TrendLine("burnout", "Burnout", "burnout", pts),), (1, 2, 3))
    assert dims(trend_chart(t)) == (1200, 900)
    text = alt_text(t)
    assert "range" in text and "left blank" in text and "30% in round 1" in text


def test_alt_text_describes_direction(twelve):
    text = alt_text(twelve)
    assert text.startswith("Trend chart of rounds 1 to 12.")
    assert "Burnout rate:" in text
    assert "Support (favourable)" in text


def test_no_pyplot_state():
    import subprocess
    import sys

    code = (
        "import sys; from analytics.charts import trend_chart; "
        "from analytics.digest import Trend; trend_chart(Trend((), ())); "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)
