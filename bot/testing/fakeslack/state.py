"""The fake workspace: users, channels and DMs, messages, views, files, and the one
lock that guards them. The Web API methods (methods_*.py) read and change it."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .api import SlackError, json_value
from .blockkit import slack_file_errors, validate_blocks
from .methods_files import usable_file

SLACKBOT_ID = "USLACKBOT"


def _tz_fields(tz: str | None) -> dict[str, Any]:
    if tz is None:
        return {}
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return {"tz": tz, "tz_label": tz, "tz_offset": 0}
    offset = now.utcoffset()
    return {
        "tz": tz,
        "tz_label": now.tzname() or tz,
        "tz_offset": int(offset.total_seconds()) if offset else 0,
    }


class Workspace:
    """FakeSlack's workspace state and the helpers its methods share."""

    def __init__(
        self,
        team_id: str,
        team_name: str,
        bot_user_id: str,
        bot_token: str,
        *,
        bot_id: str,
        bot_name: str,
        app_id: str,
        trigger_ttl: float,
        include_slackbot: bool,
    ):
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = "".join(c for c in team_name.lower() if c.isalnum()) or "workspace"
        self.bot_user_id = bot_user_id
        self.bot_token = bot_token
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.trigger_ttl = trigger_ttl

        # One re-entrant lock guards all state; the condition lets tests wait for changes.
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ids = itertools.count(1)
        self._last_ts_us = 0

        self._users: dict[str, dict[str, Any]] = {}
        self._convs: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._dm_of: dict[str, str] = {}
        self._triggers: dict[str, dict[str, Any]] = {}
        self._trigger_attempts: list[dict[str, Any]] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._view_owner: dict[str, str | None] = {}
        self._view_stacks: dict[str, list[str]] = {}
        self._views_opened: list[str] = []
        self._home_view_id: dict[str, str] = {}
        self._pending_uploads: dict[str, dict[str, Any]] = {}
        self._files: list[dict[str, Any]] = []
        self._ephemerals: list[dict[str, Any]] = []
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._responses: list[dict[str, Any]] = []
        self._response_log: list[dict[str, Any]] = []
        # Enterprise Grid (set by FakeOrg.grid): the org this workspace is in,
        # and whether the app is installed org-wide there.
        self.enterprise_id: str | None = None
        self.enterprise_name: str | None = None
        self.org_wide = False

        if include_slackbot:
            self.add_user(SLACKBOT_ID, "slackbot", "Slackbot", tz="America/Los_Angeles")
        self._add_bot_user()

    # ------------------------------------------------------------------ seeding

    def _add_bot_user(self) -> None:
        self._users[self.bot_user_id] = {
            "id": self.bot_user_id,
            "name": self.bot_name,
            "real_name": self.bot_name.capitalize(),
            "display_name": "",
            "email": None,
            "tz": "America/Los_Angeles",
            "locale": "en-US",
            "is_admin": False,
            "is_owner": False,
            "is_bot": True,
            "deleted": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
        }

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        tz: str | None = "America/New_York",
        locale: str = "en-US",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        is_restricted: bool = False,
        *,
        is_ultra_restricted: bool = False,
        display_name: str | None = None,
        email: str | None = None,
    ) -> dict[str, Any]:
        """Add (or replace) a workspace member; returns its users.list shape."""
        with self._changed:
            self._users[user_id] = {
                "id": user_id,
                "name": name,
                "real_name": real_name if real_name is not None else name,
                "display_name": display_name if display_name is not None else name,
                "email": email,
                "tz": tz,
                "locale": locale,
                "is_admin": is_admin or is_owner,  # Slack: owners are admins too
                "is_owner": is_owner,
                "is_bot": is_bot,
                "deleted": deleted,
                "is_restricted": is_restricted or is_ultra_restricted,
                "is_ultra_restricted": is_ultra_restricted,
            }
            self._changed.notify_all()
            return self._user_json(user_id, include_locale=True)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str] | None = None,
        is_private: bool = False,
    ) -> None:
        """Add a channel. Include `fake.bot_user_id` in members to make the bot a member."""
        with self._changed:
            self._convs[channel_id] = {
                "id": channel_id,
                "name": name,
                "is_private": is_private,
                "is_im": False,
                "created": int(time.time()),
                "members": list(dict.fromkeys(members or [])),
            }
            self._messages.setdefault(channel_id, [])
            self._changed.notify_all()

    def set_members(self, channel_id: str, members: list[str]) -> None:
        with self._changed:
            self._convs[channel_id]["members"] = list(dict.fromkeys(members))
            self._changed.notify_all()

    def dm_channel_id(self, user_id: str) -> str:
        """The bot<->user DM channel id ("D" + user id suffix), created lazily."""
        with self._lock:
            if user_id in self._dm_of:
                return self._dm_of[user_id]
            cid = "D" + user_id[1:]
            while cid in self._convs:  # e.g. U0001 and W0001 would collide
                cid += "X"
            self._convs[cid] = {
                "id": cid,
                "name": None,
                "is_private": True,
                "is_im": True,
                "user": user_id,
                "created": int(time.time()),
                "members": [user_id, self.bot_user_id],
            }
            self._messages[cid] = []
            self._dm_of[user_id] = cid
            return cid

    def user_name(self, user_id: str) -> str:
        with self._lock:
            user = self._users.get(user_id)
            return user["name"] if user else user_id.lower()

    def channel_name(self, channel_id: str) -> str:
        with self._lock:
            conv = self._convs.get(channel_id)
            if conv is None:
                return "directmessage" if channel_id.startswith("D") else channel_id.lower()
            return "directmessage" if conv["is_im"] else conv["name"]

    def record_user_message(self, channel_id: str, user_id: str, text: str) -> str:
        """Store a message *from a user* (e.g. a DM to the bot); returns its ts."""
        with self._changed:
            if channel_id.startswith(("U", "W")):
                channel_id = self.dm_channel_id(channel_id)
            ts = self._next_ts()
            self._messages.setdefault(channel_id, []).append(
                {"type": "message", "user": user_id, "text": text, "ts": ts, "team": self.team_id}
            )
            self._changed.notify_all()
            return ts

    # ------------------------------------------------------------------ internals

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def _next_ts(self) -> str:
        # Real-time based so ts compares with wall clock; strictly increasing so unique.
        now_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
        self._last_ts_us = now_us
        return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def _user_json(self, user_id: str, include_locale: bool) -> dict[str, Any]:
        u = self._users[user_id]
        first, _, last = u["real_name"].partition(" ")
        profile: dict[str, Any] = {
            "real_name": u["real_name"],
            "real_name_normalized": u["real_name"],
            "display_name": u["display_name"],
            "display_name_normalized": u["display_name"],
            "first_name": first,
            "last_name": last,
            "team": self.team_id,
            "status_text": "",
            "status_emoji": "",
            "avatar_hash": "g0000000000",
            "image_72": "https://a.slack-edge.com/avatar.png",
        }
        if u["email"]:
            profile["email"] = u["email"]
        if u["is_bot"] and user_id == self.bot_user_id:
            profile.update(
                {"bot_id": self.bot_id, "api_app_id": self.app_id, "always_active": True}
            )
        member: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": u["name"],
            "deleted": u["deleted"],
            "color": "9f69e7",
            "real_name": u["real_name"],
            **_tz_fields(u["tz"]),
            "profile": profile,
            "is_admin": u["is_admin"],
            "is_owner": u["is_owner"],
            "is_primary_owner": False,
            "is_restricted": u["is_restricted"],
            "is_ultra_restricted": u["is_ultra_restricted"],
            "is_bot": u["is_bot"],
            "is_app_user": False,
            "updated": 1700000000,
        }
        if include_locale:
            member["locale"] = u["locale"]
        if self.enterprise_id:  # a Grid member: their org-level roles and workspaces
            member["enterprise_user"] = {
                "id": user_id, "enterprise_id": self.enterprise_id,
                "enterprise_name": self.enterprise_name,
                "is_admin": bool(u.get("org_admin")), "is_owner": False,
                "teams": [self.team_id]}
        return member

    def _user_or_error(self, user_id: Any) -> dict[str, Any]:
        user = self._users.get(str(user_id or ""))
        if user is None:
            raise SlackError("user_not_found")
        return user

    def _conv(self, channel: Any, *, allow_user: bool = False) -> dict[str, Any]:
        """Resolve a conversation id (or a user id -> their DM when allow_user)."""
        channel = str(channel or "")
        if not channel:
            raise SlackError("channel_not_found")
        if allow_user and channel in self._users:
            user = self._users[channel]
            if user["is_bot"] or channel == self.bot_user_id:
                raise SlackError("cannot_dm_bot")
            if user["deleted"]:
                raise SlackError("user_disabled")
            return self._convs[self.dm_channel_id(channel)]
        conv = self._convs.get(channel)
        if conv is None:
            raise SlackError("channel_not_found")
        # Private channels the bot is not in are invisible to it.
        if conv["is_private"] and not conv["is_im"] and self.bot_user_id not in conv["members"]:
            raise SlackError("channel_not_found")
        return conv

    def _writable_conv(self, channel: Any, allow_user: bool = True) -> dict[str, Any]:
        conv = self._conv(channel, allow_user=allow_user)
        if conv["is_im"]:
            if self._users.get(conv["user"], {}).get("deleted"):
                raise SlackError("is_archived")
        elif self.bot_user_id not in conv["members"]:
            raise SlackError("not_in_channel")
        return conv

    def _find_raw(self, channel_id: str, ts: Any) -> dict[str, Any] | None:
        for message in self._messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        return None

    def _message_fields(self, params: dict[str, Any], *, require_content: bool) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        text = params.get("text")
        blocks = json_value(params.get("blocks"))
        attachments = json_value(params.get("attachments"))
        if require_content and not text and not blocks and not attachments:
            raise SlackError("no_text")
        if text is not None:
            if len(str(text)) > 40000:
                raise SlackError("msg_too_long")
            fields["text"] = str(text)
        if blocks not in (None, "", []):
            errors = validate_blocks(blocks, 50, "/blocks") or slack_file_errors(
                blocks, "/blocks", lambda ref: usable_file(self, ref))
            if errors:
                raise SlackError("invalid_blocks", errors)
            fields["blocks"] = blocks
        if attachments not in (None, "", []):
            fields["attachments"] = attachments
        metadata = json_value(params.get("metadata"))
        if metadata not in (None, ""):
            if (
                not isinstance(metadata, dict)
                or not metadata.get("event_type")
                or not isinstance(metadata.get("event_payload"), dict)
            ):
                raise SlackError("invalid_metadata_format")
            fields["metadata"] = metadata
        return fields

    def _store_message(
        self, channel_id: str, params: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        message = {
            "type": "message",
            "text": "",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": self._next_ts(),
            **self._message_fields(params, require_content=False),
            **extra,
        }
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
        self._messages.setdefault(channel_id, []).append(message)
        return message
