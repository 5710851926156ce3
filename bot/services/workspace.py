"""Who is asked and where the digest goes: audience channels and the digest
channel. Each returns the text to show the admin."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.context import Candor
from bot.services.errors import ServiceError
from storage import workspaces


def ensure(c: Candor, team_id: str, enterprise_id: str | None = None) -> None:
    """Make sure candor knows this workspace (first contact creates it)."""
    workspaces.ensure_committed(c.db, team_id, enterprise_id)


def channel_info(c: Candor, team_id: str, channel: str, then: str = "try again") -> dict:
    """conversations.info; a channel candor can't see (private, not invited)
    becomes a message saying what to do, ending with `then`."""
    try:
        return c.client_for(team_id).conversations_info(channel=channel)["channel"]
    except SlackApiError as e:
        if e.response.get("error") == "channel_not_found":
            raise ServiceError(
                f"I can't see <#{channel}>. If it's private, invite me there first "
                f"(`/invite @candor`), then {then}.") from None
        raise


def _channel_name(c: Candor, team_id: str, channel: str, given: str | None) -> str:
    return channel_info(c, team_id, channel).get("name") or given or channel


def _audience_channel(c: Candor, team_id: str, channel: str, given: str | None) -> str:
    """The channel's name, once it is known to be this workspace's. On
    Enterprise Grid one org-wide token sees every workspace's channels; an
    audience channel belongs to the workspace where it was added, whose
    roster (users.list with its team_id) decides who in it is invited. A
    channel of another workspace of the org is refused."""
    info = channel_info(c, team_id, channel)
    teams = info.get("shared_team_ids") or (
        [info["context_team_id"]] if info.get("context_team_id") else [])
    if teams and team_id not in teams and not info.get("is_org_shared"):
        raise ServiceError(f"<#{channel}> belongs to another workspace of your organization. "
                           "Add it from that workspace, where its members are invited.")
    return info.get("name") or given or channel


def audience_add(c: Candor, team_id: str, channel: str, name: str | None) -> str:
    label = _audience_channel(c, team_id, channel, name)
    with c.db.session() as s:
        workspaces.ensure(s, team_id)
        if workspaces.has_audience(s, team_id, channel):
            return f"<#{channel}> is already an audience channel."
        workspaces.add_audience(s, team_id, channel, label)
    return (f"Added <#{channel}>. Its members will be invited to check-ins from the next round; "
            f"in digests they are the team *{label}*.")


def audience_remove(c: Candor, team_id: str, channel: str) -> str:
    with c.db.session() as s:
        n = workspaces.remove_audience(s, team_id, channel)
    if not n:
        return f"<#{channel}> isn't an audience channel. See `/candor audience list`."
    return f"Removed <#{channel}>. Its members won't be invited from the next round."


def audience_list(c: Candor, team_id: str) -> str:
    with c.db.session() as s:
        rows = workspaces.audiences(s, team_id)
    if not rows:
        return "No audience channels yet. Add one with `/candor audience add #channel`."
    return "*Audience channels*\n" + "\n".join(
        f"• <#{a.channel_id}> (team *{a.channel_name}*)" for a in rows)


def digest_channel(c: Candor, team_id: str, channel: str, name: str | None) -> str:
    _channel_name(c, team_id, channel, name)
    with c.db.session() as s:
        workspaces.update(s, team_id, digest_channel=channel)
    return f"Digests will be posted in <#{channel}>."
