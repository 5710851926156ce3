"""Publish App Home whenever someone opens it."""

from __future__ import annotations

import logging

from bot.listeners._util import candor, team_of
from bot.services.home import publish_home

log = logging.getLogger("candor.events")


def app_home_opened(event, body, context):
    if event.get("tab", "home") != "home":
        return
    team, user = team_of(context, body), event.get("user")
    if team and user:
        try:
            publish_home(candor(context), team, user)
        except Exception:
            log.exception("could not publish App Home")
