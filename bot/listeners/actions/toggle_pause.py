"""App Home's pause toggle: stop or restart this person's check-ins."""

from __future__ import annotations

from bot.listeners._util import asker
from bot.services import home, people


def toggle_pause(ack, body, context):
    ack()
    c, team, user = asker(context, body)
    value = ((body.get("actions") or [{}])[0] or {}).get("value")
    if not (team and user) or value not in ("pause", "resume"):
        return
    people.set_paused(c, team, user, value == "pause")
    home.publish_home(c, team, user)
