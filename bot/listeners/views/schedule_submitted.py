"""The schedule modal's **Save**."""

from __future__ import annotations

from bot.blocks.admin import message_modal, submitted
from bot.listeners._util import admin_save
from bot.services import home, settings
from bot.services.errors import Invalid


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
        settings.set_schedule(
            c, team, None if every in (None, "off") else every,
            int(weekday) if weekday and weekday.isascii() and weekday.isdigit() else None,
            v.get("time"))
    except Invalid as e:
        ack(response_action="errors", errors={e.field or "every": e.short})
        return
    settings.set_window(c, team, int(window))
    settings.set_reminder(c, team, v.get("reminder") != "off")
    ack(response_action="update",
        view=message_modal("Schedule", settings.schedule_text(c, team)))
    home.republish_home(c, team, user)
