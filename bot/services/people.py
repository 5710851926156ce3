"""People: the roster read from Slack, who is invited, who is an admin, which
language they read, and the comment scrubber built from their names."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from analytics.text.scrub import Scrubber
from bot.context import Candor
from bot.i18n import lang_for
from bot.slackapi import directory
from storage import rounds as round_rows
from storage import workspaces
from storage.models import Person

LOOKUP_TTL = 60.0  # admin rights and languages are re-read from Slack after this


def refresh_roster(c: Candor, team_id: str) -> dict[str, Person]:
    people = {m.user_id: Person(team_id=team_id, user_id=m.user_id, names=m.names, tz=m.tz,
                                locale=m.locale, active=m.active)
              for m in directory.members(c.client_for(team_id), team_id)}
    with c.db.session() as s:
        workspaces.replace_roster(s, team_id, list(people.values()), c.now())
    return people


def roster_and_audience(c: Candor, team_id: str) -> tuple[dict[str, Person], dict[str, str]]:
    """The refreshed roster and who to invite. users.list (Tier 2) and the
    audience channels' members (Tier 4) are paged at the same time: opening
    a round then takes about as long as users.list alone."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="roster") as ex:
        members = ex.submit(_channel_members, c, team_id)
        roster = refresh_roster(c, team_id)
        return roster, audience(c, team_id, roster, members.result())


def _channel_members(c: Candor, team_id: str) -> list[tuple[str, list[str]]]:
    with c.db.session() as s:
        channels = [(a.channel_id, a.channel_name) for a in workspaces.audiences(s, team_id)]
    return [(label, directory.channel_members(c.client_for(team_id), channel_id))
            for channel_id, label in channels]


def audience(c: Candor, team_id: str, people: dict[str, Person],
             members: list[tuple[str, list[str]]]) -> dict[str, str]:
    """user id -> team label. Someone in two audience channels belongs to the
    first by name, so teams stay a partition and every person counts once."""
    with c.db.session() as s:
        paused = workspaces.paused_ids(s, team_id)
    invite: dict[str, str] = {}
    for label, uids in members:
        for uid in uids:
            p = people.get(uid)
            if p is None or not p.active or uid in paused or uid in invite:
                continue
            invite[uid] = label
    return invite


def scrubber(c: Candor, team_id: str) -> Scrubber:
    """The comment scrubber for this workspace's roster. Compiling it for
    thousands of names takes a noticeable moment, so it is kept until the
    roster is next refreshed (at each round's opening)."""
    cache = c.cache.setdefault("scrubber", {})
    with c.db.session() as s:
        version = workspaces.roster_version(s, team_id)
        hit = cache.get(team_id)
        names = None if hit and hit[0] == version else workspaces.roster_names(s, team_id)
    if names is not None:
        hit = cache[team_id] = (version, Scrubber(names))
    return hit[1]


def keep_scrubbers_warm(c: Candor, every: float = 30.0,
                        stop: threading.Event | None = None) -> threading.Thread:
    """Web processes: when another process (the clock, opening a round)
    refreshed a roster, rebuild its scrubber here, off the request path, so
    no submit waits for it."""
    stop = stop or threading.Event()

    def warm() -> None:
        while True:
            try:
                with c.db.session() as s:
                    teams = {team for team, _ in round_rows.open_everywhere(s)}
                for team in sorted(teams):
                    scrubber(c, team)
            except Exception as e:  # a database hiccup: next time
                logging.getLogger("candor.people").warning(
                    "scrubber warm-up skipped: %s", type(e).__name__)
            if stop.wait(every):
                return

    t = threading.Thread(target=warm, name="scrubber-warm", daemon=True)
    t.start()
    return t


def _cached(c: Candor, kind: str, key: tuple):
    hit = c.cache.setdefault(kind, {}).get(key)
    return hit[1] if hit and time.monotonic() - hit[0] < LOOKUP_TTL else None


def _remember(c: Candor, kind: str, key: tuple, value) -> None:
    c.cache.setdefault(kind, {})[key] = (time.monotonic(), value)


def is_admin(c: Candor, team_id: str, user_id: str) -> bool:
    """Workspace admins and owners (users.info), plus CANDOR_ADMINS (see
    Settings.is_listed_admin: with many workspaces, per workspace)."""
    if c.settings.is_listed_admin(team_id, user_id):
        return True
    key = (team_id, user_id)
    hit = _cached(c, "admin", key)
    if hit is not None:
        return hit
    try:
        # Before the ack: one quick try, so a struggling Slack gets a clear
        # "try again" inside Slack's 3 seconds instead of silence.
        u = directory.user(c.client_for(team_id, "quick"), user_id)
    except SlackApiError as e:
        if e.response.get("error") in ("user_not_found", "user_not_visible"):
            return False
        raise  # Slack is struggling: say so, rather than wrongly refuse an admin
    # In this workspace, or the Grid org it belongs to (org admins count).
    ok = directory.is_admin_in(u, team_id, workspace_enterprise(c, team_id))
    _remember(c, "admin", key, ok)
    return ok


def workspace_enterprise(c: Candor, team_id: str) -> str | None:
    """The Grid org a workspace belongs to, as candor recorded it (None outside Grid)."""
    with c.db.session() as s:
        ws = workspaces.get(s, team_id)
        return ws.enterprise_id if ws is not None else None


def lang_of(c: Candor, team_id: str, user_id: str) -> str:
    with c.db.session() as s:
        p = workspaces.person(s, team_id, user_id)
        if p is not None and p.locale:
            return lang_for(p.locale)
    key = (team_id, user_id)
    hit = _cached(c, "lang", key)
    if hit is not None:
        return hit
    try:
        lang = lang_for(directory.user(c.client_for(team_id, "quick"), user_id,
                                       locale=True).get("locale"))
    except Exception:
        return "en"
    _remember(c, "lang", key, lang)
    return lang


def set_paused(c: Candor, team_id: str, user_id: str, paused: bool) -> None:
    try:
        with c.db.session() as s:
            workspaces.ensure(s, team_id)
            workspaces.set_paused(s, team_id, user_id, paused)
    except IntegrityError:
        pass  # a double click paused them a moment ago: the outcome is the same


def is_paused(c: Candor, team_id: str, user_id: str) -> bool:
    with c.db.session() as s:
        return workspaces.is_paused(s, team_id, user_id)
