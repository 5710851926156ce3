"""The one Block Kit kit every builder uses: text objects, sections, buttons,
mrkdwn escaping and truncation that never splits an escape or a mention.
Pure functions: data in, JSON out."""

from __future__ import annotations

import re

MAX_TEXT = 3000  # a section's text
MAX_PLAIN = 150  # labels and headers
MAX_BUTTON = 75

# An escape (&amp;) or a Slack entity (<#C…|name>, <@U…>, <!here>) must be cut
# whole or not at all.
_ENTITY = re.compile(r"&[a-z]+;|<[^<>]*>")


def esc(s: str) -> str:
    """Escape for Slack mrkdwn: &, <, > (so text can't mention people or channels)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(s: str, limit: int) -> str:
    """At most `limit` characters, ending in … when cut, never inside an entity."""
    if len(s) <= limit:
        return s
    end = limit - 1
    for m in _ENTITY.finditer(s, 0, limit + 32):
        if m.start() < end < m.end():
            end = m.start()
            break
    return s[:end] + "…"


def title(text: str, limit: int = 24) -> dict:
    """A modal's title, close or submit label (24 characters at most): cut
    at a word, never mid-word ("How candor keeps you ano")."""
    if len(text) <= limit:
        return plain(text)
    words = text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return plain((words or text[:limit - 1]) + "…")


def plain(text: str, limit: int = MAX_PLAIN) -> dict:
    return {"type": "plain_text", "text": cut(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = MAX_TEXT) -> dict:
    return {"type": "mrkdwn", "text": cut(text, limit)}


def section(text: str) -> dict:
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(text)]}


def divider() -> dict:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str | None = None,
           style: str | None = None) -> dict:
    """A button; `value` is left out when there is none (Slack rejects "")."""
    b: dict = {"type": "button", "action_id": action_id, "text": plain(text, MAX_BUTTON)}
    if value:
        b["value"] = value
    if style:
        b["style"] = style
    return b
