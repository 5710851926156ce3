"""Every English message has a Spanish twin with the same placeholders."""

from __future__ import annotations

import pytest

from bot.i18n import keys, lang_for, placeholders, t


def test_every_english_key_has_a_spanish_one():
    en, es = keys("en"), keys("es")
    assert sorted(set(en) - set(es)) == []
    assert sorted(set(es) - set(en)) == []


@pytest.mark.parametrize("key", sorted(keys("en")))
def test_same_placeholders(key):
    assert placeholders(keys("en")[key]) == placeholders(keys("es")[key]), key
    assert keys("es")[key].strip(), key


def test_locale_and_fallback():
    assert lang_for("es-LA") == lang_for("es-ES") == "es"
    assert lang_for("fr-FR") == lang_for(None) == lang_for("") == "en"
    assert t("fr", "home.pause") == t("en", "home.pause") == "Pause my check-ins"
    assert t("es", "date.when", weekday="martes", day=3, month="marzo", time="10:00") == \
        "martes 3 de marzo a las 10:00"
