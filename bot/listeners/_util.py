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
