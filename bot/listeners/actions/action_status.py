"""An action's status buttons (in the owner's reminder DM or App Home):
its owner or a digest-channel member may move it; anyone else is refused
and nothing changes."""

from __future__ import annotations

from bot.blocks.loop import status_confirmation
from bot.listeners._util import asker, row_id, say
from bot.services import home, loop
from bot.services.errors import ServiceError


def action_status(ack, body, context, respond):
    ack()
    c, team, user = asker(context, body)
    value = str(((body.get("actions") or [{}])[0] or {}).get("value") or "")
    raw, _, status = value.partition(":")
    aid = row_id(raw)
    if not (team and user and aid is not None):
        return
    try:
        item = loop.update_status(c, team, user, aid, status)
    except ServiceError as e:
        say(c, body, user, str(e))
        return
    if body.get("response_url"):  # the reminder DM: show the new status in place,
        try:  # in the language of whoever pressed it
            blocks, text = loop.confirmation(c, team, user, item.id)
        except ServiceError:
            blocks, text = status_confirmation(item)
        respond(blocks=blocks, text=text, replace_original=True)
    else:
        home.republish_home(c, team, user)
