"""**How is this anonymous?**: a modal with the plain-language explanation."""

from __future__ import annotations

from bot.listeners._util import asker
from bot.people import lang_of
from bot.views.checkin import privacy_modal
from storage import repository as repo


def privacy_info(ack, body, context, client):
    ack()
    c, team, user = asker(context, body)
    if not (team and user and body.get("trigger_id")):
        return
    with c.db.session() as s:
        ws = repo.workspace(s, team)
        min_n, min_c = ws.min_score_n, ws.min_comment_n
    client.views_open(trigger_id=body["trigger_id"],
                      view=privacy_modal(lang_of(c, team, user), c.settings.ballot_batch, min_n, min_c))
