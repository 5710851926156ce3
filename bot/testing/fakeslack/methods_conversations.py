"""conversations.*: channels and the bot's DMs, seen as the bot sees them.

The bot must be a member of a channel to read it (`not_in_channel`); private
channels it is not in look like `channel_not_found`. The fake only has 1:1 DMs.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any

from .api import SlackError, api_method, paginate, truthy

if TYPE_CHECKING:
    from .server import FakeSlack


def _conv_json(fake: FakeSlack, conv: dict[str, Any]) -> dict[str, Any]:
    if conv["is_im"]:
        return {
            "id": conv["id"],
            "created": conv["created"],
            "is_im": True,
            "is_org_shared": False,
            "user": conv["user"],
            "is_user_deleted": fake._users.get(conv["user"], {}).get("deleted", False),
            "priority": 0,
        }
    return {
        "id": conv["id"],
        "name": conv["name"],
        "name_normalized": conv["name"],
        "is_channel": not conv["is_private"],
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": conv["is_private"],
        "is_archived": False,
        "is_general": conv["name"] == "general",
        "created": conv["created"],
        "creator": "",
        "is_member": fake.bot_user_id in conv["members"],
        "num_members": len(conv["members"]),
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
        # On Grid, the workspace(s) of the org the channel belongs to.
        **({"context_team_id": fake.team_id, "shared_team_ids": [fake.team_id],
            "is_org_shared": False} if fake.enterprise_id else {}),
    }


@api_method("conversations.info")
def _conversations_info(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    return {"channel": _conv_json(fake, fake._conv(p.get("channel")))}


@api_method("conversations.list")
def _conversations_list(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    types = str(p.get("types") or "public_channel").split(",")
    wanted = []
    for conv in fake._convs.values():
        if conv["is_im"]:
            kind = "im"
        else:
            kind = "private_channel" if conv["is_private"] else "public_channel"
        if kind not in types:
            continue
        if kind == "private_channel" and fake.bot_user_id not in conv["members"]:
            continue
        wanted.append(conv)
    page, meta = paginate(wanted, p, 100, 1000)
    return {"channels": [_conv_json(fake, c) for c in page], "response_metadata": meta}


@api_method("conversations.members")
def _conversations_members(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._conv(p.get("channel"))
    page, meta = paginate(conv["members"], p, 100, 1000)
    return {"members": page, "response_metadata": meta}


@api_method("conversations.join")
def _conversations_join(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._convs.get(str(p.get("channel") or ""))
    if conv is None:
        raise SlackError("channel_not_found")
    if conv["is_private"] or conv["is_im"]:
        raise SlackError("method_not_supported_for_channel_type")
    if fake.bot_user_id in conv["members"]:
        return {
            "channel": _conv_json(fake, conv),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    conv["members"].append(fake.bot_user_id)
    return {"channel": _conv_json(fake, conv)}


@api_method("conversations.open")
def _conversations_open(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("channel"):
        conv = fake._conv(p["channel"])
        return {"no_op": True, "already_open": True, "channel": {"id": conv["id"]}}
    users = [u for u in str(p.get("users") or "").split(",") if u]
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 1:
        raise SlackError("not_supported", ["[ERROR] the fake only supports 1:1 DMs"])
    user = fake._user_or_error(users[0])
    if user["is_bot"]:
        raise SlackError("cannot_dm_bot")
    if user["deleted"]:
        raise SlackError("user_disabled")
    already = users[0] in fake._dm_of
    conv = fake._convs[fake.dm_channel_id(users[0])]
    if truthy(p.get("return_im")):
        return {"no_op": already, "already_open": already, "channel": _conv_json(fake, conv)}
    return {"no_op": already, "already_open": already, "channel": {"id": conv["id"]}}


@api_method("conversations.history")
def _conversations_history(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._conv(p.get("channel"), allow_user=True)
    if not conv["is_im"] and fake.bot_user_id not in conv["members"]:
        raise SlackError("not_in_channel")
    inclusive = truthy(p.get("inclusive"))
    oldest = float(p.get("oldest") or 0)
    latest = float(p["latest"]) if p.get("latest") else math.inf

    def in_range(ts: float) -> bool:
        if inclusive:
            return oldest <= ts <= latest
        return oldest < ts < latest

    newest_first = [m for m in reversed(fake._messages[conv["id"]]) if in_range(float(m["ts"]))]
    page, meta = paginate(newest_first, p, min(100, fake.history_page_max),
                          fake.history_page_max)
    return {
        "messages": copy.deepcopy(page),
        "has_more": bool(meta["next_cursor"]),
        "pin_count": 0,
        "response_metadata": meta,
    }
