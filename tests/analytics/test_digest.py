from __future__ import annotations

import dataclasses
import importlib
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import privacy
from analytics.digest import (
    ROLLING_ROUNDS,
    CommentInfo,
    Thresholds,
    build_digest,
    change_text,
    comment_infos,
    metric_line,
    pct,
    pick_comments,
    rounds_label,
    team_line,
)
from analytics.stats import EXACT_TEST, MIN_TEST_N
from analytics.thresholds import DEFAULT_MIN_COMMENT_N, DEFAULT_MIN_SCORE_N, MIN_SCORE_FLOOR
from tests.builders import QS, build, burnout_answers, make_round, team


def test_thresholds_validated():
    with pytest.raises(ValueError):
        Thresholds(2, 10)
    with pytest.raises(ValueError):
        Thresholds(6, 5)
    Thresholds(3, 3)
    assert Thresholds() == Thresholds(DEFAULT_MIN_SCORE_N, DEFAULT_MIN_COMMENT_N)
    Thresholds(MIN_SCORE_FLOOR, MIN_SCORE_FLOOR)


def test_worked_example_three_teams_hides_second_team():
    # Teams of 10, 6 and 3 respondents, min 5: C is too small, and showing the
    # total plus both A and B would reveal C by subtraction, so B goes too.
    cur = make_round(1, {"A": team(10, 1), "B": team(6, 2), "C": team(3, 3)})
    d = build([cur])
    assert [r.team for r in d.teams] == ["A"]
    assert {(h.team, h.reason) for h in d.hidden} == {
        ("B", privacy.COMPLEMENT), ("C", privacy.TOO_FEW)}
    assert d.response.respondents == 19
    text = d.plain_text()
    assert "B: withheld so another team's figure can't be worked out by subtraction" in text
    assert "C: fewer than 5 responses" in text
    assert "B: 6" not in text and "C: 3" not in text
    assert "A: 10 of 12 answered (83%)" in text
    # Never both the total and every other team: the 10-team and total shown,
    # B and C only by name.
    assert d.metric("burnout").org is not None


def test_worked_example_two_teams():
    cur = make_round(1, {"A": team(10, 1), "B": team(3, 2)})
    d = build([cur])
    assert d.teams == ()
    assert d.metric("burnout").org is not None
    assert {h.team: h.reason for h in d.hidden} == {"A": privacy.COMPLEMENT, "B": privacy.TOO_FEW}


def test_too_few_overall():
    cur = make_round(1, {"A": team(2, 1), "B": team(2, 2)})
    d = build([cur])
    assert d.response.respondents is None
    assert d.response.text == "fewer than 5 of 8 invited"
    assert all(m.org is None for m in d.metrics)
    assert d.themes is None and d.comments == ()
    assert "4" not in d.response.text


def test_burnout_line_and_changes():
    prev = make_round(1, {"A": team(20, 1, burnout_answers(4, 20)),
                          "B": team(20, 2, burnout_answers(5, 20))})
    cur = make_round(2, {"A": team(20, 3, burnout_answers(18, 20)),
                         "B": team(20, 4, burnout_answers(6, 20))})
    d = build([prev, cur])
    b = d.metric("burnout")
    assert b.org.rate == pytest.approx(24 / 40)
    assert b.org.rate_text() == f"{pct(24 / 40)}%"
    assert b.org.ci is not None and b.org.ci[0] < 0.6 < b.org.ci[1]
    c = b.change
    assert (c.k_now, c.n_now, c.k_before, c.n_before) == (24, 40, 9, 40)
    assert c.rounds_now == (2,) and c.rounds_before == (1,)
    assert c.points == pct(24 / 40) - pct(9 / 40)
    assert b.flagged and b.worsened
    assert d.headline[0] == (f"Burnout rose from {pct(9 / 40)}% to {pct(24 / 40)}% since last "
                             "round — a real change, not noise")
    assert d.plain_text().splitlines()[2] == d.headline[0]
    # Burnout worsened for real -> its theme's actions are suggested.
    assert any(theme == "wellbeing" for theme, _ in d.actions)
    # Test names and p-values stay in the details, not on the lines.
    assert "z-test" not in d.plain_text() and "p=" not in d.plain_text()
    assert any("p=" in line and c.test in line for line in d.details())


