from __future__ import annotations

import re

import pytest

from analytics.actions import (
    ACTIONS,
    BY_MEASURE,
    BY_THEME,
    MIN_NEGATIVE_COMMENTS,
    MIN_SHARE,
    Suggestion,
    for_themes,
    suggest,
)
from analytics.questions import default_bank
from analytics.text import THEMES

K = MIN_NEGATIVE_COMMENTS


def keys(out) -> list[str]:
    return [s.action.key for s in out]


def test_only_negative_and_large_themes_trigger():
    out = suggest({"workload": K + 5, "culture": K - 1})
    assert [s.theme for s in out] == ["workload"]
    assert out[0].action.key == BY_THEME["workload"][0]
    assert str(K + 5) in out[0].because
    assert suggest({"culture": K - 1}) == []
    assert suggest({}) == []


def test_largest_negative_theme_first():
    out = suggest({"culture": K, "workload": K + 4, "supervision": K + 1}, limit=3)
    assert [s.theme for s in out] == ["workload", "supervision", "culture"]


def test_share_of_respondents():
    n = 100
    need = int(MIN_SHARE * n)
    assert need > K  # the share is the binding rule here
    assert suggest({"workload": need - 1}, respondents=n) == []
    assert suggest({"workload": need}, respondents=n)


def test_worsened_measure_comes_first_and_needs_no_comments():
    out = suggest({"pay": K + 10}, ["supervision"], limit=3)
    assert out[0] == Suggestion("supervision", ACTIONS[BY_MEASURE["supervision"][0]],
                                out[0].because)
    assert "worsened" in out[0].because
    assert [s.theme for s in out][1] == "pay"


def test_custom_measure_uses_its_theme_unknown_is_ignored():
    out = suggest({}, ["my_question"], measure_themes={"my_question": "growth"})
    assert keys(out) == list(BY_THEME["growth"])[:3]
    assert suggest({}, ["no_theme"]) == []
    assert suggest({"not_a_theme": 50}) == []


def test_every_builtin_measure_and_theme_has_an_action():
    bank = default_bank()
    themes = {q.key: q.theme for q in bank}
    for q in bank:
        assert suggest({}, [q.key], measure_themes=themes), q.key
    for t in THEMES:
        assert suggest({t: K}), t


def test_limit_and_no_duplicates():
    out = suggest({t: K + i for i, t in enumerate(THEMES)}, list(BY_MEASURE), limit=3)
    assert len(out) == 3
    assert len(set(keys(out))) == 3
    for limit in range(0, 8):
        out = suggest({t: K for t in THEMES}, list(BY_MEASURE), limit=limit)
        assert len(out) <= limit and len(set(keys(out))) == len(out)


def test_pay_gets_pay_itself_first_and_loan_repayment_states_eligibility():
    out = suggest({"pay": K}, limit=2)
    assert keys(out) == ["market_rate_review", "loan_repayment"]
    review, loans = out[0].action, out[1].action
    assert "market" in review.title.lower() and "bls.gov/oes" in review.source
    assert "licensed staff at approved sites" in loans.eligibility
    assert loans.eligibility in loans.detail  # shown wherever the detail is


JOURNAL = re.compile(r"\. (19|20)\d\d;\d+(\(\d+\))?:\d+-\d+\.$")
ARTICLES = {"balance_caseloads", "clinical_supervision", "supervisor_leadership",
            "peer_mentoring"}


def test_citations():
    sources = {a.key: a.source for a in ACTIONS.values()}
    assert "Morse" not in " ".join(sources.values())
    assert sources["balance_caseloads"].startswith("O'Connor K, Muller Neff D, Pitman S.")
    assert "Eur Psychiatry. 2018;53:74-99." in sources["balance_caseloads"]
    assert "Mayo Clin Proc. 2015;90(4):432-440." in sources["supervisor_leadership"]
    assert ("An Action Plan for Behavioral Health Workforce Development: A Framework for "
            "Discussion") in sources["career_ladders"]
    for key, src in sources.items():
        assert src.isascii(), key  # plain hyphens in page ranges
        # Articles give year;volume(issue):pages; reports and programme pages
        # give their publisher or address instead.
        assert bool(JOURNAL.search(src)) == (key in ARTICLES), key


@pytest.mark.parametrize("themes", [["pay"], ["culture", "workload"], []])
def test_old_interface_still_returns_pairs(themes):
    """The digest builder's current call: suggest(themes, limit=...)."""
    out = suggest(themes, limit=3)
    assert out == for_themes(themes, 3)
    assert all(isinstance(t, str) and a in ACTIONS.values() for t, a in out)
    assert [t for t, _ in out[:len(themes)]] == themes[:3]
