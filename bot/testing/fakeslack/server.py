"""A fake Slack Web API that the project owns.

`FakeSlack` is an in-process HTTP server that speaks enough of the Slack Web API for
slack_sdk's `WebClient` and slack_bolt to work against it unchanged (point
`WebClient(base_url=fake.api_url)` / `SLACK_API_URL` at it). It keeps the workspace
state (users, channels, DMs, messages, views, files) behind one lock, records every
call, and can misbehave on purpose (limits.py): token-bucket rate limits answered with
429 + Retry-After; injected 5xx/429 answers, delays and connection resets, on any Web
API method, the files_upload_v2 upload URL or a response_url; and faults that strike
*after* the state change (the message was posted but the client saw a 500, a reset or
a timeout), which is what crash/duplicate-safety tests need.

It also serves Slack's Socket Mode (`fake.socket`, socketmode.py): apps.connections.open
with the app-level token returns a ws:// URL on the same loopback port.

This module is the Web API call path; the rest lives next to it: httpd.py (HTTP),
state.py (the workspace), methods_*.py (the Web API methods), blockkit.py, limits.py,
introspection.py (what tests read back), control.py (/_fake/...), websocket.py,
socketlink.py and socketmode.py.

Deliberate realism (so bugs surface here rather than in production):
- users.list includes Slackbot (USLACKBOT, `is_bot: false`!) and the app's bot user.
- The bot must be a member of a channel to post/read there (`not_in_channel`);
  private channels it is not in look like `channel_not_found`.
- trigger_ids expire after `trigger_ttl` seconds (Slack: 3 s) and work once; every
  views.open/push attempt is recorded with its outcome (`trigger_attempts()`).
- Tokens are typed: the bot token (xoxb-) for the Web API, the app-level token (xapp-)
  only for apps.connections.open; the other one gets `not_allowed_token_type`.
- Views and messages get light validation of Slack's hard limits (modal title
  <= 24 chars, private_metadata <= 3000, <= 50 message blocks / 100 view blocks,
  unique block_ids, input blocks need a submit button) -> `invalid_arguments` /
  `invalid_blocks` with `response_metadata.messages` like Slack.

Anything not modelled is either an `unknown_method` or silently accepted.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

# Imported for their @api_method registrations.
from . import methods_chat, methods_conversations, methods_files, methods_users  # noqa: F401
from .api import API_METHODS, SlackError, truthy
from .httpd import FakeHandler, FakeHTTPServer
from .introspection import Introspection
from .limits import RESPONSE_URL, UPLOAD, Limits
from .methods_views import TRIGGER_METHODS, Views
from .socketmode import APP_TOKEN_METHODS, SocketMode


class FakeSlack(Views, Introspection, Limits):
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
        marketplace: bool = False,
        include_slackbot: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        app_token: str = "xapp-1-A0001-fake",
    ):
        super().__init__(
            team_id,
            team_name,
            bot_user_id,
            bot_token,
            bot_id=bot_id,
            bot_name=bot_name,
            app_id=app_id,
            trigger_ttl=trigger_ttl,
            include_slackbot=include_slackbot,
        )
        self.app_token = app_token
        self._host = host
        self._requested_port = port
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # What happened (read back by Introspection) and what to break (Limits).
        self._calls = []
        self._call_counts = {}
        self._error_counts = {}
        self._ratelimited = {}
        self._injected = {}
        self._rate_limits = {}
        self._faults = {}
        self.socket = SocketMode(self)  # Slack's Socket Mode side, served on the same port
        # Since May 2025 an app distributed outside the Marketplace gets Tier 1
        # for conversations.history: 1 call a minute, at most 15 messages a page.
        self.marketplace(marketplace)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        self._server = FakeHTTPServer((self._host, self._requested_port), FakeHandler)
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
        self.socket.drop()  # server_close() waits for the WebSocket sessions' threads
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

    # ------------------------------------------------------------------ requests from the bot

    def handle_api(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Run one Web API call: returns (HTTP status, extra headers, JSON body).

        Raises DropConnection when an injected reset cuts the connection instead.
        """
        retry_after, fault = self._admit(method, params)
        handled: dict[str, Any] | None = None  # the method's own answer, when it ran
        answer: tuple[int, dict[str, str], dict[str, Any]] | None = None
        try:
            if retry_after:
                answer = (
                    429,
                    {"Retry-After": str(retry_after)},
                    {"ok": False, "error": "ratelimited"},
                )
                return answer
            failed = self._strike(fault) if fault and not fault.after_effect else None
            if failed is None:
                handled = self._run_method(method, params, token)
                failed = self._strike(fault) if fault and fault.after_effect else None
            answer = self._fault_response(failed) if failed else (200, {}, handled or {})
            return answer
        finally:
            if method in TRIGGER_METHODS:  # including failures, so tests can count attempts
                self._record_trigger_attempt(method, params, handled, answer)

    def _admit(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        """Record the call; return (Retry-After seconds if rate limited, the fault to apply)."""
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
        return retry_after, fault

    def _auth_error(self, method: str, token: str | None) -> str | None:
        if not token:
            return "not_authed"
        wanted, other = (
            (self.app_token, self.bot_token)
            if method in APP_TOKEN_METHODS
            else (self.bot_token, self.app_token)
        )
        if token == wanted:
            return None
        return "not_allowed_token_type" if token == other else "invalid_auth"

    def _run_method(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        error = self._auth_error(method, token)
        if error:
            return {"ok": False, "error": error}
        handler = API_METHODS.get(method)
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
        return body

    def _take_endpoint_fault(self, endpoint: str) -> Any:
        with self._changed:
            self._call_counts[endpoint] = self._call_counts.get(endpoint, 0) + 1
            fault = self._take_fault(endpoint)
            if fault:
                self._injected[endpoint] = self._injected.get(endpoint, 0) + 1
            return fault

    def handle_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """The upload_url POST of files_upload_v2 (faults: inject*(UPLOAD, ...))."""
        fault = self._take_endpoint_fault(UPLOAD)
        failed = self._strike(fault) if fault and not fault.after_effect else None
        if failed:
            return failed.status or 500, "error"
        with self._changed:
            pending = self._pending_uploads.get(file_id)
            if pending is None:
                return 404, "file not found"
            pending["content"] = data
            self._changed.notify_all()
        failed = self._strike(fault) if fault and fault.after_effect else None
        if failed:
            return failed.status or 500, "error"
        return 200, f"OK - {len(data)}"

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

    def handle_response_url(self, rid: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A POST to a response_url (faults: inject*(RESPONSE_URL, ...))."""
        fault = self._take_endpoint_fault(RESPONSE_URL)
        failed = self._strike(fault) if fault and not fault.after_effect else None
        if failed:
            return failed.status or 500, {"ok": False, "error": failed.error}
        with self._changed:
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
        failed = self._strike(fault) if fault and fault.after_effect else None
        if failed:
            return failed.status or 500, {"ok": False, "error": failed.error}
        return 200, {"ok": True}

    def _apply_response(self, meta: dict[str, Any], body: dict[str, Any]) -> None:
        """replace_original/delete_original act on the message the button was in."""
        channel_id, ts = meta.get("channel_id"), meta.get("message_ts")
        original = self._find_raw(channel_id, ts) if channel_id and ts else None
        if original is not None and truthy(body.get("delete_original")):
            self._messages[channel_id].remove(original)
        elif original is not None and truthy(body.get("replace_original")):
            original["text"] = body.get("text", "")
            original.pop("blocks", None)
            if body.get("blocks") is not None:
                original["blocks"] = body["blocks"]
        elif body.get("response_type") == "in_channel" and channel_id in self._convs:
            self._store_message(channel_id, body)
