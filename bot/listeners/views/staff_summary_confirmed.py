"""**Publish** on the staff summary: checked again, acked at once, then sent
(posted, or queued as DMs); the leader gets the outcome by DM."""

from __future__ import annotations

from bot.blocks.loop import notice_modal
from bot.listeners._util import asker
from bot.services import staff_summary
from bot.services.errors import ServiceError, friendly


def staff_summary_confirmed(ack, body, context):
    c, team, user = asker(context, body)
    view = body.get("view") or {}
    if not (team and user and staff_summary.may_publish(c, team, user)):
        ack(response_action="update", view=notice_modal("Staff summary", staff_summary.REFUSAL))
        return
    ack(response_action="update", view=notice_modal(
        "Staff summary", "Publishing… candor will tell you in your DM when it has gone."))
    try:
        text = staff_summary.publish(c, team, user, view.get("private_metadata") or "")
    except ServiceError as e:
        text = str(e)
    except Exception as e:
        c.log.exception("staff summary not published")
        text = friendly(e)
    try:
        c.client_for(team).chat_postMessage(channel=user, text=text)
    except Exception as e:
        c.log.warning("could not tell the leader how publishing went: %s", type(e).__name__)
