"""Helpers shared by listeners: the Candor context, who is asking, admin saves."""

from __future__ import annotations

from bot.blocks.admin import admin_only_modal
from bot.context import Candor
from bot.services.people import is_admin


def candor(context) -> Candor:
    return context["candor"]


def team_of(context, body: dict) -> str | None:
    team = context.get("team_id") or (body.get("team") or {}).get("id") or body.get("team_id")
    return team if isinstance(team, str) and team else None


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
