"""Slack's request signing, and POSTing signed bodies to the bot's Request URL."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode


@dataclass
class Reply:
    """What the bot answered: HTTP status, raw body, parsed JSON (if any), headers."""

    status: int
    body: str
    json: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def sign(signing_secret: str, timestamp: int | str, body: str) -> str:
    """Slack's request signature: "v0=" + hex HMAC-SHA256(secret, "v0:{ts}:{body}")."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class SignedClient:
    """POSTs to the bot at `bot_url` signed with `signing_secret`, like Slack does.

    The post* methods accept keyword overrides for negative tests:
    `timestamp=` (int seconds), `signing_secret=`, `signature=` (sent verbatim),
    `headers=` (extra headers).
    """

    def __init__(self, bot_url: str, signing_secret: str, *, timeout: float = 10.0):
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.timeout = timeout

    def post(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        *,
        timestamp: int | None = None,
        signing_secret: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """POST a raw body, signed like Slack. Returns the bot's Reply (never raises on 4xx/5xx)."""
        ts = int(time.time()) if timestamp is None else int(timestamp)
        secret = self.signing_secret if signing_secret is None else signing_secret
        request_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature if signature is not None else sign(secret, ts, body),
            **(headers or {}),
        }
        request = urllib.request.Request(
            self.bot_url, data=body.encode("utf-8"), headers=request_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return self._reply(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as err:
            return self._reply(err.code, err.read(), err.headers)

    @staticmethod
    def _reply(status: int, raw: bytes, headers: Any) -> Reply:
        text = raw.decode("utf-8", "replace")
        parsed = None
        if text.lstrip().startswith("{"):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        return Reply(status, text, parsed, dict(headers.items()) if headers else {})

    def post_form(self, fields: dict[str, Any], **overrides: Any) -> Reply:
        """POST `fields` form-encoded, as Slack sends slash commands."""
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **overrides)

    def post_payload(self, payload: dict[str, Any], **overrides: Any) -> Reply:
        """POST an interactivity payload as Slack sends it: form-encoded payload=<json>."""
        return self.post_form({"payload": json.dumps(payload)}, **overrides)

    def post_json(self, envelope: dict[str, Any], **overrides: Any) -> Reply:
        """POST a JSON body, as Slack sends Events API envelopes."""
        return self.post(json.dumps(envelope), "application/json", **overrides)
