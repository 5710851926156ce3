"""Slack's Socket Mode, served by the fake: `fake.socket`.

apps.connections.open (app-level token only) returns a single-use
`ws://127.0.0.1:PORT/link/?ticket=...` URL on the fake's own port. A client that
connects gets Slack's `hello`, then whatever a test sends through `fake.socket`:

    fake.socket.send_slash("U1", "help")           # slash_commands envelope
    fake.socket.send_click("U1", "start", message=m)  # interactive (block_actions)
    fake.socket.send_submit("U1", view, answers={...})  # interactive (view_submission)
    fake.socket.send_event({"type": "app_home_opened", ...})  # events_api
    fake.socket.disconnect("refresh_requested")    # Slack asks the client to reconnect
    fake.socket.drop()                             # the connection dies (TCP reset)

Each send_* builds the payload exactly as the HTTP `SlackSender` does (same fresh
trigger_ids and response_urls), wraps it in an envelope with an `envelope_id`, and
waits for the client's ack `{"envelope_id": ..., "payload": ...}`: it returns a Reply
(status 200, the ack's payload as JSON, latency) or raises AckTooSlow after
`ack_deadline` seconds (Slack's 3 s). Every ack is recorded with its latency, late ones
too (`acks`), as are the connections, the messages sent and anything else received.

In-process only (RemoteFake does not reach it). Not modelled: redelivery of unacked
events, the periodic `warning` disconnects, more than one app.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from .api import api_method
from .sender import Interactions
from .signing import ACK_DEADLINE, AckTooSlow, Reply
from .socketlink import SentEnvelope, SocketAck, SocketConnection, SocketLink

if TYPE_CHECKING:
    from .server import FakeSlack

# Web API methods that take the app-level token (xapp-) rather than the bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Interactive payloads whose ack may carry a response (response_action, options).
_ACK_WITH_RESPONSE = frozenset({"view_submission", "block_suggestion"})


class SocketMode(SocketLink, Interactions):
    """The Socket Mode side of one FakeSlack; see the module docstring."""

    def __init__(self, fake: FakeSlack, *, ack_deadline: float | None = ACK_DEADLINE):
        SocketLink.__init__(self)
        Interactions.__init__(self, fake)
        # None: wait up to `timeout` for acks and only record latencies.
        self.ack_deadline = ack_deadline
        self.timeout = 10.0
        self.connect_timeout = 5.0  # how long a send waits for the client to be connected

    # ------------------------------------------------------------------ what Slack sends

    def post_form(self, fields: dict[str, Any], **overrides: Any) -> Reply:
        """A slash command: the form fields, as a slash_commands envelope."""
        _no_http_overrides(overrides)
        return self.deliver("slash_commands", dict(fields), kind="slash_command",
                            trigger_id=fields.get("trigger_id"))  # fmt: skip

    def post_payload(self, payload: dict[str, Any], **overrides: Any) -> Reply:
        """An interactivity payload, as an interactive envelope."""
        _no_http_overrides(overrides)
        kind = str(payload.get("type") or "interactive")
        return self.deliver("interactive", payload, kind=kind, trigger_id=payload.get("trigger_id"),
                            accepts_response_payload=kind in _ACK_WITH_RESPONSE)  # fmt: skip

    def post_json(self, envelope: dict[str, Any], **overrides: Any) -> Reply:
        """An Events API callback, as an events_api envelope (X-Slack-Retry-* headers from
        event(retry_num=...) become retry_attempt/retry_reason)."""
        headers = overrides.pop("headers", None) or {}
        _no_http_overrides(overrides)
        if envelope.get("type") != "event_callback":
            raise ValueError("Socket Mode carries only event_callback envelopes")
        retry = (int(headers.get("X-Slack-Retry-Num", 0)), headers.get("X-Slack-Retry-Reason", ""))
        return self.deliver("events_api", envelope, kind="event_callback", retry=retry)

    send_slash = Interactions.slash
    send_click = Interactions.click
    send_submit = Interactions.submit
    send_event = Interactions.event

    def deliver(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        kind: str | None = None,
        trigger_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry: tuple[int, str] = (0, ""),
    ) -> Reply:
        """Send one envelope of `type` around `payload` and wait for its ack."""
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": type,
            "accepts_response_payload": (
                type == "slash_commands"
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if type == "events_api":
            envelope.update({"retry_attempt": retry[0], "retry_reason": retry[1]})
        kind = kind or type
        self._send_envelope(envelope, kind)
        ack = self._wait_ack(envelope["envelope_id"], kind)
        body = json.dumps(ack.payload) if ack.payload is not None else ""
        return Reply(200, body, ack.payload, latency=ack.latency, trigger_id=trigger_id)

    def _send_envelope(self, envelope: dict[str, Any], kind: str) -> None:
        deadline = time.monotonic() + self.connect_timeout
        while True:
            conn = self._usable_connection(deadline)
            with self._cond:
                self._sent[envelope["envelope_id"]] = SentEnvelope(
                    envelope["type"], kind, time.monotonic()
                )
            try:
                self._send(conn, envelope)
                return
            except OSError:
                # Died between the check and the send: Slack would use another connection.
                with self._cond:
                    self._cond.wait(0.05)

    def _usable_connection(self, deadline: float) -> SocketConnection:
        with self._cond:
            while True:
                usable = [c for c in self._connections if c.usable]
                if usable:
                    return usable[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ConnectionError(
                        f"no Socket Mode connection within {self.connect_timeout:.1f} s "
                        "(is the app's SocketModeHandler connected? did it reconnect?)"
                    )
                self._cond.wait(remaining)

    def _wait_ack(self, envelope_id: str, kind: str) -> SocketAck:
        started = self._sent[envelope_id].at
        limit = self.ack_deadline if self.ack_deadline is not None else self.timeout
        with self._cond:
            while True:
                ack = next((a for a in self._acks if a.envelope_id == envelope_id), None)
                if ack is not None and (
                    self.ack_deadline is None or ack.latency <= self.ack_deadline
                ):
                    return ack
                waited = time.monotonic() - started
                if ack is not None or waited >= limit:
                    break
                self._cond.wait(limit - waited)
        if self.ack_deadline is None:
            raise TimeoutError(f"no ack for {kind} envelope {envelope_id} in {limit:.1f} s")
        raise AckTooSlow(kind, ack.latency if ack else waited, self.ack_deadline, None)


def _no_http_overrides(overrides: dict[str, Any]) -> None:
    # timestamp=/signature=/... only mean something for signed HTTP requests.
    if overrides:
        raise TypeError(f"Socket Mode has no {sorted(overrides)}")


@api_method("apps.connections.open")
def _apps_connections_open(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    return {"url": fake.socket.issue_url()}
