"""The privacy-thresholds modal's **Save**."""

from __future__ import annotations

from bot.blocks.admin import message_modal, submitted
from bot.listeners._util import admin_save
from bot.services import home, settings
from bot.services.errors import Invalid


def _whole(value: str | None) -> int | None:
    v = (value or "").strip()
    return int(v) if v.isascii() and v.isdigit() and len(v) <= 4 else None


def privacy_submitted(ack, body, context):
    who = admin_save(ack, body, context)
    if who is None:
        return
    c, team, user = who
    v = submitted(body.get("view") or {})
    scores, comments = _whole(v.get("scores")), _whole(v.get("comments"))
    errors = {k: "Enter a whole number from 3 to 100." for k, n in
              (("scores", scores), ("comments", comments)) if n is None}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        text = settings.set_thresholds(c, team, scores=scores, comments=comments)
    except Invalid as e:
        ack(response_action="errors", errors={e.field or "scores": e.short})
        return
    ack(response_action="update", view=message_modal("Privacy thresholds", text))
    home.republish_home(c, team, user)
