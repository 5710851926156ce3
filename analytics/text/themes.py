"""Tag a comment with the themes it talks about. Pure: no I/O.

The lexicon lives in ``data/themes.toml`` (English and Spanish patterns,
matched on folded text so accents and case do not matter). A theme is tagged
when any of its patterns occurs as a whole word/phrase; ``weak`` patterns
("training") only count when none of the themes in ``weak_unless`` matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._normalize import fold, load_toml

__all__ = ["THEMES", "tag_themes", "theme_matches"]


@dataclass(frozen=True)
class _Theme:
    name: str
    strong: re.Pattern[str]
    weak: re.Pattern[str] | None
    weak_unless: tuple[str, ...]


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


def _load() -> tuple[_Theme, ...]:
    raw = load_toml("themes.toml")
    themes = []
    for name, spec in raw.items():
        strong = _compile(spec["patterns"])
        assert strong is not None, name
        themes.append(
            _Theme(name, strong, _compile(spec.get("weak", [])), tuple(spec.get("weak_unless", ())))
        )
    return tuple(themes)


_LEXICON = _load()
THEMES: tuple[str, ...] = tuple(t.name for t in _LEXICON)


def theme_matches(text: str) -> dict[str, list[str]]:
    """Explain the tagging: theme -> the (folded) phrases that triggered it."""
    folded = fold(text)
    hits: dict[str, list[str]] = {}
    for theme in _LEXICON:
        found = [m.group(0) for m in theme.strong.finditer(folded)]
        if found:
            hits[theme.name] = found
    for theme in _LEXICON:
        if theme.name in hits or theme.weak is None:
            continue
        if any(other in hits for other in theme.weak_unless):
            continue
        found = [m.group(0) for m in theme.weak.finditer(folded)]
        if found:
            hits[theme.name] = found
    return hits


def tag_themes(text: str) -> list[str]:
    """Return the themes ``text`` touches on, in ``THEMES`` order."""
    hits = theme_matches(text)
    return [name for name in THEMES if name in hits]
