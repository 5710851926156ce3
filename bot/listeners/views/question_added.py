"""The custom-question form's **Add**: validate, store, refresh the list below it."""

from __future__ import annotations

from bot.blocks.admin import admin_only_modal, submitted
from bot.listeners._util import asker
from bot.services import settings
from bot.services.errors import Invalid
from bot.services.people import is_admin


def question_added(ack, body, context, client):
    c, team, user = asker(context, body)
    view = body.get("view") or {}
    if not (team and user and is_admin(c, team, user)):
        ack(response_action="update", view=admin_only_modal())
        return
    v = submitted(view)
    try:
        settings.add_question(c, team, v.get("text_en"), v.get("text_es"),
                                       v.get("scale"), v.get("theme"))
    except Invalid as e:
        ack(response_action="errors", errors={e.field or "text_en": e.short})
        return
    ack()  # closes this form; the list it was pushed from is underneath
    if view.get("previous_view_id"):
        client.views_update(view_id=view["previous_view_id"],
                            view=settings.questions_view(c, team))
