"""The questions modal's per-item menu: enable, disable, move up or down."""

from __future__ import annotations

from bot.blocks.admin import admin_only_modal
from bot.listeners._util import asker
from bot.services import settings
from bot.services.errors import Invalid
from bot.services.people import is_admin


def question_menu(ack, body, context, client):
    ack()
    c, team, user = asker(context, body)
    view_id = (body.get("view") or {}).get("id")
    act = (body.get("actions") or [{}])[0] or {}
    value = str((act.get("selected_option") or {}).get("value") or "")
    if not (team and user and view_id):
        return
    if not is_admin(c, team, user):
        client.views_update(view_id=view_id, view=admin_only_modal())
        return
    op, _, key = value.partition(":")
    notice = None
    try:
        settings.change_question(c, team, op, key)
    except Invalid as e:
        notice = str(e)
    client.views_update(view_id=view_id, view=settings.questions_view(c, team, notice))
