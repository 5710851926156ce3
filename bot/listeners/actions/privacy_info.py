"""**How is this anonymous?**: a modal with the plain-language explanation."""

from __future__ import annotations

from bot.blocks.checkin import privacy_modal
from bot.listeners._util import asker, open_form, say_form_failed
from bot.services import settings
from bot.services.people import lang_of


def privacy_info(ack, body, context, client):
    ack()
    c, team, user = asker(context, body)
    if not (team and user and body.get("trigger_id")):
        return
    min_n, min_c = settings.thresholds(c, team)
    lang = lang_of(c, team, user)
    if not open_form(c, body["trigger_id"], privacy_modal(lang, min_n, min_c), team=team):
        say_form_failed(c, body, user, lang)
