"""Slack's request signing, and POSTing signed bodies to the bot's Request URL, timed
against Slack's 3-second acknowledgement deadline (`AckTooSlow`)."""

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

# Slack waits this long for an app to acknowledge a request, then gives up.
ACK_DEADLINE = 3.0

# What the user sees (or Slack does) when that deadline passes, by request kind.
_SLACK_GIVES_UP = {
    "slash_command": 'the user sees "/command failed with the error "operation_timeout""',
    "block_actions": "the user sees a warning icon next to what they clicked",
    "view_submission": 'the modal shows "We had some trouble connecting. Try again?"',
    "event_callback": "Slack retries the event (X-Slack-Retry-Reason: http_timeout)",
}


@dataclass
class Reply:
    """What the bot answered: HTTP status, raw body, parsed JSON (if any), headers, how
    long it took (seconds) and the trigger_id the request carried (if any)."""

    status: int
    body: str
    json: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0
    trigger_id: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class AckRecord:
    """One request sent to the app: its kind (slash_command, block_actions, view_submission,
    event_callback, ...), the HTTP status (None: no answer before the client timeout),
    latency in seconds, and the trigger_id it carried."""

    kind: str
    status: int | None
    latency: float
    trigger_id: str | None = None


class AckTooSlow(AssertionError):
    """The app acknowledged a request later than Slack allows (3 s), or never: in real
    Slack the user would have seen an error. `reply` is None when no answer came."""

    def __init__(self, kind: str, latency: float, deadline: float, reply: Reply | None):
        self.kind, self.latency, self.deadline, self.reply = kind, latency, deadline, reply
        answered = f"answered after {latency:.2f} s" if reply else f"no answer in {latency:.2f} s"
        consequence = _SLACK_GIVES_UP.get(kind, "Slack reports an error")
        super().__init__(
            f"the app acknowledged a {kind} too late: {answered}, deadline {deadline:.1f} s; "
            f"in real Slack {consequence}. Ack first and do slow work after it."
        )


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

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        *,
        timeout: float = 10.0,
        ack_deadline: float | None = ACK_DEADLINE,
    ):
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.timeout = timeout
        # None: only record latencies; a number: raise AckTooSlow past it.
        self.ack_deadline = ack_deadline
        self.acks: list[AckRecord] = []  # one per request, in order

    def post(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        *,
        timestamp: int | None = None,
        signing_secret: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        kind: str = "request",
        trigger_id: str | None = None,
    ) -> Reply:
        """POST a raw body, signed like Slack. Returns the bot's Reply (never raises on 4xx/5xx).

        Raises AckTooSlow if the answer takes longer than `ack_deadline` seconds (or the
        client `timeout` passes first); `kind` and `trigger_id` label the AckRecord.
        """
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
        started = time.monotonic()
        try:
            reply = self._exchange(request)
        except (TimeoutError, urllib.error.URLError) as exc:
            timed_out = isinstance(exc, TimeoutError) or isinstance(
                getattr(exc, "reason", None), TimeoutError
            )
            latency = time.monotonic() - started
            if timed_out:
                self.acks.append(AckRecord(kind, None, latency, trigger_id))
            if timed_out and self.ack_deadline is not None:
                raise AckTooSlow(kind, latency, self.ack_deadline, None) from exc
            raise
        reply.latency, reply.trigger_id = time.monotonic() - started, trigger_id
        self.acks.append(AckRecord(kind, reply.status, reply.latency, trigger_id))
        if self.ack_deadline is not None and reply.latency > self.ack_deadline:
            raise AckTooSlow(kind, reply.latency, self.ack_deadline, reply)
        return reply

    def _exchange(self, request: urllib.request.Request) -> Reply:
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
        overrides.setdefault("kind", "slash_command" if "command" in fields else "form")
        overrides.setdefault("trigger_id", fields.get("trigger_id"))
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **overrides)

    def post_payload(self, payload: dict[str, Any], **overrides: Any) -> Reply:
        """POST an interactivity payload as Slack sends it: form-encoded payload=<json>."""
        overrides.setdefault("kind", str(payload.get("type") or "interactive"))
        overrides.setdefault("trigger_id", payload.get("trigger_id"))
        return self.post_form({"payload": json.dumps(payload)}, **overrides)

    def post_json(self, envelope: dict[str, Any], **overrides: Any) -> Reply:
        """POST a JSON body, as Slack sends Events API envelopes."""
        overrides.setdefault("kind", str(envelope.get("type") or "json"))
        return self.post(json.dumps(envelope), "application/json", **overrides)
