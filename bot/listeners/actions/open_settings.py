"""App Home's admin buttons: open the same modals as the `/candor` commands."""

from __future__ import annotations

import re

from bot.blocks.admin import admin_only_modal
from bot.listeners._util import asker, open_form, say_form_failed
from bot.services import settings
from bot.services.people import is_admin

SETTINGS_BUTTON = re.compile(r"^open_(questions|resources|privacy|schedule)$")


def open_settings(ack, body, context, client):
    ack()
    c, team, user = asker(context, body)
    trigger = body.get("trigger_id")
    action = ((body.get("actions") or [{}])[0] or {}).get("action_id") or ""
    which = SETTINGS_BUTTON.match(action)
    if not (team and user and trigger and which):
        return
    # The buttons only show for admins, but a payload can be crafted: check again.
    view = (settings.modal_for(c, team, which.group(1)) if is_admin(c, team, user)
            else admin_only_modal())
    if not open_form(c, trigger, view, team=team):
        say_form_failed(c, body, user)
