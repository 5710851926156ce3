"""The digest's **Details** button: a modal with the test behind each verdict.

The digest is for the digest channel (and the admins who preview it), so its
details are too: payloads can be crafted, so anyone else gets a refusal in
the modal's place, as with the digest's **Commit** button."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.blocks.digest_details import details_modal, unavailable_modal
from bot.listeners._util import asker, open_form, row_id, say_form_failed
from bot.services import digests, loop
from bot.services.errors import SLACK_DOWN, ServiceError
from bot.services.people import is_admin

NOT_FOR_YOU = ("Only members of the digest channel and candor's admins can see "
               "a digest's details.")


def digest_details(ack, body, context, client):
    ack()
    c, team, user = asker(context, body)
    trigger = body.get("trigger_id")
    value = ((body.get("actions") or [{}])[0] or {}).get("value") or ""
    if not (team and user and trigger):
        return
    try:
        if not (loop.is_leader(c, team, user) or is_admin(c, team, user)):
            view = unavailable_modal(NOT_FOR_YOU)
        else:
            # The round is looked up in the clicker's own workspace only.
            round_id = row_id(value)
            if round_id is None:  # a crafted value: like any round not found
                raise ServiceError("not a round")
            view = details_modal(digests.build(c, team, round_id)[0])
    except SlackApiError:
        view = unavailable_modal(SLACK_DOWN)
    except (ServiceError, ValueError):
        view = unavailable_modal("The details of this digest are no longer available.")
    if not open_form(c, trigger, view, team=team):
        say_form_failed(c, body, user)