def test_lines_come_in_pieces_that_make_the_plain_text():
    prev = make_round(1, {"A": team(20, 1), "B": team(20, 2)})
    cur = make_round(2, {"A": team(20, 3), "B": team(20, 4)})
    d = build([prev, cur])
    text = d.plain_text()
    support = metric_line(d.metric("support"))
    assert support.name == "Support (favourable)"
    assert support.value.endswith("%)") and "95% CI" in support.value
    assert support.text() in text.splitlines()
    a = team_line(d.teams[0], d.metrics)
    assert (a.team, a.responses) == ("A", f"20 of 22 answered ({pct(20 / 22)}%)")
    assert a.figures[0].startswith("Burnout ") and a.figures[1].startswith("Support ")
    assert "  " + a.text() in text.splitlines()


def test_comparison_labels_name_exactly_the_rounds_pooled():
    rounds = [make_round(i, {"A": team(20, i), "B": team(20, 50 + i)}) for i in range(1, 7)]
    answers = {(info.round_id, q): 0 for info, _ in rounds for q in ("burnout",)}
    for _, rows in rounds:
        for rid, _t, q, _v, n in rows:
            if q == "burnout":
                answers[(rid, q)] += n
    for upto in range(2, 7):
        d = build(rounds[:upto])
        for m in d.metrics:
            c = m.change
            pooled = c.rounds_now + c.rounds_before
            assert pooled == tuple(range(upto, max(0, upto - 5), -1))  # newest first, no gaps
            assert len(c.rounds_now) == (2 if len(pooled) == 5 else 1)
            if m.key == "burnout":
                assert c.n_now == sum(answers[(r, "burnout")] for r in c.rounds_now)
                assert c.n_before == sum(answers[(r, "burnout")] for r in c.rounds_before)
            label = change_text(m)
            assert label.endswith(rounds_label(c.rounds_before)
                                  + ("" if c.testable else f" (fewer than {MIN_TEST_N} answers)"))
    assert rounds_label((3, 2, 1)) == "rounds 1–3" and rounds_label((4, 2)) == "rounds 2 and 4"
    assert len(d.trend.rounds) == 6
    assert d.trend.lines[0].key == "burnout"


def test_homogeneous_org_is_banded():
    cur = make_round(2, {"A": team(12, 1, [1] * 12), "B": team(8, 2, [1] * 8)})
    prev = make_round(1, {"A": team(12, 3), "B": team(8, 4)})
    d = build([prev, cur])
    b = d.metric("burnout")
    assert b.org.rate is None and b.org.mean is None and b.org.ci is None
    assert b.org.band == "0–5%"
    assert b.change is None and not b.flagged
    for row in d.teams:
        c = row.cell("burnout")
        assert c.rate is None and c.band
    assert "range" in d.band_footnote().lower() and "range" in d.band_footnote(teams=True).lower()
    tp = d.trend.lines[0].points[-1]
    assert tp.value is None and tp.band == "0–5%"


def test_small_team_rolling_pools_exactly_the_last_four_rounds():
    # Neither team near-uniform, so every round shows both exactly.
    rounds = [make_round(i, {"A": team(6, i, burnout_answers(2 + i % 3, 6)),
                             "B": team(12, 40 + i, burnout_answers(4 + i % 3, 12))})
              for i in range(1, 6)]
    for upto in range(1, 6):
        d = build(rounds[:upto])
        a = next(r for r in d.teams if r.team == "A")
        if upto < ROLLING_ROUNDS:
            assert a.burnout_rolling is None
            continue
        k = n = 0
        for _, rows in rounds[upto - ROLLING_ROUNDS:upto]:
            for _rid, t, q, v, c in rows:
                if t == "A" and q == "burnout":
                    n += c
                    k += c * (v >= 3)
        assert n == 6 * ROLLING_ROUNDS
        assert a.burnout_rolling == pytest.approx(k / n)
        assert f"over the last {ROLLING_ROUNDS} rounds {pct(k / n)}%" in team_line(a, d.metrics).text()
        big = next(r for r in d.teams if r.team == "B")
        assert big.burnout_rolling is None  # large enough to read on its own


