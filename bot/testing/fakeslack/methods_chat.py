"""chat.*: what the bot posts, edits and deletes, and its ephemeral messages.

The bot must be a member of a channel to post there (`not_in_channel`); messages
get Slack's light validation (<= 40,000 chars of text, <= 50 blocks, metadata shape).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .api import SlackError, api_method

if TYPE_CHECKING:
    from .server import FakeSlack


@api_method("chat.postMessage")
def _chat_post_message(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._writable_conv(p.get("channel"))
    fake._message_fields(p, require_content=True)  # validate before storing anything
    message = fake._store_message(conv["id"], p)
    return {"channel": conv["id"], "ts": message["ts"], "message": copy.deepcopy(message)}


@api_method("chat.update")
def _chat_update(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._writable_conv(p.get("channel"), allow_user=False)
    message = fake._find_raw(conv["id"], p.get("ts"))
    if message is None:
        raise SlackError("message_not_found")
    if message.get("user") != fake.bot_user_id:
        raise SlackError("cant_update_message")
    fields = fake._message_fields(p, require_content=True)
    message.update(fields)
    if "blocks" not in fields and p.get("blocks") is not None:
        message.pop("blocks", None)  # blocks=[] clears them
    message["edited"] = {"user": fake.bot_user_id, "ts": fake._next_ts()}
    return {
        "channel": conv["id"],
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": copy.deepcopy(message),
    }


@api_method("chat.delete")
def _chat_delete(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._writable_conv(p.get("channel"), allow_user=False)
    message = fake._find_raw(conv["id"], p.get("ts"))
    if message is None:
        raise SlackError("message_not_found")
    fake._messages[conv["id"]].remove(message)
    return {"channel": conv["id"], "ts": message["ts"]}


@api_method("chat.postEphemeral")
def _chat_post_ephemeral(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._writable_conv(p.get("channel"))
    user = fake._user_or_error(p.get("user"))
    if not conv["is_im"] and user["id"] not in conv["members"]:
        raise SlackError("user_not_in_channel")
    fields = fake._message_fields(p, require_content=True)
    ts = fake._next_ts()
    fake._ephemerals.append(
        {
            "channel": conv["id"],
            "user": user["id"],
            "message_ts": ts,
            "thread_ts": p.get("thread_ts"),
            **fields,
        }
    )
    return {"message_ts": ts}
