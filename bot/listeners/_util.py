"""Helpers shared by listeners: the Candor context, who is asking, admin saves."""

from __future__ import annotations

import logging

from bot.blocks.admin import admin_only_modal
from bot.context import Candor
from bot.services.people import is_admin

log = logging.getLogger("candor.listeners")


def candor(context) -> Candor:
    return context["candor"]


def team_of(context, body: dict) -> str | None:
    """The workspace a payload came from. Installed org-wide on Enterprise
    Grid, Slack sends interactivity with `team: null` and events with an
    org-level authorization (no team): the workspace is then the user's
    (`user.team_id`), the view's, or the event envelope's `team_id`."""
    user, view = body.get("user"), body.get("view")
    team = (context.get("team_id") or (body.get("team") or {}).get("id") or body.get("team_id")
            or (user.get("team_id") if isinstance(user, dict) else None)
            or (view.get("team_id") if isinstance(view, dict) else None))
    return team if isinstance(team, str) and team else None


def row_id(value) -> int | None:
    """A database id from a payload (a button's value, a picked option), or
    None: ASCII digits only ("²".isdigit() is true, but int("²") fails) and
    short enough for the database's integer, as a crafted payload may not be."""
    ok = isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12
    return int(value) if ok else None


def asker(context, body: dict) -> tuple[Candor, str | None, str | None]:
    """(candor, team id, user id) of whoever sent this payload."""
    user = body.get("user")
    uid = user.get("id") if isinstance(user, dict) else None
    return candor(context), team_of(context, body), uid if isinstance(uid, str) else None


def admin_save(ack, body: dict, context) -> tuple[Candor, str, str] | None:
    """For an admin modal's Save: who sent it, if they are an admin. Otherwise
    the modal becomes a refusal (payloads can be crafted) and None is returned."""
    c, team, user = asker(context, body)
    if not (team and user and is_admin(c, team, user)):
        ack(response_action="update", view=admin_only_modal())
        return None
    return c, team, user


SLACK_NO_FORM = {
    "en": "Slack didn't open the form in time, so nothing was changed. Please click again.",
    "es": "Slack no abrió el formulario a tiempo, así que no se cambió nada. Vuelve a hacer clic.",
}


def open_form(c: Candor, trigger_id: str, view: dict, *, push: bool = False,
              team: str | None = None) -> bool:
    """views.open (or views.push) exactly once: a trigger_id is single-use and
    lives 3 s, so a retry can only fail, and late. Uses the workspace's
    client without retries (`team`: required with many workspaces); returns
    whether Slack took it."""
    try:
        client = c.client_for(team, "quick")
        (client.views_push if push else client.views_open)(trigger_id=trigger_id, view=view)
        return True
    except Exception as e:
        log.warning("Slack did not open a form: %s", type(e).__name__)
        return False


def say_form_failed(c: Candor, body: dict, user: str, lang: str = "en") -> None:
    """Tell the person, privately where they clicked, that the form didn't open."""
    say(c, body, user, SLACK_NO_FORM.get(lang, SLACK_NO_FORM["en"]))


def say(c: Candor, body: dict, user: str, text: str) -> None:
    """An ephemeral note to the person, where they clicked (or in their DM)."""
    channel = (body.get("container") or {}).get("channel_id") or \
        (body.get("channel") or {}).get("id") or user
    try:
        c.client_for(team_of({}, body)).chat_postEphemeral(channel=channel, user=user, text=text)
    except Exception as e:
        log.warning("could not send a person an ephemeral note: %s", type(e).__name__)
