"""The support-resources modal's **Save**."""

from __future__ import annotations

from bot import settings_commands
from bot.listeners._util import candor, team_of
from bot.people import is_admin
from bot.views.admin import admin_only_modal, message_modal, submitted


def resources_submitted(ack, body, context):
    c = candor(context)
    team = team_of(context, body)
    user = (body.get("user") or {}).get("id")
    if not (team and user and is_admin(c, team, user)):
        ack(response_action="update", view=admin_only_modal())
        return
    try:
        shown = settings_commands.set_resources(c, team, submitted(body.get("view") or {}).get("text"))
    except settings_commands.Invalid as e:
        ack(response_action="errors", errors={"text": e.short})
        return
    ack(response_action="update", view=message_modal(
        "Support resources", f"Saved. After a hard answer, people will now see:\n\n{shown}"))
    settings_commands.republish_home(c, team, user)
