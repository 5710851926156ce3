"""Comments in the digest: which to quote, and how themes changed. Pure."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from analytics.digest.model import CommentInfo, ThemeSummary


def pick_comments(
    comments: Sequence[CommentInfo], rng: random.Random, limit: int = 3,
) -> list[str]:
    """Up to ``limit`` comments, shuffled, preferring ones that cover themes not
    yet covered; untagged comments only fill remaining space."""
    items = [c for c in comments if c.text and c.text.strip()]
    rng.shuffle(items)
    themed = [c for c in items if c.themes]
    picked: list[CommentInfo] = []
    covered: set[str] = set()
    for c in themed:
        if len(picked) >= limit:
            break
        if set(c.themes) - covered:
            picked.append(c)
            covered |= set(c.themes)
    for c in themed + [c for c in items if not c.themes]:
        if len(picked) >= limit:
            break
        if c not in picked:
            picked.append(c)
    rng.shuffle(picked)
    return [c.text.strip() for c in picked]


def _theme_counts(comments: Iterable[CommentInfo]) -> tuple[dict[str, int], dict[str, list[float]]]:
    counts: dict[str, int] = defaultdict(int)
    moods: dict[str, list[float]] = defaultdict(list)
    for c in comments:
        for t in dict.fromkeys(c.themes):
            counts[t] += 1
            if c.sentiment is not None and math.isfinite(c.sentiment):
                moods[t].append(float(c.sentiment))
    return counts, moods


def theme_summaries(
    comments: Iterable[CommentInfo], previous: Iterable[CommentInfo] | None,
) -> tuple[ThemeSummary, ...]:
    """Themes of this round's comments, most mentioned first, with the change
    since last round when last round's comments could be shared (``previous``)."""
    now, moods = _theme_counts(comments)
    before = None if previous is None else _theme_counts(previous)[0]
    out = []
    for t in sorted(set(now) | set(before or {}), key=lambda t: (-now.get(t, 0), t)):
        cnt = now.get(t, 0)
        prev = None if before is None else before.get(t, 0)
        mood = moods.get(t)
        out.append(ThemeSummary(
            t, cnt, prev, None if prev is None else cnt - prev,
            sum(mood) / len(mood) if mood else None,
        ))
    return tuple(out)


def rising_themes(themes: Iterable[ThemeSummary]) -> list[str]:
    """Themes mentioned more often than last round, the largest rise first."""
    rose = [t for t in themes if t.delta is not None and t.delta > 0]
    return [t.theme for t in sorted(rose, key=lambda t: -t.delta)]


# Injected text helpers (analytics.text is written elsewhere): the service may
# use this to turn raw scrubbed strings into CommentInfo without this module
# importing analytics.text at import time.
def comment_infos(
    texts: Iterable[str],
    tag_themes: Callable[[str], Sequence[str]] | None = None,
    polarity: Callable[[str], float] | None = None,
    moods: bool = True,
) -> list[CommentInfo]:
    """Themes and sentiment of each comment. Sentiment is the costly part
    (about 1 ms a comment) and only feeds a theme's mood (``_theme_counts``),
    so it is scored only for comments with a theme, and not at all with
    ``moods=False`` (last round's comments: only their theme counts are used).
    Others carry ``sentiment=None``."""
    if tag_themes is None or polarity is None:
        from analytics import text as _text  # lazy: optional dependency

        tag_themes = tag_themes or _text.tag_themes  # type: ignore[attr-defined]
        polarity = polarity or _text.polarity  # type: ignore[attr-defined]
    out = []
    for t in texts:
        themes = tuple(tag_themes(t))
        out.append(CommentInfo(t, themes, float(polarity(t)) if moods and themes else None))
    return out
