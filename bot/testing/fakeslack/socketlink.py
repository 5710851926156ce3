"""The connection side of the fake's Socket Mode (see socketmode.py): single-use
connection tickets, one WebSocket session per connection (hello first, then whatever
is sent), Slack's `disconnect` message and dropped connections, and what tests read
back: connections, messages sent, acks received with their latency."""

from __future__ import annotations

import copy
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .websocket import WebSocket, handshake_response

if TYPE_CHECKING:
    from .httpd import FakeHandler
    from .server import FakeSlack


@dataclass
class SocketAck:
    """An ack the client sent: for which envelope (and its type), the ack's payload, how
    long after the envelope it came (seconds) and on which connection."""

    envelope_id: str
    type: str
    payload: dict[str, Any] | None
    latency: float
    connection: int


@dataclass
class SocketConnection:
    """One WebSocket connection: `end` is None while open, then "client_closed",
    "dropped" (drop()) or "closed" (a clean close from the fake)."""

    id: int
    ticket: str
    opened: float  # time.monotonic()
    ws: WebSocket = field(repr=False)
    closed: float | None = None
    end: str | None = None
    pings: int = 0
    disconnect_sent: str | None = None  # the reason, once asked to reconnect

    @property
    def usable(self) -> bool:
        return self.end is None and self.disconnect_sent is None and not self.ws.aborted


@dataclass
class SentEnvelope:
    """An envelope sent and not forgotten: its type, the request kind, when (monotonic)."""

    type: str
    kind: str
    at: float


