"""The digest's **Details** button: a modal with the test behind each verdict."""

from __future__ import annotations

from bot.blocks.digest_details import details_modal, unavailable_modal
from bot.listeners._util import asker, open_form, say_form_failed
from bot.services import digests
from bot.services.errors import ServiceError


def digest_details(ack, body, context, client):
    ack()
    c, team, user = asker(context, body)
    trigger = body.get("trigger_id")
    value = ((body.get("actions") or [{}])[0] or {}).get("value") or ""
    if not (team and user and trigger):
        return
    try:
        # The round is looked up in the clicker's own workspace only.
        view = details_modal(digests.build(c, team, int(value))[0])
    except (ServiceError, ValueError):
        view = unavailable_modal("The details of this digest are no longer available.")
    if not open_form(c, trigger, view, team=team):
        say_form_failed(c, body, user)
