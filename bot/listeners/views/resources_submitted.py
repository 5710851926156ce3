"""The support-resources modal's **Save**."""

from __future__ import annotations

from bot.blocks.admin import message_modal, submitted
from bot.listeners._util import admin_save
from bot.services import home, settings
from bot.services.errors import Invalid


def resources_submitted(ack, body, context):
    who = admin_save(ack, body, context)
    if who is None:
        return
    c, team, user = who
    try:
        shown = settings.set_resources(c, team, submitted(body.get("view") or {}).get("text"))
    except Invalid as e:
        ack(response_action="errors", errors={"text": e.short})
        return
    ack(response_action="update", view=message_modal(
        "Support resources", f"Saved. After a hard answer, people will now see:\n\n{shown}"))
    home.republish_home(c, team, user)
