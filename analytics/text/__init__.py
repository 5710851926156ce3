"""Free-text comment analytics: de-identification, themes and sentiment. Pure: no I/O.

    >>> analyse("Great team but my caseload is crushing me")["themes"]
    ['workload', 'culture']
"""

from __future__ import annotations

from .scrub import Scrubber, scrub
from .sentiment import polarity, raw_polarity
from .themes import THEMES, tag_themes

__all__ = ["THEMES", "Scrubber", "analyse", "polarity", "raw_polarity", "scrub", "tag_themes"]


def analyse(text: str) -> dict:
    """Themes and corrected sentiment for one (already scrubbed) comment."""
    return {"text": text, "themes": tag_themes(text), "sentiment": round(polarity(text), 3)}
