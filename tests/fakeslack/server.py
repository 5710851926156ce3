"""A fake Slack Web API that the project owns.

`FakeSlack` is an in-process HTTP server that speaks enough of the Slack Web API for
slack_sdk's `WebClient` and slack_bolt to work against it unchanged (point
`WebClient(base_url=fake.api_url)` / `SLACK_API_URL` at it). It keeps the workspace
state (users, channels, DMs, messages, views, files) behind one lock, records every
call, and can misbehave on purpose: token-bucket rate limits answered with 429 +
Retry-After, injected 5xx/429/slow responses, and faults that strike *after* the
state change (the message was posted but the client saw an error), which is what
crash/duplicate-safety tests need.

Deliberate realism (so bugs surface here rather than in production):
- users.list includes Slackbot (USLACKBOT, `is_bot: false`!) and the app's bot user.
- The bot must be a member of a channel to post/read there (`not_in_channel`);
  private channels it is not in look like `channel_not_found`.
- trigger_ids expire after `trigger_ttl` seconds (Slack: 3 s) and work once.
- Views and messages get light validation of Slack's hard limits (modal title
  <= 24 chars, private_metadata <= 3000, <= 50 message blocks / 100 view blocks,
  unique block_ids, input blocks need a submit button) -> `invalid_arguments` /
  `invalid_blocks` with `response_metadata.messages` like Slack.

Anything not modelled is either an `unknown_method` or silently accepted.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Params whose form-encoded value is a JSON document (slack_sdk JSON-encodes them when
# it sends a form body; JSON bodies carry them as objects).
_JSON_PARAMS = ("blocks", "attachments", "view", "metadata", "files")

SLACKBOT_ID = "USLACKBOT"


class SlackError(Exception):
    """Raised by a method handler to answer `{"ok": false, "error": ...}`."""

    def __init__(self, error: str, messages: list[str] | None = None, **extra: Any):
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass
class _Bucket:
    """Token bucket: `rate` tokens per second, at most `burst` banked."""

    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Consume one token; return 0 if allowed, else seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass
class _RateLimit:
    per_second: float
    burst: float
    per_channel: bool
    buckets: dict[str, _Bucket] = field(default_factory=dict)


@dataclass
class _Fault:
    status: int | None  # None: answer normally (a pure delay)
    count: int
    after_effect: bool
    delay: float = 0.0
    retry_after: int | None = None
    error: str = "fatal_error"


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, int | str) and str(value).lower() in ("1", "true"))


def _int_param(params: dict[str, Any], key: str, default: int) -> int:
    value = params.get(key)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise SlackError("invalid_arguments", [f"[ERROR] invalid integer for `{key}`"]) from exc


def _json_value(value: Any) -> Any:
    """Decode a JSON string param; pass objects (from JSON bodies) through."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def encode_cursor(offset: int) -> str:
    # Slack cursors are opaque base64 strings such as "dXNlcjpVMEc5V0ZYTlo=".
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        kind, _, offset = base64.b64decode(str(cursor)).decode().partition(":")
        if kind != "offset":
            raise ValueError(cursor)
        return int(offset)
    except ValueError as exc:
        raise SlackError("invalid_cursor") from exc


def _paginate(items: list[Any], params: dict[str, Any], default: int, maximum: int):
    limit = _int_param(params, "limit", default)
    limit = default if limit <= 0 else min(limit, maximum)
    start = decode_cursor(params.get("cursor"))
    page = items[start : start + limit]
    next_cursor = encode_cursor(start + limit) if start + limit < len(items) else ""
    return page, {"next_cursor": next_cursor}


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


# ---------------------------------------------------------------------------------
# Block Kit validation: only the limits that commonly bite, phrased like Slack.


def _validate_blocks(blocks: Any, max_blocks: int, pointer: str) -> list[str]:
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    errors = []
    if len(blocks) > max_blocks:
        errors.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:{pointer}]")
    seen_block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{pointer}/{i}"
        if not isinstance(block, dict) or "type" not in block:
            errors.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen_block_ids:
                errors.append(f"[ERROR] duplicate block_id [json-pointer:{where}/block_id]")
            seen_block_ids.add(block_id)
            if len(str(block_id)) > 255:
                errors.append(
                    f"[ERROR] must be less than 256 characters [json-pointer:{where}/block_id]"
                )
        elements = list(block.get("elements") or []) if block["type"] == "actions" else []
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        seen_action_ids: set[str] = set()
        for element in elements:
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id is None:
                continue
            if action_id in seen_action_ids:
                errors.append(f"[ERROR] duplicate action_id [json-pointer:{where}]")
            seen_action_ids.add(action_id)
            if len(str(action_id)) > 255:
                errors.append(
                    f"[ERROR] action_id must be less than 256 characters [json-pointer:{where}]"
                )
            if len(str(element.get("value", ""))) > 2000:
                errors.append(
                    f"[ERROR] value must be less than 2001 characters [json-pointer:{where}]"
                )
    return errors


