"""The support-resources modal's **Save**."""

from __future__ import annotations

from bot import settings_commands
from bot.listeners._util import admin_save
from bot.views.admin import message_modal, submitted


def resources_submitted(ack, body, context):
    who = admin_save(ack, body, context)
    if who is None:
        return
    c, team, user = who
    try:
        shown = settings_commands.set_resources(c, team, submitted(body.get("view") or {}).get("text"))
    except settings_commands.Invalid as e:
        ack(response_action="errors", errors={"text": e.short})
        return
    ack(response_action="update", view=message_modal(
        "Support resources", f"Saved. After a hard answer, people will now see:\n\n{shown}"))
    settings_commands.republish_home(c, team, user)
