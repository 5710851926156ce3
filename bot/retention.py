"""Retention: the clock calls `purge` daily; `candor purge` runs it by hand.

Raw (encrypted) comments and invitations are deleted `days` after their round
was published (or closed, if it never was); participation tokens, salts and
reminder outcomes of closed rounds are deleted at once. Aggregates stay.
See `bot.operations.purge` and docs/privacy.md.
"""

from __future__ import annotations

from bot.context import Candor
from bot.operations import purge as _purge


def purge(c: Candor, days: int | None = None) -> dict:
    return _purge(c, c.settings.retention_days if days is None else days)
