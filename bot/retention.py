"""Retention (filled in by the privacy-operations issue)."""

from __future__ import annotations

from bot.context import Candor


def purge(c: Candor) -> dict:
    return {}
