"""Who is in the workspace, read from Slack: users.list (Tier 2) and
conversations.members, paged with Slack's recommended limit, and one user's
record from users.info."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from slack_sdk import WebClient

PAGE = 200  # Slack: "we recommend no more than 200 results at a time"


@dataclass(frozen=True)
class Member:
    user_id: str
    names: list[str]
    tz: str | None
    locale: str | None
    active: bool  # a human who can be invited


def pages(call, key: str, **kwargs) -> Iterator:
    """Every item under `key` across a cursor-paginated Slack method."""
    cursor = None
    while True:
        resp = call(limit=PAGE, cursor=cursor, **kwargs)
        yield from resp.get(key, [])
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _names(m: dict) -> list[str]:
    p = m.get("profile") or {}
    raw = {m.get("name"), m.get("real_name"), p.get("real_name"), p.get("display_name"),
           p.get("first_name"), p.get("last_name")}
    return sorted(n.strip() for n in raw if n and n.strip())


def is_invitable(m: dict) -> bool:
    """Humans only: no bots, apps, deleted users or Slackbot."""
    return not (m.get("deleted") or m.get("is_bot") or m.get("is_app_user")
                or m.get("id") == "USLACKBOT")


def is_workspace_admin(u: dict) -> bool:
    return bool(u.get("is_admin") or u.get("is_owner") or u.get("is_primary_owner")) \
        and not u.get("deleted")


def is_admin_in(u: dict, team_id: str, enterprise_id: str | None = None) -> bool:
    """Whether users.info's `u` may run candor's admin commands in workspace
    `team_id`: an admin or owner of that very workspace, or, on Enterprise
    Grid, an admin or owner of the org the workspace belongs to
    (`enterprise_user`). A workspace admin elsewhere in the org, or anyone
    from another org (Slack Connect), is not."""
    if u.get("deleted"):
        return False
    org = u.get("enterprise_user") or {}
    if org.get("is_admin") or org.get("is_owner") or org.get("is_primary_owner"):
        if enterprise_id and org.get("enterprise_id") == enterprise_id:
            return True
    # Top-level flags are about the user's own workspace (`team_id`).
    return is_workspace_admin(u) and u.get("team_id", team_id) == team_id


def members(client: WebClient, team_id: str | None = None) -> list[Member]:
    """The workspace's people. `team_id` is required with an org-wide (Grid)
    token and ignored with a workspace's own (Slack's users.list docs)."""
    extra = {"team_id": team_id} if team_id else {}
    return [Member(user_id=m["id"], names=_names(m), tz=m.get("tz"), locale=m.get("locale"),
                   active=is_invitable(m))
            for m in pages(client.users_list, "members", include_locale=True, **extra)]


def channel_members(client: WebClient, channel_id: str) -> list[str]:
    return list(pages(client.conversations_members, "members", channel=channel_id))


def user(client: WebClient, user_id: str, *, locale: bool = False) -> dict:
    return client.users_info(user=user_id, include_locale=locale)["user"]
