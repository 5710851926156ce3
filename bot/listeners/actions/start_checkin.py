"""The DM's **Start check-in** button: open the modal (or say why not)."""

from __future__ import annotations

from bot.blocks.checkin import checkin_modal, refusal_modal
from bot.listeners._util import asker, open_form, say, say_form_failed
from bot.services import ballots
from bot.services.errors import DB_DOWN, DatabaseError
from bot.services.people import lang_of


def _ticket(body: dict) -> str | None:
    """The one-time ticket the invitation's button carries."""
    try:
        value = body["actions"][0]["value"]
    except (KeyError, IndexError, TypeError):
        return None
    return value if isinstance(value, str) and value else None


def _dm_of(body: dict) -> dict:
    """Where the invitation sits, so the submit can mark it answered."""
    container = body.get("container") or {}
    return {"c": container.get("channel_id") or (body.get("channel") or {}).get("id"),
            "ts": container.get("message_ts")}


def start_checkin(ack, body, context, client):
    ack()  # within 3 s; the trigger_id is good for 3 s too, so open promptly
    c, team, user = asker(context, body)
    trigger = body.get("trigger_id")
    ticket = _ticket(body)
    if not (team and user and trigger and ticket):
        return
    try:
        lang = lang_of(c, team, user)
        form = ballots.checkin_form(c, team, ticket)
    except DatabaseError:
        say(c, body, user, DB_DOWN)  # v1 silently did nothing
        return
    view = (refusal_modal(lang, form.refusal) if form.refusal
            # The language rides along, so the submit needn't look the person up.
            else checkin_modal(lang, form.questions, {"k": ticket, "l": lang, **_dm_of(body)},
                               form.ask, form.pulse))
    if not open_form(c, trigger, view, team=team):
        say_form_failed(c, body, user, lang)
    elif not form.refusal:
        # The modal is open: get this process ready for the submit.
        ballots.warm(c, team)
