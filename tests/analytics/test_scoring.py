"""Reverse keys, multi-item scale scores and eNPS, against hand-worked examples."""

from __future__ import annotations

import pytest

from analytics.instruments import derived_scores, higher_is_worse, load_bank
from analytics.scoring import (
    AGREEMENT5,
    CBI_FREQUENCY5,
    CBI_INTENSITY5,
    ENPS11,
    LIKELIHOOD11,
    enps,
    reverse_value,
    round_half_up,
    scale,
)


def test_points_on_0_to_100():
    assert [CBI_FREQUENCY5.points(v) for v in (1, 2, 3, 4, 5)] == [0, 25, 50, 75, 100]
    assert [CBI_FREQUENCY5.points(v, reverse=True) for v in (1, 2, 3, 4, 5)] == [
        100, 75, 50, 25, 0]
    with pytest.raises(ValueError):
        CBI_INTENSITY5.points(6)


def test_reverse_value():
    assert [reverse_value(AGREEMENT5, v) for v in (1, 2, 3, 4, 5)] == [5, 4, 3, 2, 1]
    assert reverse_value(LIKELIHOOD11, 0) == 10


def test_cbi_work_score_by_hand():
    # Items 1–3 "Often" (75 each); item 4 (reverse) "Seldom" has enough
    # energy -> 2 -> reversed 75; items 5–7 "To a high degree" (75), except
    # item 7 "Somewhat" (50). (75*6 + 50) / 7 = 500/7 = 71.43 -> 71.
    answers = {"cbi_work_1": 4, "cbi_work_2": 4, "cbi_work_3": 4, "cbi_work_4": 2,
               "cbi_work_5": 4, "cbi_work_6": 4, "cbi_work_7": 3}
    assert derived_scores(answers, load_bank()) == {"cbi_work": 71}


def test_the_reverse_item_pulls_the_other_way():
    # Everything "Always"/"To a very high degree" (100), and "Always" has
    # energy for family (reversed to 0): 600/7 = 85.71 -> 86.
    answers = {f"cbi_work_{n}": 5 for n in range(1, 8)}
    assert derived_scores(answers, load_bank())["cbi_work"] == 86
    # Without the reversal it would be 100.
    answers["cbi_work_4"] = 1
    assert derived_scores(answers, load_bank())["cbi_work"] == 100


def test_cbi_client_score_and_rounding_half_up():
    # 25+25+50+0+0+50 = 150 / 6 = 25; and 75/6 = 12.5 -> 13 (half up).
    a = {"cbi_client_1": 2, "cbi_client_2": 2, "cbi_client_3": 3, "cbi_client_4": 1,
         "cbi_client_5": 1, "cbi_client_6": 3}
    assert derived_scores(a, load_bank()) == {"cbi_client": 25}
    b = {"cbi_client_1": 2, "cbi_client_2": 2, "cbi_client_3": 2, "cbi_client_4": 1,
         "cbi_client_5": 1, "cbi_client_6": 1}
    assert derived_scores(b, load_bank()) == {"cbi_client": 13}


def test_no_score_from_a_partial_scale_and_items_untouched():
    answers = {f"cbi_work_{n}": 3 for n in range(1, 7)}  # item 7 missing
    answers["burnout"] = 2
    before = dict(answers)
    assert derived_scores(answers, load_bank()) == {}
    assert answers == before  # the items stay as they are


def test_score_is_flagged_at_50():
    s = scale("score100")
    assert not s.is_flagged(49) and s.is_flagged(50) and s.is_flagged(100)


def test_enps_by_hand():
    # 10 people: 4 promoters (9, 9, 10, 10), 3 passives (7, 8, 8), 3 detractors
    # (0, 5, 6): 40% - 30% = +10.
    hist = {9: 2, 10: 2, 7: 1, 8: 2, 0: 1, 5: 1, 6: 1}
    assert enps(hist) == pytest.approx(10.0)
    # Not "% 7–10": that would be 70%.
    assert enps({7: 5, 8: 5}) == 0
    assert enps({0: 3, 10: 1}) == pytest.approx(-50.0)
    assert enps({}) is None
    assert (ENPS11.flag_min, ENPS11.flag_max) == (9, 10)


def test_round_half_up():
    assert [round_half_up(x) for x in (12.5, 62.5, 71.43, 0.49)] == [13, 63, 71, 0]


def test_direction_of_bad_news():
    assert higher_is_worse("burnout", "burnout5")
    assert higher_is_worse("cbi_work_1", "cbi_frequency5")
    assert not higher_is_worse("cbi_work_4", "cbi_frequency5")  # reverse-keyed
    assert not higher_is_worse("support", "agreement5")
    assert higher_is_worse("intent_to_leave", "leave5")
