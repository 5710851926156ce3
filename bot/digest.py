"""Posting digests (filled in by the digest issue)."""

from __future__ import annotations

from bot.context import Candor


def register_hooks(c: Candor) -> None:
    return None
