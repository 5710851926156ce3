"""Who is asking: admin rights and language, from the roster cache or Slack."""

from __future__ import annotations

import time

from slack_sdk.errors import SlackApiError

from bot.context import Candor
from bot.i18n import lang_for
from storage.models import Person

ADMIN_TTL = 60.0


def is_admin(c: Candor, team_id: str, user_id: str) -> bool:
    """Workspace admins and owners (users.info), plus CANDOR_ADMINS."""
    if user_id in c.settings.admins:
        return True
    key = (team_id, user_id)
    admins = c.cache.setdefault("admin", {})
    hit = admins.get(key)
    if hit and time.monotonic() - hit[0] < ADMIN_TTL:
        return hit[1]
    try:
        # Before the ack: one quick try, so a struggling Slack gets a clear
        # "try again" inside Slack's 3 seconds instead of silence.
        u = (c.quick or c.client).users_info(user=user_id)["user"]
    except SlackApiError as e:
        if e.response.get("error") in ("user_not_found", "user_not_visible"):
            return False
        raise  # Slack is struggling: say so, rather than wrongly refuse an admin
    ok = bool(u.get("is_admin") or u.get("is_owner") or u.get("is_primary_owner")) \
        and not u.get("deleted") and u.get("team_id", team_id) == team_id
    admins[key] = (time.monotonic(), ok)
    return ok


def lang_of(c: Candor, team_id: str, user_id: str) -> str:
    with c.db.session() as s:
        p = s.get(Person, (team_id, user_id))
        if p is not None and p.locale:
            return lang_for(p.locale)
    key = (team_id, user_id)
    langs = c.cache.setdefault("lang", {})
    hit = langs.get(key)
    if hit and time.monotonic() - hit[0] < ADMIN_TTL:
        return hit[1]
    try:
        u = (c.quick or c.client).users_info(user=user_id, include_locale=True)["user"]
        lang = lang_for(u.get("locale"))
    except Exception:
        return "en"
    langs[key] = (time.monotonic(), lang)
    return lang
