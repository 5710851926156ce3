"""App Home: the clinician view, and an admin summary above it for admins."""

from __future__ import annotations

from bot.blocks.kit import button, esc, section
from bot.i18n import t


def clinician_blocks(lang: str, *, paused: bool, next_when: str | None, resources: str,
                     min_n: int, min_comments: int) -> list[dict]:
    """What candor is, when it asks next, the pause toggle, privacy, support."""
    if paused:
        nxt = t(lang, "home.next_paused")
    else:
        nxt = t(lang, "home.next", when=next_when) if next_when else t(lang, "home.next_none")
    return [
        {"type": "header", "text": {"type": "plain_text", "text": t(lang, "home.title")}},
        section(t(lang, "home.about")),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": t(lang, "home.not_review")}]},
        section(nxt),
        section(t(lang, "home.paused") if paused else t(lang, "home.active")),
        {"type": "actions", "block_id": "pause", "elements": [
            button(t(lang, "home.resume"), "toggle_pause", "resume", "primary") if paused
            else button(t(lang, "home.pause"), "toggle_pause", "pause")]},
        {"type": "divider"},
        section(f"*{t(lang, 'privacy.title')}*\n"
            + t(lang, "privacy.body", min_n=min_n, min_comments=min_comments)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": t(lang, "home.privacy_more")}]},
        {"type": "divider"},
        section(t(lang, "home.resources", text=esc(resources))),
    ]


def admin_blocks(summary: list[str]) -> list[dict]:
    """Admin-only: configuration at a glance, and the buttons to change it."""
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "candor · admin"}},
        section("\n".join(summary)),
        {"type": "actions", "block_id": "admin", "elements": [
            button("Questions", "open_questions"),
            button("Support resources", "open_resources"),
            button("Privacy thresholds", "open_privacy"),
            button("Schedule", "open_schedule"),
        ]},
        {"type": "divider"},
    ]


def home_view(blocks: list[dict]) -> dict:
    return {"type": "home", "blocks": blocks[:100]}
