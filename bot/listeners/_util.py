"""Helpers shared by listeners: the Candor context and friendly failure."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError

from bot.context import Candor

log = logging.getLogger("candor.listeners")

DB_DOWN = ("candor can't reach its database right now, so nothing was changed. "
           "Please try again in a minute.")
SLACK_DOWN = "Slack didn't answer candor just now, so nothing was changed. Please try again shortly."
UNEXPECTED = "Something went wrong on candor's side and nothing was changed. Please try again."


def candor(context) -> Candor:
    return context["candor"]


def team_of(context, body: dict) -> str | None:
    team = context.get("team_id") or (body.get("team") or {}).get("id") or body.get("team_id")
    return team if isinstance(team, str) and team else None


def friendly(exc: BaseException) -> str:
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, OperationalError | DBAPIError):
        return DB_DOWN
    if isinstance(exc, SlackApiError):
        return SLACK_DOWN
    return UNEXPECTED


def asker(context, body: dict) -> tuple[Candor, str | None, str | None]:
    """(candor, team id, user id) of whoever sent this payload."""
    user = body.get("user")
    uid = user.get("id") if isinstance(user, dict) else None
    return candor(context), team_of(context, body), uid if isinstance(uid, str) else None


def admin_save(ack, body: dict, context) -> tuple[Candor, str, str] | None:
    """For an admin modal's Save: who sent it, if they are an admin. Otherwise
    the modal becomes a refusal (payloads can be crafted) and None is returned."""
    from bot.people import is_admin
    from bot.views.admin import admin_only_modal

    c, team, user = asker(context, body)
    if not (team and user and is_admin(c, team, user)):
        ack(response_action="update", view=admin_only_modal())
        return None
    return c, team, user
