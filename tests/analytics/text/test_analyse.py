from __future__ import annotations

import analytics.text as text_pkg
from analytics.text import THEMES, analyse


def test_public_api() -> None:
    for name in ("scrub", "Scrubber", "tag_themes", "polarity", "raw_polarity", "analyse", "THEMES"):
        assert name in text_pkg.__all__ and hasattr(text_pkg, name)


def test_analyse_shape() -> None:
    out = analyse("Great team but my caseload is crushing me")
    assert out["text"] == "Great team but my caseload is crushing me"
    assert out["themes"] == ["workload", "culture"]
    assert isinstance(out["sentiment"], float) and out["sentiment"] < 0
    assert out["sentiment"] == round(out["sentiment"], 3)
    assert set(out["themes"]) <= set(THEMES)


def test_works_without_nltk_corpora(monkeypatch) -> None:
    """Nothing may download or load NLTK data at run time."""
    import nltk

    def forbidden(*args, **kwargs):
        raise AssertionError("NLTK data access attempted")

    monkeypatch.setattr(nltk, "download", forbidden)
    monkeypatch.setattr(nltk.data, "load", forbidden)
    monkeypatch.setattr(nltk.data, "find", forbidden)
    out = analyse("I don't feel supported. Estoy agotada, pero mi equipo es increíble!")
    assert -1 <= out["sentiment"] <= 1
    assert text_pkg.raw_polarity("Great team") > 0
    assert text_pkg.scrub("Ask Maria", ["Maria"]) == "Ask [name]"
