"""**How is this anonymous?**: a modal with the plain-language explanation."""

from __future__ import annotations

from bot.blocks.checkin import privacy_modal
from bot.listeners._util import asker
from bot.services import settings
from bot.services.people import lang_of


def privacy_info(ack, body, context, client):
    ack()
    c, team, user = asker(context, body)
    if not (team and user and body.get("trigger_id")):
        return
    min_n, min_c = settings.thresholds(c, team)
    client.views_open(trigger_id=body["trigger_id"],
                      view=privacy_modal(lang_of(c, team, user), min_n, min_c))
