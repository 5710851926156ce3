from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.text import THEMES, tag_themes
from analytics.text.quality import holdout_split, micro_prf
from analytics.text.themes import theme_matches

from ._data import labelled


def test_themes_order() -> None:
    assert THEMES == (
        "pay", "workload", "supervision", "leadership", "growth", "culture", "wellbeing", "onboarding",
    )


@pytest.mark.parametrize(
    "text, theme",
    [
        ("I'm underpaid", "pay"),
        ("No raise since 2021", "pay"),
        ("PSLF paperwork and student loans", "pay"),
        ("El salario no alcanza", "pay"),
        ("Caseloads keep growing", "workload"),
        ("We are short-staffed again", "workload"),
        ("Too much documentation", "workload"),
        ("Estamos sobrecargados", "workload"),
        ("My supervisor is great", "supervision"),
        ("Reflective supervision helps", "supervision"),
        ("I need a mentor", "supervision"),
        ("Mi supervisora me apoya", "supervision"),
        ("Supervisión clínica cada semana", "supervision"),
        ("Administration doesn't get it", "leadership"),
        ("I never feel recognized", "leadership"),
        ("La administración no escucha", "leadership"),
        ("No path to promotion", "growth"),
        ("Help with licensure hours", "growth"),
        ("Quiero un ascenso", "growth"),
        ("My coworkers are the best", "culture"),
        ("I feel like I belong here", "culture"),
        ("Me gusta mi equipo", "culture"),
        ("Completely burned out", "wellbeing"),
        ("Secondary trauma is heavy", "wellbeing"),
        ("Estoy agotada", "wellbeing"),
        ("Estoy AGOTADO", "wellbeing"),
        ("Orientation was rushed", "onboarding"),
        ("La orientación fue corta", "onboarding"),
    ],
)
def test_theme_keywords(text: str, theme: str) -> None:
    assert theme in tag_themes(text)


@pytest.mark.parametrize(
    "text, absent",
    [
        ("Our case manager is great", "leadership"),  # "case manager" is a role, not management
        ("Case conferences are useful", "growth"),
        ("It was a paid holiday", "workload"),
        ("repayment", "pay"),  # whole words only
        ("supervisory", "pay"),
        ("Tengo un buen balance entre trabajo y vida personal", "workload"),
        ("New hire training was great", "growth"),  # training for new staff = onboarding
    ],
)
def test_theme_false_friends(text: str, absent: str) -> None:
    assert absent not in tag_themes(text)


def test_training_is_growth_unless_onboarding() -> None:
    assert tag_themes("The trauma training series was great") == ["growth"]
    assert tag_themes("Orientation training was great") == ["onboarding"]


def test_theme_matches_explains() -> None:
    hits = theme_matches("My caseload is crushing me and I'm exhausted")
    assert hits["workload"] == ["caseload"] and hits["wellbeing"] == ["exhausted"]


def test_empty_and_unrelated() -> None:
    assert tag_themes("") == []
    assert tag_themes("Fine.") == []


def test_labelled_micro_f1() -> None:
    rows = labelled()
    p, r, f = micro_prf([x.themes for x in rows], [tag_themes(x.text) for x in rows])
    assert f >= 0.8, (p, r, f)
    _, held = holdout_split(rows)
    hp, hr, hf = micro_prf([x.themes for x in held], [tag_themes(x.text) for x in held])
    assert hf >= 0.8, (hp, hr, hf)


def test_labelled_set_uses_known_themes() -> None:
    for row in labelled():
        assert row.themes <= set(THEMES), row


@given(st.text())
def test_tag_themes_subset(text: str) -> None:
    tags = tag_themes(text)
    assert set(tags) <= set(THEMES)
    assert tags == [t for t in THEMES if t in tags]
