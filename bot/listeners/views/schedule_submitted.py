"""The schedule modal's **Save**."""

from __future__ import annotations

from bot import settings_commands
from bot.listeners._util import admin_save
from bot.views.admin import message_modal, submitted


def schedule_submitted(ack, body, context):
    who = admin_save(ack, body, context)
    if who is None:
        return
    c, team, user = who
    v = submitted(body.get("view") or {})
    every = v.get("every")
    window = (v.get("window") or "").strip()
    weekday = v.get("weekday")
    if not (window.isascii() and window.isdigit() and 1 <= int(window) <= 14):
        ack(response_action="errors", errors={"window": "Enter a whole number of days from 1 to 14."})
        return
    try:
        settings_commands.set_schedule(
            c, team, None if every in (None, "off") else every,
            int(weekday) if weekday and weekday.isascii() and weekday.isdigit() else None,
            v.get("time"))
    except settings_commands.Invalid as e:
        ack(response_action="errors", errors={e.field or "every": e.short})
        return
    settings_commands.set_window(c, team, int(window))
    settings_commands.set_reminder(c, team, v.get("reminder") != "off")
    ack(response_action="update",
        view=message_modal("Schedule", settings_commands.schedule_text(c, team)))
    settings_commands.republish_home(c, team, user)