def _validate_view(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return ["[ERROR] view must be a JSON object [json-pointer:/view]"]
    errors = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        errors.append("[ERROR] must be one of modal, home [json-pointer:/view/type]")
    if kind == "modal":
        title = view.get("title")
        if not isinstance(title, dict) or not title.get("text"):
            errors.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        for key in ("title", "submit", "close"):
            text = (view.get(key) or {}).get("text", "") if isinstance(view.get(key), dict) else ""
            if len(text) > 24:
                errors.append(
                    f"[ERROR] must be less than 25 characters [json-pointer:/view/{key}/text]"
                )
        blocks = view.get("blocks") or []
        if isinstance(blocks, list) and not view.get("submit"):
            if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks):
                errors.append(
                    "[ERROR] must provide submit property when using input blocks "
                    "[json-pointer:/view/submit]"
                )
    if len(str(view.get("private_metadata") or "")) > 3000:
        errors.append(
            "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"
        )
    if len(str(view.get("callback_id") or "")) > 255:
        errors.append("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]")
    errors += _validate_blocks(view.get("blocks", []), 100, "/view/blocks")
    return errors


# ---------------------------------------------------------------------------------

_API_METHODS: dict[str, Callable[..., dict[str, Any]]] = {}


def _api(name: str):
    """Register a handler for a Slack Web API method (runs under the state lock)."""

    def register(fn):
        _API_METHODS[name] = fn
        return fn

    return register


# Public hook for adding a method the fake lacks: @api_method("chat.getPermalink")
# def handler(fake, params) -> dict (body without "ok"); raise SlackError("...") to fail.
api_method = _api


# Functions a RemoteFake may call over POST /_fake/rpc (JSON-safe arguments/results).
RPC_FUNCTIONS = frozenset(
    {
        "info",
        "add_user",
        "add_channel",
        "set_members",
        "dm_channel_id",
        "user_name",
        "channel_name",
        "issue_trigger",
        "new_response_url",
        "view",
        "last_opened_view",
        "home_view",
        "apply_view_response",
        "record_user_message",
        "find_message",
        "dm_messages",
        "channel_messages",
        "calls_to",
        "stats",
        "state",
        "reset_calls",
        "set_rate_limit",
        "set_rate_limit_per_minute",
        "clear_rate_limits",
        "inject",
        "inject_429",
        "inject_delay",
        "clear_faults",
    }
)


