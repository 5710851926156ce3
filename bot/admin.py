"""What admin commands do. Each returns the text to show the admin."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select

from bot import services
from bot.context import Candor
from storage import repository as repo
from storage.models import Audience


def channel_info(c: Candor, channel: str, then: str = "try again") -> dict:
    """conversations.info; a channel candor can't see (private, not invited)
    becomes a message saying what to do, ending with `then`."""
    try:
        return c.client.conversations_info(channel=channel)["channel"]
    except SlackApiError as e:
        if e.response.get("error") == "channel_not_found":
            raise services.ServiceError(
                f"I can't see <#{channel}>. If it's private, invite me there first "
                f"(`/invite @candor`), then {then}.") from None
        raise


def _channel_name(c: Candor, channel: str, given: str | None) -> str:
    return channel_info(c, channel).get("name") or given or channel


def audience_add(c: Candor, team_id: str, channel: str, name: str | None) -> str:
    label = _channel_name(c, channel, name)
    with c.db.session() as s:
        repo.workspace(s, team_id)
        if s.scalar(select(Audience).where(Audience.team_id == team_id,
                                           Audience.channel_id == channel)):
            return f"<#{channel}> is already an audience channel."
        s.add(Audience(team_id=team_id, channel_id=channel, channel_name=label))
    return (f"Added <#{channel}>. Its members will be invited to check-ins from the next round; "
            f"in digests they are the team *{label}*.")


def audience_remove(c: Candor, team_id: str, channel: str) -> str:
    with c.db.session() as s:
        n = s.execute(delete(Audience).where(Audience.team_id == team_id,
                                             Audience.channel_id == channel)).rowcount
    if not n:
        return f"<#{channel}> isn't an audience channel. See `/candor audience list`."
    return f"Removed <#{channel}>. Its members won't be invited from the next round."


def audience_list(c: Candor, team_id: str) -> str:
    with c.db.session() as s:
        rows = repo.audiences(s, team_id)
    if not rows:
        return "No audience channels yet. Add one with `/candor audience add #channel`."
    return "*Audience channels*\n" + "\n".join(
        f"• <#{a.channel_id}> (team *{a.channel_name}*)" for a in rows)


def digest_channel(c: Candor, team_id: str, channel: str, name: str | None) -> str:
    _channel_name(c, channel, name)
    with c.db.session() as s:
        repo.workspace(s, team_id).digest_channel = channel
    return f"Digests will be posted in <#{channel}>."


def send_now(c: Candor, team_id: str) -> str:
    rnd = services.open_round(c, team_id)
    return (f"Round {rnd.number} is open: {rnd.invited} people will get a check-in by DM "
            f"in the next few moments. It closes {rnd.closes_at:%A %d %B at %H:%M} UTC. "
            "See progress with `/candor status`.")


def close_now(c: Candor, team_id: str) -> str:
    rnd = services.close_round(c, team_id)
    return (f"Round {rnd.number} is closed. No more answers are accepted, and its sealed "
            "ballots have been opened into results.")
