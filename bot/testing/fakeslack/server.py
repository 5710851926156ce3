"""A fake Slack Web API that the project owns.

`FakeSlack` is an in-process HTTP server that speaks enough of the Slack Web API for
slack_sdk's `WebClient` and slack_bolt to work against it unchanged (point
`WebClient(base_url=fake.api_url)` / `SLACK_API_URL` at it). It keeps the workspace
state (users, channels, DMs, messages, views, files) behind one lock, records every
call, and can misbehave on purpose: token-bucket rate limits answered with 429 +
Retry-After, injected 5xx/429/slow responses, and faults that strike *after* the
state change (the message was posted but the client saw an error), which is what
crash/duplicate-safety tests need.

This module is the HTTP side and the call path; the rest lives next to it:
state.py (the workspace), methods_*.py (the Web API methods), blockkit.py,
limits.py, introspection.py (what tests read back) and control.py (/_fake/...).

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
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Imported for their @api_method registrations.
from . import methods_chat, methods_conversations, methods_files, methods_users  # noqa: F401
from .api import API_METHODS, JSON_PARAMS, SlackError, json_value, truthy
from .control import handle_control
from .introspection import Introspection
from .limits import Limits
from .methods_views import Views


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
        include_slackbot: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
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
        self._host = host
        self._requested_port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # What happened (read back by Introspection) and what to break (Limits).
        self._calls = []
        self._call_counts = {}
        self._error_counts = {}
        self._ratelimited = {}
        self._injected = {}
        self._rate_limits = {}
        self._faults = {}

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

        if fault and fault.after_effect:
            time.sleep(fault.delay)
            if fault.status is not None:
                return self._fault_response(fault)
        return 200, {}, body

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
        if original is not None and truthy(body.get("delete_original")):
            self._messages[channel_id].remove(original)
        elif original is not None and truthy(body.get("replace_original")):
            original["text"] = body.get("text", "")
            original.pop("blocks", None)
            if body.get("blocks") is not None:
                original["blocks"] = body["blocks"]
        elif body.get("response_type") == "in_channel" and channel_id in self._convs:
            self._store_message(channel_id, body)


# ---------------------------------------------------------------------------------
# HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out (inject_delay) hang up mid-response; that is expected.
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
                for key in JSON_PARAMS:  # record decoded documents, not JSON strings
                    if isinstance(params.get(key), str):
                        params[key] = json_value(params[key])
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
            elif path.startswith("/_fake/"):
                self._send(*handle_control(fake, path, self.command, body))
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
