"""The questions modal's **Add a custom question**: push the form on top."""

from __future__ import annotations

from bot.blocks.admin import add_question_modal, admin_only_modal
from bot.listeners._util import asker, open_form, say_form_failed
from bot.services.people import is_admin


def add_question(ack, body, context, client):
    ack()
    c, team, user = asker(context, body)
    trigger = body.get("trigger_id")
    if not (team and user and trigger):
        return
    view = add_question_modal() if is_admin(c, team, user) else admin_only_modal()
    if not open_form(c, trigger, view, push=True, team=team):
        say_form_failed(c, body, user)
