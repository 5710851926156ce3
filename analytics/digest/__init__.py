"""The weekly digest: what leaders see, already made safe to publish. Pure.

``build_digest`` takes aggregated counts (never individual answers) for the
current round and up to 11 earlier closed rounds and returns a ``Digest`` that
contains only publishable values: hidden cells carry no numbers at all, banded
cells carry no exact rate, mean, interval or change. Views and exports render
a ``Digest`` and need no privacy logic of their own.

Modules: ``model`` (inputs and publishable figures), ``wording`` (how the
figures read), ``report`` (the ``Digest`` and its plain text), ``build`` (the
rules), ``history`` (per-round counts and comparisons across rounds) and
``comments`` (quotes and themes) and ``differencing`` (what comparing
rounds would expose). Privacy rules live in
``analytics.privacy``; statistics in ``analytics.stats``.
"""

from analytics.digest.build import build_digest
from analytics.digest.comments import comment_infos, pick_comments
from analytics.digest.model import (
    ROLLING_ROUNDS,
    CommentInfo,
    CountRow,
    HiddenCell,
    MetricCell,
    MetricSummary,
    QuestionInfo,
    ResponseRate,
    RoundInfo,
    TeamRow,
    ThemeSummary,
    Thresholds,
    Trend,
    TrendLine,
    TrendPoint,
    pct,
)
from analytics.digest.report import Digest, plain_text
from analytics.digest.wording import (
    MetricLine,
    TeamLine,
    change_text,
    date_range,
    details_text,
    headline_text,
    measure_name,
    metric_line,
    plural,
    rounds_label,
    sentiment_word,
    team_line,
    theme_line,
)

__all__ = [
    "ROLLING_ROUNDS",
    "CommentInfo",
    "CountRow",
    "Digest",
    "HiddenCell",
    "MetricCell",
    "MetricLine",
    "MetricSummary",
    "QuestionInfo",
    "ResponseRate",
    "RoundInfo",
    "TeamLine",
    "TeamRow",
    "ThemeSummary",
    "Thresholds",
    "Trend",
    "TrendLine",
    "TrendPoint",
    "build_digest",
    "change_text",
    "comment_infos",
    "date_range",
    "details_text",
    "headline_text",
    "measure_name",
    "metric_line",
    "plural",
    "rounds_label",
    "pct",
    "pick_comments",
    "plain_text",
    "sentiment_word",
    "team_line",
    "theme_line",
]
