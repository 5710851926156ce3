"""Retention: the clock calls `purge` daily; `candor purge` runs it by hand.

Raw (encrypted) comments and invitations are deleted `days` after their round
was published (or closed, if it never was); participation tokens, salts and
reminder outcomes of closed rounds are deleted at once. Aggregates stay.
See `bot.operations.purge` and docs/privacy.md.
"""

from __future__ import annotations

import os

from bot.context import Candor
from bot.operations import DEFAULT_RETENTION_DAYS
from bot.operations import purge as _purge


def retention_days() -> int:
    """CANDOR_RETENTION_DAYS if set to a whole number of days, else 180."""
    raw = os.environ.get("CANDOR_RETENTION_DAYS", "").strip()
    return int(raw) if raw.isdigit() else DEFAULT_RETENTION_DAYS


def purge(c: Candor, days: int | None = None) -> dict:
    return _purge(c, retention_days() if days is None else days)
