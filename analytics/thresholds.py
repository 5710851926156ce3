"""The anonymity thresholds: one source for their defaults and floors."""

from __future__ import annotations

# Scores (rates, averages) need this many respondents by default...
DEFAULT_MIN_SCORE_N = 5
# ...and never fewer: below 3 a group's figure is close to one person's answer.
MIN_SCORE_FLOOR = 3
# Comments can point to a person by wording, so they need a bigger crowd.
DEFAULT_MIN_COMMENT_N = 10
MAX_THRESHOLD = 100
