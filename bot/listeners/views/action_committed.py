"""The Commit modal's submit: checked again (a payload can be forged), then
saved and answered inside the ack; the owner hears about it after."""

from __future__ import annotations

from bot.blocks.loop import form_values, leaders_only_modal, notice_modal
from bot.listeners._util import asker
from bot.services import home, loop
from bot.services.errors import Invalid


def action_committed(ack, body, context):
    c, team, user = asker(context, body)
    view = body.get("view") or {}
    if not (team and user and loop.is_leader(c, team, user)):
        ack(response_action="update", view=leaders_only_modal())
        return
    v = {k: val if isinstance(val, str) else "" for k, val in form_values(view).items()}
    try:
        item = loop.commit(c, team, user, text=v.get("text", ""), answers=v.get("answers", ""),
                           owner=v.get("owner", ""), due=v.get("due", ""),
                           note=v.get("note", ""), meta=view.get("private_metadata") or "")
    except Invalid as e:
        ack(response_action="errors", errors={e.field or "text": e.short})
        return
    ack(response_action="update", view=notice_modal(
        "Action committed", f"Committed. <@{item.owner_id}> owns it and gets a reminder a few "
        "days before it is due; it appears in the next digest's Actions section."))
    loop.tell_owner(c, team, item, user)
    home.republish_home(c, team, user)
