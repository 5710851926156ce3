"""The leaders' **Staff summary…** button: the preview of "you said, we
did", or a refusal for anyone who may not publish it."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.blocks.loop import notice_modal
from bot.listeners._util import asker, open_form, say_form_failed
from bot.services import staff_summary
from bot.services.errors import SLACK_DOWN, ServiceError


def open_staff_summary(ack, body, context):
    ack()
    c, team, user = asker(context, body)
    trigger = body.get("trigger_id")
    if not (team and user and trigger):
        return
    try:
        view = staff_summary.form(c, team, user)
    except ServiceError as e:
        view = notice_modal("Staff summary", str(e))
    except SlackApiError:
        view = notice_modal("Staff summary", SLACK_DOWN)
    if not open_form(c, trigger, view, team=team):
        say_form_failed(c, body, user)