def test_comments_and_themes():
    comments = {
        2: [
            CommentInfo("Caseloads keep growing.", ("workload",), -0.6),
            CommentInfo("Too many intakes this month.", ("workload",), -0.4),
            CommentInfo("No time to write notes.", ("workload",), -0.5),
            CommentInfo("My supervisor is great.", ("supervision",), 0.7),
            CommentInfo("Pay hasn't kept up.", ("pay",), -0.5),
            CommentInfo("ok", (), 0.0),
        ],
        1: [CommentInfo("Pay is low.", ("pay",), -0.5), CommentInfo("Pay again", ("pay",), -0.2)],
    }
    prev = make_round(1, {"A": team(12, 1)})
    cur = make_round(2, {"A": team(12, 2)})
    d1 = build([prev, cur], comments, rng=7)
    d2 = build([prev, cur], comments, rng=7)
    assert d1.comments == d2.comments
    assert 1 <= len(d1.comments) <= 3
    by = {t.theme: t for t in d1.themes}
    assert by["workload"].count == 3 and by["workload"].delta == 3
    assert by["pay"].delta == -1
    assert by["workload"].mean_sentiment == pytest.approx(-0.5)
    assert d1.actions and d1.actions[0][0] == "workload"
    # Pay is negative but mentioned once: too small a theme to act on.
    assert "pay" not in {theme for theme, _ in d1.actions}
    # Three comments should cover three different themes here.
    themes_of = {c.text: c.themes for c in comments[2]}
    covered = [themes_of[c] for c in d1.comments]
    assert len({t for ts in covered for t in ts}) == len(d1.comments)


def test_comments_need_min_comment_n():
    comments = {1: [CommentInfo("hello", ("culture",), 0.1)]}
    d = build([make_round(1, {"A": team(9, 1)})], comments)
    assert d.themes is None and d.comments == ()
    assert any("at least 10 people" in n for n in d.notes)
    d = build([make_round(1, {"A": team(9, 1)})], comments, thresholds=Thresholds(5, 9))
    assert d.comments == ("hello",)


def test_pick_comments_shuffled_and_diverse():
    cs = [CommentInfo(f"c{i}", (t,), 0.0) for i, t in enumerate(["pay"] * 5 + ["growth", "culture"])]
    seen = set()
    for seed in range(20):
        got = pick_comments(cs, random.Random(seed))
        assert len(got) == 3
        assert {"c5", "c6"} <= set(got)
        seen.add(tuple(got))
    assert len(seen) > 1


def test_earlier_publication_respected():
    cur = make_round(1, {"A": team(10, 1), "B": team(3, 2)})
    d = build([cur], published=frozenset({"A"}))
    assert [r.team for r in d.teams] == ["A"]
    assert d.response.respondents is None
    assert all(m.org is None for m in d.metrics)
    assert privacy.TOTAL in d.publication.hidden
    assert privacy.TOTAL not in d.published_cells and "A" in d.published_cells


def test_repost_with_published_cells_is_stable():
    prev = make_round(1, {"A": team(12, 1), "B": team(8, 2), "C": team(3, 3)})
    cur = make_round(2, {"A": team(12, 4), "B": team(8, 5), "C": team(3, 6)})
    d1 = build([prev, cur])
    d2 = build([prev, cur], published=d1.published_cells)
    assert d2.teams == d1.teams and d2.metrics == d1.metrics
    assert d2.published_cells == d1.published_cells
    # A later post under a higher threshold can only narrow.
    d3 = build([prev, cur], thresholds=Thresholds(9, 10), published=d1.published_cells)
    assert {r.team for r in d3.teams} <= {r.team for r in d1.teams}


def test_history_capped_at_twelve_rounds():
    rounds = [make_round(i, {"A": team(10, i)}) for i in range(1, 16)]
    d = build(rounds)
    assert d.trend.rounds == tuple(range(4, 16))
    assert all(len(line.points) == 12 for line in d.trend.lines)


def test_question_not_asked_this_round():
    cur_teams = {"A": {k: v for k, v in team(10, 1).items() if k != "workload"}}
    d = build([make_round(1, {"A": team(10, 0)}), make_round(2, cur_teams)])
    assert d.metric("workload") is None
    assert any(line.key == "workload" for line in d.trend.lines)


def test_comment_infos_injected():
    out = comment_infos(["Pay is low"], tag_themes=lambda s: ["pay"], polarity=lambda s: -0.3)
    assert out == [CommentInfo("Pay is low", ("pay",), -0.3)]


