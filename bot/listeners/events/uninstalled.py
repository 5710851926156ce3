"""app_uninstalled and tokens_revoked (many workspaces only): forget the
workspace's tokens and stop its schedule (bot/services/installs.py)."""

from __future__ import annotations

import logging

from bot.listeners._util import candor, team_of
from bot.services import installs

log = logging.getLogger("candor.events")


def app_uninstalled(body, context):
    _forget(context, body)


def tokens_revoked(event, body, context):
    # candor asks for no user tokens: only the bot's revocation matters.
    if (event.get("tokens") or {}).get("bot"):
        _forget(context, body)


def _forget(context, body: dict) -> None:
    enterprise = context.enterprise_id or body.get("enterprise_id")
    try:
        installs.uninstalled(candor(context), team_of(context, body), enterprise)
    except Exception:
        log.exception("could not record an uninstall")