class SocketLink:
    """Connections and their traffic; SocketMode adds what Slack sends over them."""

    fake: FakeSlack

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._conn_ids = itertools.count(1)
        self._tickets: dict[str, bool] = {}  # ticket -> used
        self._connections: list[SocketConnection] = []
        self._sent_log: list[dict[str, Any]] = []
        self._sent: dict[str, SentEnvelope] = {}  # envelope_id -> when and what
        self._acks: list[SocketAck] = []
        self._received: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ the server side

    def issue_url(self) -> str:
        """What apps.connections.open answers: a WebSocket URL usable for one connection."""
        ticket = secrets.token_hex(16)
        with self._cond:
            self._tickets[ticket] = False
        base = self.fake.base_url.replace("http://", "ws://", 1)
        return f"{base}/link/?ticket={ticket}&app_id={self.fake.app_id}"

    def serve(self, handler: FakeHandler) -> None:
        """Run one WebSocket session on the HTTP connection of a GET /link/?ticket=..."""
        key = handler.headers.get("Sec-WebSocket-Key")
        if (handler.headers.get("Upgrade") or "").lower() != "websocket" or not key:
            handler.send_error(400, "expected a WebSocket upgrade")
            return
        ticket = dict(parse_qsl(urlsplit(handler.path).query)).get("ticket", "")
        with self._cond:
            valid = self._tickets.get(ticket) is False
            if valid:
                self._tickets[ticket] = True  # a reconnect must ask apps.connections.open again
        if not valid:
            handler.send_error(401, "unknown or used ticket")
            return
        handler.wfile.write(handshake_response(key))
        ws = WebSocket(handler.connection, handler.rfile)
        conn = SocketConnection(next(self._conn_ids), ticket, time.monotonic(), ws)
        ws.on_ping = lambda: self._pinged(conn)
        try:
            # hello first, then the connection is open for envelopes, as with Slack.
            self._send(conn, self._hello())
            with self._cond:
                self._connections.append(conn)
                self._cond.notify_all()
            for text in conn.ws.messages():
                self._receive(conn, text)
        except OSError:
            pass  # the client went away mid-send; the session is over either way
        finally:
            with self._cond:
                conn.closed = time.monotonic()
                conn.end = conn.end or ("dropped" if conn.ws.aborted else "client_closed")
                self._cond.notify_all()

    def _hello(self) -> dict[str, Any]:
        with self._cond:
            live = sum(1 for c in self._connections if c.end is None)
        return {
            "type": "hello",
            "num_connections": live + 1,
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.fake.app_id},
        }

    def _send(self, conn: SocketConnection, message: dict[str, Any]) -> None:
        conn.ws.send_text(json.dumps(message))
        with self._cond:
            self._sent_log.append({**copy.deepcopy(message), "_connection": conn.id})

    def _pinged(self, conn: SocketConnection) -> None:
        with self._cond:
            conn.pings += 1

    def _receive(self, conn: SocketConnection, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._cond:
            sent = self._sent.get(str(envelope_id))
            if sent is None:
                self._received.append({"connection": conn.id, "text": text})
            else:
                payload = message.get("payload")  # type: ignore[union-attr]
                latency = time.monotonic() - sent.at
                self._acks.append(SocketAck(str(envelope_id), sent.type, payload, latency, conn.id))
            self._cond.notify_all()

    # ------------------------------------------------------------------ breaking it

    def disconnect(
        self, reason: str = "refresh_requested", *, close_after: float | None = 0.5
    ) -> int:
        """Send Slack's {"type": "disconnect", "reason": ...} on every open connection.

        The client is expected to call apps.connections.open again, connect, and drop the
        old connection; new envelopes only go to connections not asked to disconnect.
        Like Slack retiring a connection, the fake closes the old one itself (close frame)
        `close_after` seconds later if it is still open; None leaves it open. Returns how
        many connections were asked.
        """
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        asked = []
        for conn in self._open():
            try:
                self._send(conn, message)
            except OSError:
                continue
            conn.disconnect_sent = reason
            asked.append(conn)
        if asked and close_after is not None:
            timer = threading.Timer(close_after, self._retire, args=(asked,))
            timer.daemon = True
            timer.start()
        return len(asked)

    def _retire(self, conns: list[SocketConnection]) -> None:
        for conn in conns:
            with self._cond:
                if conn.end is not None or conn.ws.aborted:
                    continue
                conn.end = "closed"
            conn.ws.close(1000, reason=conn.disconnect_sent or "")

    def drop(self, *, clean: bool = False) -> int:
        """End every open connection: a TCP reset (a network failure), or with clean=True a
        close frame (1001, going away). Returns how many were ended."""
        conns = self._open()
        for conn in conns:
            if clean:
                conn.end = "closed"
                conn.ws.close(1001, "going away")
            else:
                conn.ws.abort()
        return len(conns)

    def _open(self) -> list[SocketConnection]:
        with self._cond:
            return [c for c in self._connections if c.end is None and not c.ws.aborted]

    # ------------------------------------------------------------------ what tests read

    @property
    def connections(self) -> list[SocketConnection]:
        """Every connection made, oldest first (live objects: `end`, `pings` change)."""
        with self._cond:
            return list(self._connections)

    def wait_for_connections(self, count: int = 1, timeout: float = 5.0) -> SocketConnection:
        """Block until `count` connections have been made and one is usable; return it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                usable = [c for c in self._connections if c.usable]
                if len(self._connections) >= count and usable:
                    return usable[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._connections)} connection(s), wanted {count}")
                self._cond.wait(remaining)

    @property
    def acks(self) -> list[SocketAck]:
        """Every ack received, in order (late ones and duplicates too)."""
        with self._cond:
            return list(self._acks)

    def acks_for(self, envelope_id: str) -> list[SocketAck]:
        with self._cond:
            return [a for a in self._acks if a.envelope_id == envelope_id]

    def sent(self, type: str | None = None) -> list[dict[str, Any]]:
        """Every message sent to the client (hello, envelopes, disconnects), oldest first,
        each with the connection id under "_connection"."""
        with self._cond:
            return [
                copy.deepcopy(m) for m in self._sent_log if type is None or m.get("type") == type
            ]

    @property
    def received(self) -> list[dict[str, Any]]:
        """Messages from the client that were not acks of a known envelope."""
        with self._cond:
            return copy.deepcopy(self._received)