class FakeSlack:
    """A fake Slack workspace + Web API server. See the module docstring."""

    def __init__(
        self,
        team_id: str = "T0001",
        team_name: str = "Demo Clinic",
        bot_user_id: str = "UBOT",
        bot_token: str = "xoxb-test",
        *,
        bot_id: str = "BBOT",
        bot_name: str = "candor",
        app_id: str = "A0001",
        trigger_ttl: float = 3.0,
        include_slackbot: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
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
        self._host = host
        self._requested_port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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

        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._call_counts: dict[str, int] = {}
        self._error_counts: dict[str, int] = {}
        self._ratelimited: dict[str, int] = {}
        self._injected: dict[str, int] = {}
        self._rate_limits: dict[str, _RateLimit] = {}
        self._faults: dict[str, list[_Fault]] = {}

        if include_slackbot:
            self.add_user(SLACKBOT_ID, "slackbot", "Slackbot", tz="America/Los_Angeles")
        self._add_bot_user()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        self._server = _Server((self._host, self._requested_port), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so stop() is quick
            name="fakeslack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What `WebClient(base_url=...)` / SLACK_API_URL takes."""
        return f"{self.base_url}/api/"

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

    def info(self) -> dict[str, Any]:
        return {
            "team_id": self.team_id,
            "team_name": self.team_name,
            "team_domain": self.team_domain,
            "bot_user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "api_url": self.api_url,
            "base_url": self.base_url,
        }

    # ------------------------------------------------------------------ rate limits and faults

    def set_rate_limit(
        self,
        method: str,
        per_second: float,
        burst: float | None = None,
        *,
        per_channel: bool = False,
    ) -> None:
        """Token bucket for `method`: `per_second` refill, `burst` capacity (default max(1, rate)).

        With per_channel=True each `channel` param gets its own bucket (Slack's
        chat.postMessage limit is roughly 1/s per channel).
        """
        if per_second <= 0:
            raise ValueError("per_second must be > 0")
        burst = max(1.0, float(burst if burst is not None else math.ceil(per_second)))
        with self._lock:
            self._rate_limits[method] = _RateLimit(per_second, burst, per_channel)

    def set_rate_limit_per_minute(
        self,
        method: str,
        per_minute: float,
        burst: float | None = None,
        *,
        per_channel: bool = False,
    ) -> None:
        """Slack documents tiers per minute; the default burst is one minute's worth."""
        self.set_rate_limit(
            method,
            per_minute / 60.0,
            burst if burst is not None else per_minute,
            per_channel=per_channel,
        )

    def clear_rate_limits(self) -> None:
        with self._lock:
            self._rate_limits.clear()

    def inject(
        self,
        method: str,
        status: int = 500,
        count: int = 1,
        *,
        after_effect: bool = False,
        delay: float = 0.0,
        error: str | None = None,
    ) -> None:
        """The next `count` calls to `method` ("*" = any) get HTTP `status`.

        By default the call has no effect. With after_effect=True the state change
        happens (e.g. the message IS posted) and only the response is an error —
        optionally after `delay` seconds, so a client timeout can be simulated too.
        """
        default_error = {500: "fatal_error", 502: "bad_gateway", 503: "service_unavailable"}
        fault = _Fault(
            status,
            count,
            after_effect,
            delay,
            None,
            error or default_error.get(status, "request_timeout"),
        )
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def inject_429(self, method: str, retry_after: int = 1, count: int = 1) -> None:
        """The next `count` calls get 429 + Retry-After (no effect)."""
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(429, count, False, 0.0, retry_after, "ratelimited")
            )

    def inject_delay(
        self, method: str, seconds: float, count: int = 1, *, after_effect: bool = False
    ) -> None:
        """The next `count` calls answer normally but `seconds` late.

        after_effect=False: sleep, then apply the change (a client that timed out has
        no idea whether it happened — it will, later). after_effect=True: apply the
        change at once, then sleep before answering.
        """
        with self._lock:
            self._faults.setdefault(method, []).append(_Fault(None, count, after_effect, seconds))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.count -= 1
                if fault.count <= 0:
                    queue.pop(0)
                return fault
        return None

    def _rate_limited(self, method: str, params: dict[str, Any]) -> int:
        """Return Retry-After seconds if this call exceeds the method's bucket, else 0."""
        limit = self._rate_limits.get(method)
        if limit is None:
            return 0
        key = str(params.get("channel", "")) if limit.per_channel else ""
        now = time.monotonic()
        bucket = limit.buckets.get(key)
        if bucket is None:
            bucket = limit.buckets[key] = _Bucket(limit.per_second, limit.burst, limit.burst, now)
        wait = bucket.take(now)
        return max(1, math.ceil(wait)) if wait > 0 else 0

    # ------------------------------------------------------------------ introspection

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every API call received (including faulted/rate-limited ones), in order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self._calls if name == method]

    def reset_calls(self) -> None:
        """Forget recorded calls and the counters in stats(); workspace state stays."""
        with self._lock:
            self._calls.clear()
            self._call_counts.clear()
            self._error_counts.clear()
            self._ratelimited.clear()
            self._injected.clear()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": dict(self._call_counts),
                "total_calls": sum(self._call_counts.values()),
                "errors": dict(self._error_counts),  # ok:false answers (HTTP 200)
                "ratelimited": sum(self._ratelimited.values()),
                "ratelimited_by_method": dict(self._ratelimited),
                "injected": dict(self._injected),
            }

    def _public_message(self, channel_id: str, message: dict[str, Any]) -> dict[str, Any]:
        return {**copy.deepcopy(message), "channel": channel_id}

    def channel_messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages in a conversation, oldest first (copies, with a "channel" key added)."""
        with self._lock:
            return [self._public_message(channel_id, m) for m in self._messages.get(channel_id, [])]

    def dm_messages(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the bot's DM with `user_id`, oldest first."""
        with self._lock:
            cid = self._dm_of.get(user_id)
            return self.channel_messages(cid) if cid else []

    def find_message(self, ts: str, channel_id: str | None = None) -> dict[str, Any] | None:
        with self._lock:
            channels = [channel_id] if channel_id else list(self._messages)
            for cid in channels:
                for message in self._messages.get(cid, []):
                    if message["ts"] == ts:
                        return self._public_message(cid, message)
            return None

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._ephemerals)

    @property
    def views_opened(self) -> list[dict[str, Any]]:
        """Views opened with views.open/views.push, in order (current contents)."""
        with self._lock:
            return [copy.deepcopy(self._views[vid]) for vid in self._views_opened]

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._lock:
            view = self._views.get(view_id)
            return copy.deepcopy(view) if view else None

    def last_opened_view(self, user_id: str | None = None) -> dict[str, Any] | None:
        """The most recently opened/pushed view (for `user_id` if given), current contents."""
        with self._lock:
            for vid in reversed(self._views_opened):
                if user_id is None or self._view_owner.get(vid) == user_id:
                    return copy.deepcopy(self._views[vid])
            return None

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The user's modal stack (root first); empty once closed."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._view_stacks.get(user_id, [])]

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {uid: copy.deepcopy(self._views[vid]) for uid, vid in self._home_view_id.items()}

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            vid = self._home_view_id.get(user_id)
            return copy.deepcopy(self._views[vid]) if vid else None

    @property
    def files(self) -> list[dict[str, Any]]:
        """Completed uploads: id, name, title, alt_txt, content (bytes), size, channel, ..."""
        with self._lock:
            return copy.deepcopy(self._files)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """JSON bodies POSTed to response_urls (what bolt's respond() sends), in order."""
        with self._lock:
            return copy.deepcopy(self._responses)

    def responses_for(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(r["body"]) for r in self._response_log if r["user_id"] == user_id]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Block until predicate() is truthy (re-checked on every state change); return it.

        Raises TimeoutError. Handy because bolt runs listeners after ack() returns.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout:.1f}s")
                self._changed.wait(min(remaining, 0.05))

    def state(self) -> dict[str, Any]:
        """A JSON-safe summary for other processes (GET /_fake/state)."""
        with self._lock:
            dms = {
                uid: [
                    {"ts": m["ts"], "text": m.get("text", ""), "metadata": m.get("metadata")}
                    for m in self._messages.get(cid, [])
                ]
                for uid, cid in self._dm_of.items()
            }
            channels = {
                cid: [{"ts": m["ts"], "text": m.get("text", "")} for m in msgs]
                for cid, msgs in self._messages.items()
                if not self._convs.get(cid, {}).get("is_im")
            }
            files = [
                {k: v for k, v in f.items() if k != "content"} for f in copy.deepcopy(self._files)
            ]
            return {
                **self.stats(),
                "dm_messages": dms,
                "dm_counts": {uid: len(msgs) for uid, msgs in dms.items()},
                "channel_messages": channels,
                "files": files,
                "responses": copy.deepcopy(self._responses),
                "ephemerals": copy.deepcopy(self._ephemerals),
                "views_opened": len(self._views_opened),
                "home_views": sorted(self._home_view_id),
            }

    # ------------------------------------------------------------------ sender support

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def _next_ts(self) -> str:
        # Real-time based so ts compares with wall clock; strictly increasing so unique.
        now_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
        self._last_ts_us = now_us
        return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def issue_trigger(self, user_id: str | None = None) -> str:
        """A fresh trigger_id, valid for `trigger_ttl` seconds and one views.open/push."""
        with self._lock:
            trigger = f"{next(self._ids)}.{self.team_id.lstrip('T')}.{secrets.token_hex(16)}"
            self._triggers[trigger] = {
                "user_id": user_id,
                "issued": time.monotonic(),
                "used": False,
            }
            return trigger

    def new_response_url(
        self,
        user_id: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        with self._lock:
            rid = secrets.token_hex(8)
            self._response_urls[rid] = {
                "user_id": user_id,
                "channel_id": channel_id,
                "message_ts": message_ts,
                "uses": 0,
            }
            return f"{self.base_url}/response/{rid}"

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

    def apply_view_response(
        self, user_id: str, view_id: str, response: dict[str, Any] | None
    ) -> None:
        """Do what Slack does after a view_submission is acked with `response`.

        Empty ack closes the submitted view; response_action update/push/clear/errors
        replace, push, close all, or keep it.
        """
        response = response or {}
        action = response.get("response_action")
        with self._changed:
            stack = self._view_stacks.get(user_id, [])
            if action == "errors":
                pass
            elif action == "update" and view_id in self._views:
                self._replace_view(self._views[view_id], response.get("view") or {})
            elif action == "push":
                self._open_view(user_id, response.get("view") or {}, push=True)
            elif action == "clear":
                stack.clear()
            elif view_id in stack:
                stack.remove(view_id)
            self._changed.notify_all()

    # ------------------------------------------------------------------ request handling

    def handle_api(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Run one Web API call: returns (HTTP status, extra headers, JSON body)."""
        with self._changed:
            self._calls.append((method, params))
            self._call_counts[method] = self._call_counts.get(method, 0) + 1
            retry_after = self._rate_limited(method, params)
            fault = None if retry_after else self._take_fault(method)
            if retry_after or (fault and fault.status == 429):
                self._ratelimited[method] = self._ratelimited.get(method, 0) + 1
            if fault:
                self._injected[method] = self._injected.get(method, 0) + 1
            self._changed.notify_all()
        if retry_after:
            return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": "ratelimited"}

        if fault and not fault.after_effect:
            time.sleep(fault.delay)
            if fault.status is not None:
                return self._fault_response(fault)

        if token != self.bot_token:
            body: dict[str, Any] = {
                "ok": False,
                "error": "not_authed" if not token else "invalid_auth",
            }
        else:
            handler = _API_METHODS.get(method)
            with self._changed:
                try:
                    if handler is None:
                        raise SlackError("unknown_method")
                    body = {"ok": True, **handler(self, params)}
                except SlackError as err:
                    body = err.body()
                if not body["ok"]:
                    self._error_counts[method] = self._error_counts.get(method, 0) + 1
                self._changed.notify_all()

        if fault and fault.after_effect:
            time.sleep(fault.delay)
            if fault.status is not None:
                return self._fault_response(fault)
        return 200, {}, body

    @staticmethod
    def _fault_response(fault: _Fault) -> tuple[int, dict[str, str], dict[str, Any]]:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return fault.status or 500, headers, {"ok": False, "error": fault.error}

    def handle_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        with self._changed:
            self._call_counts["upload"] = self._call_counts.get("upload", 0) + 1
            fault = self._take_fault("upload")
            pending = self._pending_uploads.get(file_id)
            if fault and fault.status is not None:
                return fault.status, "error"
            if pending is None:
                return 404, "file not found"
            pending["content"] = data
            self._changed.notify_all()
            return 200, f"OK - {len(data)}"

    def handle_response_url(self, rid: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._changed:
            self._call_counts["response_url"] = self._call_counts.get("response_url", 0) + 1
            fault = self._take_fault("response_url")
            if fault and fault.status is not None:
                return fault.status, {"ok": False, "error": fault.error}
            meta = self._response_urls.get(rid)
            if meta is None:
                return 404, {"ok": False, "error": "invalid_url"}
            meta["uses"] += 1
            if meta["uses"] > 5:  # Slack: a response_url works up to 5 times
                return 404, {"ok": False, "error": "used_url"}
            self._responses.append(body)
            self._response_log.append({"user_id": meta["user_id"], "body": body, **meta})
            self._apply_response(meta, body)
            self._changed.notify_all()
            return 200, {"ok": True}

    def _apply_response(self, meta: dict[str, Any], body: dict[str, Any]) -> None:
        """replace_original/delete_original act on the message the button was in."""
        channel_id, ts = meta.get("channel_id"), meta.get("message_ts")
        original = self._find_raw(channel_id, ts) if channel_id and ts else None
        if original is not None and _truthy(body.get("delete_original")):
            self._messages[channel_id].remove(original)
        elif original is not None and _truthy(body.get("replace_original")):
            original["text"] = body.get("text", "")
            original.pop("blocks", None)
            if body.get("blocks") is not None:
                original["blocks"] = body["blocks"]
        elif body.get("response_type") == "in_channel" and channel_id in self._convs:
            self._store_message(channel_id, body)

    # ------------------------------------------------------------------ internals

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

    def _conv_json(self, conv: dict[str, Any]) -> dict[str, Any]:
        if conv["is_im"]:
            return {
                "id": conv["id"],
                "created": conv["created"],
                "is_im": True,
                "is_org_shared": False,
                "user": conv["user"],
                "is_user_deleted": self._users.get(conv["user"], {}).get("deleted", False),
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
            "is_member": self.bot_user_id in conv["members"],
            "num_members": len(conv["members"]),
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    def _find_raw(self, channel_id: str, ts: Any) -> dict[str, Any] | None:
        for message in self._messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        return None

    def _message_fields(self, params: dict[str, Any], *, require_content: bool) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        text = params.get("text")
        blocks = _json_value(params.get("blocks"))
        attachments = _json_value(params.get("attachments"))
        if require_content and not text and not blocks and not attachments:
            raise SlackError("no_text")
        if text is not None:
            if len(str(text)) > 40000:
                raise SlackError("msg_too_long")
            fields["text"] = str(text)
        if blocks not in (None, "", []):
            errors = _validate_blocks(blocks, 50, "/blocks")
            if errors:
                raise SlackError("invalid_blocks", errors)
            fields["blocks"] = blocks
        if attachments not in (None, "", []):
            fields["attachments"] = attachments
        metadata = _json_value(params.get("metadata"))
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

    def _replace_view(self, view: dict[str, Any], new: dict[str, Any]) -> None:
        keep = {
            k: view[k]
            for k in (
                "id",
                "team_id",
                "root_view_id",
                "previous_view_id",
                "app_id",
                "bot_id",
                "app_installed_team_id",
            )
        }
        view.clear()
        view.update(self._view_defaults(keep["id"]))
        view.update({k: v for k, v in new.items() if k not in keep})
        view.update(keep)
        view["hash"] = self._new_hash()
        view["state"] = {"values": {}}

    def _view_defaults(self, view_id: str) -> dict[str, Any]:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": self._new_hash(),
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _open_view(
        self, user_id: str | None, spec: dict[str, Any], *, push: bool
    ) -> dict[str, Any]:
        external_id = spec.get("external_id")
        if external_id and any(v.get("external_id") == external_id for v in self._views.values()):
            raise SlackError("duplicate_external_id")
        vid = self._new_id("V")
        view = {**self._view_defaults(vid), **copy.deepcopy(spec)}
        view.update({"id": vid, "hash": self._new_hash(), "state": {"values": {}}})
        stack = self._view_stacks.setdefault(user_id or "", [])
        if push:
            if len(stack) >= 3:
                raise SlackError("push_limit_reached")
            if stack:
                view["previous_view_id"] = stack[-1]
                view["root_view_id"] = stack[0]
        else:
            stack.clear()
        stack.append(vid)
        self._views[vid] = view
        self._view_owner[vid] = user_id
        self._views_opened.append(vid)
        return view

    def _use_trigger(self, trigger_id: Any) -> dict[str, Any]:
        trigger = self._triggers.get(str(trigger_id or ""))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger["used"]:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger["issued"] > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger["used"] = True
        return trigger

    def _view_param(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _json_value(params.get("view"))
        errors = _validate_view(view)
        if errors:
            raise SlackError("invalid_arguments", errors)
        return view


# ---------------------------------------------------------------------------------
# Web API methods. Each runs under the state lock and returns the body minus "ok".


@_api("api.test")
def _api_test(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    return {"args": {k: v for k, v in p.items() if k != "token"}}


@_api("auth.test")
def _auth_test(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": f"https://{fake.team_domain}.slack.com/",
        "team": fake.team_name,
        "user": fake.bot_name,
        "team_id": fake.team_id,
        "user_id": fake.bot_user_id,
        "bot_id": fake.bot_id,
        "is_enterprise_install": False,
    }


@_api("users.list")
def _users_list(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    include_locale = _truthy(p.get("include_locale"))
    page, meta = _paginate(list(fake._users), p, 1000, 1000)
    members = [fake._user_json(uid, include_locale) for uid in page]
    return {"members": members, "cache_ts": int(time.time()), "response_metadata": meta}


@_api("users.info")
def _users_info(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    user = fake._user_or_error(p.get("user"))
    return {"user": fake._user_json(user["id"], _truthy(p.get("include_locale")))}


@_api("conversations.info")
def _conversations_info(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    return {"channel": fake._conv_json(fake._conv(p.get("channel")))}


@_api("conversations.list")
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
    page, meta = _paginate(wanted, p, 100, 1000)
    return {"channels": [fake._conv_json(c) for c in page], "response_metadata": meta}


@_api("conversations.members")
def _conversations_members(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._conv(p.get("channel"))
    page, meta = _paginate(conv["members"], p, 100, 1000)
    return {"members": page, "response_metadata": meta}


@_api("conversations.join")
def _conversations_join(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._convs.get(str(p.get("channel") or ""))
    if conv is None:
        raise SlackError("channel_not_found")
    if conv["is_private"] or conv["is_im"]:
        raise SlackError("method_not_supported_for_channel_type")
    if fake.bot_user_id in conv["members"]:
        return {
            "channel": fake._conv_json(conv),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    conv["members"].append(fake.bot_user_id)
    return {"channel": fake._conv_json(conv)}


@_api("conversations.open")
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
    if _truthy(p.get("return_im")):
        return {"no_op": already, "already_open": already, "channel": fake._conv_json(conv)}
    return {"no_op": already, "already_open": already, "channel": {"id": conv["id"]}}


@_api("conversations.history")
def _conversations_history(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._conv(p.get("channel"), allow_user=True)
    if not conv["is_im"] and fake.bot_user_id not in conv["members"]:
        raise SlackError("not_in_channel")
    inclusive = _truthy(p.get("inclusive"))
    oldest = float(p.get("oldest") or 0)
    latest = float(p["latest"]) if p.get("latest") else math.inf

    def in_range(ts: float) -> bool:
        if inclusive:
            return oldest <= ts <= latest
        return oldest < ts < latest

    newest_first = [m for m in reversed(fake._messages[conv["id"]]) if in_range(float(m["ts"]))]
    page, meta = _paginate(newest_first, p, 100, 999)
    return {
        "messages": copy.deepcopy(page),
        "has_more": bool(meta["next_cursor"]),
        "pin_count": 0,
        "response_metadata": meta,
    }


@_api("chat.postMessage")
def _chat_post_message(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._writable_conv(p.get("channel"))
    fake._message_fields(p, require_content=True)  # validate before storing anything
    message = fake._store_message(conv["id"], p)
    return {"channel": conv["id"], "ts": message["ts"], "message": copy.deepcopy(message)}


@_api("chat.update")
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


@_api("chat.delete")
def _chat_delete(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    conv = fake._writable_conv(p.get("channel"), allow_user=False)
    message = fake._find_raw(conv["id"], p.get("ts"))
    if message is None:
        raise SlackError("message_not_found")
    fake._messages[conv["id"]].remove(message)
    return {"channel": conv["id"], "ts": message["ts"]}


@_api("chat.postEphemeral")
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


@_api("views.open")
def _views_open(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    view = fake._view_param(p)
    if view.get("type") != "modal":
        raise SlackError("invalid_arguments", ["[ERROR] must be modal [json-pointer:/view/type]"])
    trigger = fake._use_trigger(p.get("trigger_id") or p.get("interactivity_pointer"))
    return {"view": copy.deepcopy(fake._open_view(trigger["user_id"], view, push=False))}


@_api("views.push")
def _views_push(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    view = fake._view_param(p)
    trigger = fake._use_trigger(p.get("trigger_id") or p.get("interactivity_pointer"))
    return {"view": copy.deepcopy(fake._open_view(trigger["user_id"], view, push=True))}


@_api("views.update")
def _views_update(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    new = fake._view_param(p)
    if p.get("view_id"):
        view = fake._views.get(str(p["view_id"]))
    elif p.get("external_id"):
        view = next(
            (v for v in fake._views.values() if v.get("external_id") == p["external_id"]), None
        )
    else:
        raise SlackError("invalid_arguments", ["[ERROR] view_id or external_id is required"])
    if view is None:
        raise SlackError("not_found")
    if p.get("hash") and p["hash"] != view["hash"]:
        raise SlackError("hash_conflict")
    fake._replace_view(view, new)
    return {"view": copy.deepcopy(view)}


@_api("views.publish")
def _views_publish(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    view = fake._view_param(p)
    user = fake._user_or_error(p.get("user_id"))
    if view.get("type") != "home":
        raise SlackError("invalid_arguments", ["[ERROR] must be home [json-pointer:/view/type]"])
    vid = fake._home_view_id.get(user["id"])
    if vid is None:
        vid = fake._home_view_id[user["id"]] = fake._new_id("V")
        fake._views[vid] = fake._view_defaults(vid)
        fake._view_owner[vid] = user["id"]
    elif p.get("hash") and p["hash"] != fake._views[vid]["hash"]:
        raise SlackError("hash_conflict")
    fake._replace_view(fake._views[vid], view)
    return {"view": copy.deepcopy(fake._views[vid])}


@_api("files.getUploadURLExternal")
def _files_get_upload_url(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    if not p.get("filename"):
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: filename"])
    length = _int_param(p, "length", 0)
    if length <= 0:
        raise SlackError("invalid_arguments", ["[ERROR] length must be a positive integer"])
    file_id = fake._new_id("F")
    fake._pending_uploads[file_id] = {
        "filename": str(p["filename"]),
        "length": length,
        "alt_txt": p.get("alt_txt"),
        "snippet_type": p.get("snippet_type"),
        "content": None,
    }
    return {"upload_url": f"{fake.base_url}/upload/{file_id}", "file_id": file_id}


@_api("files.completeUploadExternal")
def _files_complete_upload(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    items = _json_value(p.get("files"))
    if not isinstance(items, list) or not items:
        raise SlackError("invalid_arguments", ["[ERROR] files must be a non-empty array"])
    channels = [c for c in str(p.get("channels") or "").split(",") if c]
    if p.get("channel_id"):
        channels.insert(0, str(p["channel_id"]))
    convs = [fake._writable_conv(c, allow_user=False) for c in channels]
    uploads = []
    for item in items:
        pending = fake._pending_uploads.get(str(item.get("id")))
        if pending is None or pending["content"] is None:
            raise SlackError("file_not_found")
        uploads.append((item, pending))
    now = int(time.time())
    results = []
    for item, pending in uploads:
        fid = str(item["id"])
        del fake._pending_uploads[fid]
        results.append(
            {
                "id": fid,
                "created": now,
                "timestamp": now,
                "name": pending["filename"],
                "title": item.get("title") or pending["filename"],
                "mimetype": "",
                "filetype": pending["filename"].rpartition(".")[2]
                if "." in pending["filename"]
                else "",
                "user": fake.bot_user_id,
                "size": len(pending["content"]),
                "mode": "hosted",
                "is_external": False,
                "alt_txt": pending["alt_txt"],
                "channels": [c["id"] for c in convs],
                "shares": {},
                "_content": pending["content"],
            }
        )
    # Like Slack, sharing posts one message per conversation carrying the files
    # (its text is the initial_comment). Unshared uploads are recorded with channel None.
    for conv in convs or [None]:
        ts = None
        if conv is not None:
            shared = [{"id": r["id"], "name": r["name"], "title": r["title"]} for r in results]
            text = {"text": p.get("initial_comment") or "", "thread_ts": p.get("thread_ts")}
            ts = fake._store_message(conv["id"], text, files=shared, upload=True)["ts"]
        for r in results:
            fake._files.append(
                {
                    "id": r["id"],
                    "name": r["name"],
                    "title": r["title"],
                    "alt_txt": r["alt_txt"],
                    "content": r["_content"],
                    "size": r["size"],
                    "channel": conv["id"] if conv else None,
                    "ts": ts,
                    "initial_comment": p.get("initial_comment"),
                    "thread_ts": p.get("thread_ts"),
                }
            )
    for r in results:
        del r["_content"]
    return {"files": results}


# ---------------------------------------------------------------------------------
# HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out (inject_delay) hang up mid-response; that is expected.
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "FakeSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read calls instead
        pass

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes | str | dict[str, Any],
        headers: dict[str, str] | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        if isinstance(body, dict):
            data = json.dumps(body, default=_json_default).encode()
        else:
            data = body.encode() if isinstance(body, str) else body
            if content_type.startswith("application/json"):
                content_type = "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _params(self, body: bytes) -> dict[str, Any]:
        query = urlsplit(self.path).query
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body:
            if content_type == "application/json":
                decoded = json.loads(body)
                if isinstance(decoded, dict):
                    params.update(decoded)
            else:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return params

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        self._dispatch(self._read_body())

    def _dispatch(self, body: bytes) -> None:
        fake = self.server.fake
        path = urlsplit(self.path).path
        try:
            if path.startswith("/api/"):
                params = self._params(body)
                token = params.pop("token", None)
                auth = self.headers.get("Authorization") or ""
                if auth.lower().startswith("bearer "):
                    token = auth[7:].strip()
                for key in _JSON_PARAMS:  # record decoded documents, not JSON strings
                    if isinstance(params.get(key), str):
                        params[key] = _json_value(params[key])
                status, headers, reply = fake.handle_api(path[len("/api/") :], params, token)
                self._send(status, reply, headers)
            elif path.startswith("/upload/") and self.command == "POST":
                status, text = fake.handle_upload(path[len("/upload/") :], body)
                self._send(status, text, content_type="text/plain; charset=utf-8")
            elif path.startswith("/response/") and self.command == "POST":
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    self._send(400, {"ok": False, "error": "invalid_payload"})
                    return
                status, reply = fake.handle_response_url(path[len("/response/") :], payload)
                self._send(status, reply)
            elif path == "/_fake/state":
                self._send(200, fake.state())
            elif path == "/_fake/rpc" and self.command == "POST":
                request = json.loads(body or b"{}")
                name = request.get("fn")
                if name not in RPC_FUNCTIONS:
                    self._send(404, {"ok": False, "error": f"no such rpc: {name}"})
                    return
                result = getattr(fake, name)(*request.get("args", []), **request.get("kwargs", {}))
                self._send(200, {"ok": True, "result": result})
            else:
                self._send(404, {"ok": False, "error": "not_found"})
        except (ConnectionError, TimeoutError):
            raise
        except Exception as exc:  # a bug in the fake: make it loud but keep serving
            self._send(500, {"ok": False, "error": "fake_internal_error", "detail": repr(exc)})
            raise


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