def test_comment_infos_score_sentiment_only_where_a_mood_is_used():
    scored: list[str] = []

    def polarity(s: str) -> float:
        scored.append(s)
        return -0.3

    def tags(s: str) -> list[str]:
        return ["pay"] if "Pay" in s else []

    out = comment_infos(["Pay is low", "Fine"], tag_themes=tags, polarity=polarity)
    assert [c.sentiment for c in out] == [-0.3, None] and scored == ["Pay is low"]
    assert comment_infos(["Pay is low"], tags, polarity, moods=False)[0].sentiment is None
    assert scored == ["Pay is low"]


@pytest.mark.parametrize("seed", range(6))
def test_earlier_rounds_plan_only_the_questions_they_asked(seed, monkeypatch):
    # Earlier rounds skip planning questions they didn't ask; the digest must
    # be the same as when every round plans the whole bank.
    rng = random.Random(seed)
    rounds = []
    for n in range(1, 9):
        drop = rng.sample([q.key for q in QS], rng.randint(0, len(QS) - 1))
        teams = {t: {k: v for k, v in team(rng.randint(2, 14), rng.randint(0, 4)).items()
                     if k not in drop} for t in "ABCD"}
        rounds.append(make_round(n, teams))
    got = build(rounds)
    builder = importlib.import_module("analytics.digest.build")
    monkeypatch.setattr(builder, "_view_questions", lambda qs, grouped, r, i: qs)
    assert build(rounds) == got


def test_reserved_team_label_rejected():
    info, rows = make_round(1, {privacy.TOTAL: team(10, 1)})
    with pytest.raises(ValueError):
        build_digest(info, [], rows, {}, QS, Thresholds())


# ---------------------------------------------------------------------------
# Property: whatever the organisation, the digest holds nothing hidden.
# ---------------------------------------------------------------------------


def _walk(obj):
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _walk(getattr(obj, f.name))
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for x in obj:
            yield from _walk(x)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(k)
            yield from _walk(v)
    else:
        yield obj


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(0, 25), min_size=1, max_size=5),
    st.lists(st.integers(0, 25), min_size=1, max_size=5),
    st.integers(3, 8),
    st.integers(0, 10_000),
)
def test_digest_only_publishes_published_cells(sizes_prev, sizes_cur, m, seed):
    r = random.Random(seed)

    def org(rid, sizes):
        teams = {f"T{i}": team(n, r.randint(0, 999)) for i, n in enumerate(sizes)}
        return make_round(rid, teams)

    prev, cur = org(1, sizes_prev), org(2, sizes_cur)
    th = Thresholds(m, max(m, 10))
    d = build([prev, cur], thresholds=th)
    pub = privacy.plan(cur[0].respondents, m)
    assert {row.team for row in d.teams} == set(pub.teams)
    assert {h.team for h in d.hidden} == {t for t, _ in pub.hidden_teams}
    for row in d.teams:
        assert row.respondents >= m
    if not pub.total_published:
        assert d.response.respondents is None
        assert all(mm.org is None for mm in d.metrics)
    # Walking the whole model never finds a hidden team's name outside `hidden`.
    hidden_names = {h.team for h in d.hidden}
    for row in d.teams:
        assert row.team not in hidden_names
    assert len(d.headline) >= 1
    d.plain_text()
    list(_walk(d))


def test_one_test_per_measure_on_the_rate_never_the_mean():
    # The rest moved from 1 to 3 but the share favourable held: no headline.
    burnout = [2] * 20 + [4] * 20
    prev_info, prev_rows = make_round(1, {"A": {"burnout": burnout,
                                                "support": [5] * 10 + [1] * 25 + [3] * 5}})
    cur_info, cur_rows = make_round(2, {"A": {"burnout": burnout,
                                              "support": [5] * 10 + [3] * 25 + [1] * 5}})
    d = build_digest(cur_info, [prev_info], prev_rows + cur_rows, {}, QS)
    assert [m.key for m in d.metrics] == ["burnout", "support"]
    assert all(m.change.test.startswith(EXACT_TEST) and m.change.points == 0
               for m in d.metrics)
    assert d.flagged == () and d.headline[0].startswith("No real change since round 1")
