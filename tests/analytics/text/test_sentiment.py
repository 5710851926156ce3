from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.text import polarity, raw_polarity
from analytics.text.quality import accuracy, holdout_split, macro_f1, sentiment_labels
from analytics.text.sentiment import explain, label

from ._data import labelled


def test_raw_is_plain_textblob() -> None:
    from textblob import TextBlob

    text = "Great team but my caseload is crushing me"
    assert raw_polarity(text) == TextBlob(text).sentiment.polarity
    assert raw_polarity(text) > 0.1  # the motivating failure


@pytest.mark.parametrize(
    "text",
    [
        "Great team but my caseload is crushing me",
        "I'm drowning in paperwork",
        "We are so short-staffed, it's unsustainable",
        "I don't feel supported by leadership",
        "I never get supervision and no one listens",
        "Burned out and thinking about leaving",
        "Oh great, another mandatory training",
        "No raise in three years. Cool.",
        "Me siento agotada",
        "No me siento valorada",
        "El sueldo es bajo",
        "Supervisor is supportive but overbooked",
    ],
)
def test_negative(text: str) -> None:
    assert polarity(text) < -0.1, explain(text)


@pytest.mark.parametrize(
    "text",
    [
        "I feel supported and valued",
        "My caseload is heavy but manageable",
        "I'm not overwhelmed this month",
        "Grateful for my team",
        "Mi supervisora es excelente",
        "Me encanta mi equipo",
        "I used to be burned out, but now I feel much better",
    ],
)
def test_positive(text: str) -> None:
    assert polarity(text) > 0.1, explain(text)


def test_requests_are_not_read_as_praise() -> None:
    # TextBlob reads "more" as positive (+0.5); a request for staff is not praise.
    assert raw_polarity("We need more staff") > 0.1
    assert label(polarity("We need more staff")) == "neutral"


@pytest.mark.parametrize("text", ["", "Fine.", "Sin comentarios.", "Please fix the heat in building B."])
def test_neutral(text: str) -> None:
    assert label(polarity(text)) == "neutral"


def test_contrast_weights_later_clause() -> None:
    assert polarity("The pay is bad but the team is great") > 0.1
    assert polarity("The team is great but the pay is bad") < -0.1


def test_negation_flips_domain_terms() -> None:
    assert polarity("I feel supported") > 0.1 > -0.1 > polarity("I don't feel supported")
    assert polarity("I'm overwhelmed") < -0.1 < polarity("I'm not overwhelmed")


def test_explain_shows_terms() -> None:
    e = explain("Great team but my caseload is crushing me")
    assert len(e["parts"]) == 2 and e["parts"][1]["weight"] > e["parts"][0]["weight"]
    terms = [t for s in e["parts"][1]["sentences"] for t, _ in s["terms"]]
    assert "crushing" in terms


def test_labelled_accuracy() -> None:
    rows = labelled()
    assert len(rows) >= 120
    gold = [r.sentiment for r in rows]
    raw = sentiment_labels((r.text for r in rows), raw_polarity)
    corrected = sentiment_labels((r.text for r in rows), polarity)
    raw_acc, acc = accuracy(gold, raw), accuracy(gold, corrected)
    assert acc >= 0.75, acc
    assert acc - raw_acc >= 0.2, (raw_acc, acc)
    assert macro_f1(gold, corrected) > macro_f1(gold, raw) + 0.2


def test_holdout_accuracy() -> None:
    """Rows held out (every 4th) were not used to tune the lexicon."""
    _, held = holdout_split(labelled())
    gold = [r.sentiment for r in held]
    raw_acc = accuracy(gold, sentiment_labels((r.text for r in held), raw_polarity))
    acc = accuracy(gold, sentiment_labels((r.text for r in held), polarity))
    assert acc >= 0.7, acc
    assert acc - raw_acc >= 0.2, (raw_acc, acc)


@given(st.text())
def test_polarity_bounded(text: str) -> None:
    for f in (polarity, raw_polarity):
        p = f(text)
        assert not math.isnan(p) and -1.0 <= p <= 1.0
