"""Short notices posted instead of a digest. Pure."""

from __future__ import annotations

from bot.blocks.kit import section


def unopened_blocks(round_number: int, k: int) -> tuple[list[dict], str]:
    """A round that closed with fewer than k answers: nothing can be reported."""
    text = (f"*candor — round {round_number}:* fewer than {k} people answered, so no result "
            "can be shown without pointing to someone. The answers were destroyed unopened; "
            "nobody, including candor's operators, can read them.")
    return [section(text)], text
