"""**Commit** (in the digest or the leaders' App Home): open the modal that
turns an action into a tracked one. Only digest-channel members get the
form; anyone else gets a refusal in its place."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.blocks.loop import notice_modal
from bot.listeners._util import asker, open_form, say_form_failed
from bot.services import loop
from bot.services.errors import SLACK_DOWN


def commit_action(ack, body, context):
    ack()
    c, team, user = asker(context, body)
    trigger = body.get("trigger_id")
    value = str(((body.get("actions") or [{}])[0] or {}).get("value") or "")
    if not (team and user and trigger):
        return
    try:
        view = loop.commit_form(c, team, user, value)
    except SlackApiError:
        view = notice_modal("candor", SLACK_DOWN)
    if not open_form(c, trigger, view, team=team):
        say_form_failed(c, body, user)
