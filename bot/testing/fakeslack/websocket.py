"""A minimal RFC 6455 WebSocket server side, enough for Slack's Socket Mode clients.

The opening handshake (Sec-WebSocket-Accept), text/binary messages (fragmented or
not), ping -> pong, the closing handshake, and an abortive close (TCP RST) for a
dropped network. Client frames must be masked and ours are not, as the RFC requires.
No extensions, no subprotocols: slack_sdk's clients ask for neither.

`encode_frame(..., mask=True)` and `read_frame` also serve tests acting as a client.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
MAX_MESSAGE = 16 * 1024 * 1024  # far above any Socket Mode ack; stops a runaway length


_LINGER_OFF = struct.pack("ii", 1, 0)  # l_onoff=1, l_linger=0: close() sends RST


def abort_socket(sock: socket.socket) -> None:
    """Arrange for the next close of `sock` to reset the connection (RST, no FIN)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_OFF)
    except OSError:
        pass  # already closed: nothing left to reset


def aborting(sock: socket.socket) -> bool:
    """Whether abort_socket() was called on `sock`."""
    try:
        onoff, linger = struct.unpack("ii", sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))
    except OSError:
        return False
    return bool(onoff) and linger == 0


class ProtocolError(Exception):
    """The peer broke RFC 6455 (unmasked client frame, bad length, bad opcode...)."""


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1((key.strip() + GUID).encode()).digest()).decode()


def handshake_response(key: str) -> bytes:
    return (
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
    ).encode()


def _xor(data: bytes, key: bytes) -> bytes:
    if not data:
        return data
    # One big-integer XOR instead of a Python-level loop over every byte.
    pad = (key * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(pad, "big")).to_bytes(len(data), "big")


def encode_frame(
    opcode: int, payload: bytes = b"", *, mask: bool = False, fin: bool = True
) -> bytes:
    """One frame; mask=True is how a client must send (tests use it to play the client)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head += bytes([bit | n])
    elif n < 1 << 16:
        head += struct.pack("!BH", bit | 126, n)
    else:
        head += struct.pack("!BQ", bit | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + _xor(payload, key)


def _read_exact(rfile: BinaryIO, n: int) -> bytes:
    data = rfile.read(n)
    if data is None or len(data) < n:
        raise ConnectionError("connection closed mid-frame" if data else "connection closed")
    return data


def read_frame(rfile: BinaryIO, *, require_mask: bool = True) -> tuple[bool, int, bytes]:
    """(fin, opcode, unmasked payload) of the next frame. Raises ConnectionError at EOF."""
    b1, b2 = _read_exact(rfile, 2)
    if b1 & 0x70:
        raise ProtocolError("reserved bits set without an extension")
    masked, n = bool(b2 & 0x80), b2 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exact(rfile, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exact(rfile, 8))[0]
    if n > MAX_MESSAGE:
        raise ProtocolError(f"frame of {n} bytes")
    if require_mask and not masked:
        raise ProtocolError("client frames must be masked")
    key = _read_exact(rfile, 4) if masked else b""
    payload = _read_exact(rfile, n)
    return bool(b1 & 0x80), b1 & 0x0F, _xor(payload, key) if masked else payload


class WebSocket:
    """The server end of one connection, after the handshake.

    Thread-safe sends; `messages()` runs in the connection's own thread, answering
    pings and the closing handshake, and yields each text message. `close()` is a clean
    close (close frame), `abort()` resets the TCP connection from any thread.
    """

    def __init__(
        self, sock: socket.socket, rfile: BinaryIO, on_ping: Callable[[], None] | None = None
    ):
        self.sock = sock
        self.rfile = rfile
        self.on_ping = on_ping
        self.close_code: int | None = None  # the peer's, once it sends a close frame
        self._send_lock = threading.Lock()
        self._closing = False
        self.aborted = False

    def send(self, opcode: int, payload: bytes = b"") -> None:
        with self._send_lock:
            if self._closing and opcode != OP_CLOSE:
                raise ConnectionError("websocket is closing")
            self.sock.sendall(encode_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        self.send(OP_TEXT, text.encode("utf-8"))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame; the session ends when the client answers or hangs up."""
        try:
            self.send(OP_CLOSE, struct.pack("!H", code) + reason.encode("utf-8"))
        except OSError:
            pass  # already gone: nothing to close politely
        self._closing = True

    def abort(self) -> None:
        """Cut the connection: RST, no close frame (a dropped network, a killed host)."""
        self.aborted = True
        abort_socket(self.sock)
        try:
            # Wakes the reader thread (recv returns 0); it closes the socket, which RSTs.
            self.sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass

    def messages(self) -> Iterator[str]:
        """Text messages from the client until it closes, hangs up or we abort."""
        parts: list[bytes] = []
        while not self.aborted:
            try:
                fin, opcode, payload = read_frame(self.rfile)
            except (ConnectionError, OSError, ProtocolError):
                return
            if opcode == OP_PING:
                self.send(OP_PONG, payload)
                if self.on_ping:
                    self.on_ping()
            elif opcode == OP_CLOSE:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                if not self._closing:
                    self.close(self.close_code if self.close_code != 1005 else 1000)
                return
            elif opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
                parts.append(payload)
                if fin:
                    yield b"".join(parts).decode("utf-8", "replace")
                    parts = []
