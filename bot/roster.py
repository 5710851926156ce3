"""Who is in the workspace and in the audience channels.

Read with users.list (Tier 2, 1000 a page) rather than per-user users.info, and
conversations.members per audience channel.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from analytics.text.scrub import Scrubber
from bot.context import Candor
from storage.models import Audience, Pause, Person, Workspace


def _names(m: dict) -> list[str]:
    p = m.get("profile") or {}
    raw = {m.get("name"), m.get("real_name"), p.get("real_name"), p.get("display_name"),
           p.get("first_name"), p.get("last_name")}
    return sorted(n.strip() for n in raw if n and n.strip())


def is_invitable(m: dict) -> bool:
    """Humans only: no bots, apps, deleted users or Slackbot."""
    return not (m.get("deleted") or m.get("is_bot") or m.get("is_app_user")
                or m.get("id") == "USLACKBOT")


def refresh_roster(c: Candor, team_id: str) -> dict[str, Person]:
    people: dict[str, Person] = {}
    cursor = None
    while True:
        resp = c.client.users_list(limit=1000, cursor=cursor, include_locale=True)
        for m in resp.get("members", []):
            people[m["id"]] = Person(
                team_id=team_id, user_id=m["id"], names=_names(m), tz=m.get("tz"),
                locale=m.get("locale"),
                is_admin=bool(m.get("is_admin") or m.get("is_owner") or m.get("is_primary_owner")),
                active=is_invitable(m),
            )
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    with c.db.session() as s:
        s.execute(delete(Person).where(Person.team_id == team_id))
        s.add_all(people.values())
        ws = s.get(Workspace, team_id)
        if ws is not None:
            ws.roster_refreshed_at = c.now()
    return people


def channel_members(c: Candor, channel_id: str) -> list[str]:
    out: list[str] = []
    cursor = None
    while True:
        resp = c.client.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
        out += resp.get("members", [])
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return out


def audience(c: Candor, team_id: str, people: dict[str, Person]) -> dict[str, str]:
    """user id -> team label. Someone in two audience channels belongs to the
    first by name, so teams stay a partition and every person counts once."""
    with c.db.session() as s:
        channels = s.scalars(select(Audience).where(Audience.team_id == team_id)
                             .order_by(Audience.channel_name, Audience.channel_id)).all()
        paused = set(s.scalars(select(Pause.user_id).where(Pause.team_id == team_id)))
    invite: dict[str, str] = {}
    for ch in channels:
        for uid in channel_members(c, ch.channel_id):
            p = people.get(uid)
            if p is None or not p.active or uid in paused or uid in invite:
                continue
            invite[uid] = ch.channel_name
    return invite


def roster_names(c: Candor, team_id: str) -> list[str]:
    with c.db.session() as s:
        rows = s.scalars(select(Person.names).where(Person.team_id == team_id)).all()
    return [n for names in rows for n in (names or [])]


def scrubber(c: Candor, team_id: str):
    """The comment scrubber for this workspace's roster. Compiling it for
    thousands of names takes a noticeable moment, so it is kept until the
    roster is next refreshed (at each round's opening)."""
    with c.db.session() as s:
        ws = s.get(Workspace, team_id)
        version = ws.roster_refreshed_at if ws else None
    cache = c.cache.setdefault("scrubber", {})
    hit = cache.get(team_id)
    if hit is None or hit[0] != version:
        hit = cache[team_id] = (version, Scrubber(roster_names(c, team_id)))
    return hit[1]
