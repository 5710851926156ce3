"""Step 1 of the staff summary (comments picked): close it, then open the
exact text for confirmation with the submit's own trigger, after the ack."""

from __future__ import annotations

from bot.blocks.loop import form_values, notice_modal
from bot.listeners._util import asker, open_form, row_id
from bot.services import staff_summary
from bot.services.errors import ServiceError


def staff_summary_picked(ack, body, context):
    c, team, user = asker(context, body)
    view = body.get("view") or {}
    if not (team and user and staff_summary.may_publish(c, team, user)):
        ack(response_action="update", view=notice_modal("Staff summary", staff_summary.REFUSAL))
        return
    ack()
    chosen = form_values(view).get("comments")
    picked = tuple(i for i in map(row_id, chosen or []) if i is not None)
    try:
        nxt = staff_summary.review(c, team, user, view.get("private_metadata") or "", picked)
    except ServiceError as e:
        nxt = notice_modal("Staff summary", str(e))
    if body.get("trigger_id"):
        open_form(c, body["trigger_id"], nxt, team=team)
