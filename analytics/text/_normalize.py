"""Small text helpers shared by themes, sentiment and scrub. Pure: no I/O."""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})


def fold(text: str) -> str:
    """Lower-case, strip accents and unify apostrophes.

    Used for *matching* only ("Agotada" / "agotada" / "agotáda" all fold to
    "agotada"); the returned string is never shown to anyone.
    """
    if text.isascii():  # the common case, and nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower()


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Read a TOML file packaged in ``analytics/text/data``."""
    data = resources.files("analytics.text.data").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(data)
