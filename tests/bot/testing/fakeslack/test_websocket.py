"""The fake's RFC 6455 server side, driven by a raw-socket client."""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import struct
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testing.fakeslack import FakeSlack
from bot.testing.fakeslack.websocket import (
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    ProtocolError,
    accept_key,
    encode_frame,
    read_frame,
)


class RawClient:
    """Just enough of a WebSocket client to poke at the server."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        self.key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.rfile = self.sock.makefile("rb")
        self.status = int(self.rfile.readline().split()[1])
        self.headers = {}
        while (line := self.rfile.readline().strip()) != b"":
            name, _, value = line.decode().partition(":")
            self.headers[name.lower()] = value.strip()

    def send(self, opcode: int, payload: bytes = b"", **kwargs) -> None:
        self.sock.sendall(encode_frame(opcode, payload, mask=True, **kwargs))

    def recv(self) -> tuple[int, bytes]:
        _, opcode, payload = read_frame(self.rfile, require_mask=False)
        return opcode, payload

    def recv_json(self) -> dict:
        opcode, payload = self.recv()
        assert opcode == OP_TEXT
        return json.loads(payload)

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()


def connection_url(fake: FakeSlack) -> str:
    app = WebClient(base_url=fake.api_url, token=fake.app_token)
    return app.apps_connections_open(app_token=fake.app_token)["url"]


def test_accept_key_matches_rfc_6455_example():
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_frames_round_trip_at_every_length_encoding(size: int):
    payload = os.urandom(size)
    for mask in (False, True):
        fin, opcode, decoded = read_frame(
            io.BytesIO(encode_frame(OP_TEXT, payload, mask=mask)), require_mask=False
        )
        assert (fin, opcode, decoded) == (True, OP_TEXT, payload)
    with pytest.raises(ProtocolError):  # a server must refuse unmasked client frames
        read_frame(io.BytesIO(encode_frame(OP_TEXT, payload)))


def test_handshake_hello_ping_and_close(fake: FakeSlack):
    url = connection_url(fake)
    assert url.startswith(f"ws://127.0.0.1:{fake.port}/link/?ticket=")
    client = RawClient(url)
    try:
        assert client.status == 101
        assert client.headers["sec-websocket-accept"] == accept_key(client.key)
        hello = client.recv_json()
        assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == fake.app_id
        client.send(OP_PING, b"are you there")
        assert client.recv() == (OP_PONG, b"are you there")
        # A message split in two frames arrives whole.
        client.send(OP_TEXT, b'{"envelope', fin=False)
        client.send(OP_CONTINUATION, b'_id": "unknown"}')
        fake.wait_for(lambda: fake.socket.received)
        assert json.loads(fake.socket.received[0]["text"]) == {"envelope_id": "unknown"}
        client.send(OP_CLOSE, struct.pack("!H", 1000))
        opcode, payload = client.recv()
        assert opcode == OP_CLOSE and struct.unpack("!H", payload[:2])[0] == 1000
    finally:
        client.close()
    (conn,) = fake.socket.connections
    fake.wait_for(lambda: conn.end is not None)
    assert conn.end == "client_closed" and conn.pings == 1


def test_tickets_are_single_use(fake: FakeSlack):
    url = connection_url(fake)
    first = RawClient(url)
    second = RawClient(url)
    forged = RawClient(url.replace("ticket=", "ticket=0"))
    try:
        assert (first.status, second.status, forged.status) == (101, 401, 401)
    finally:
        for c in (first, second, forged):
            c.close()


def test_drop_resets_the_connection(fake: FakeSlack):
    client = RawClient(connection_url(fake))
    try:
        client.recv_json()  # hello
        fake.socket.wait_for_connections(1)
        assert fake.socket.drop() == 1
        with pytest.raises(ConnectionResetError):
            client.recv()
    finally:
        client.close()
    fake.wait_for(lambda: fake.socket.connections[0].end == "dropped")


def test_app_level_token_only_opens_connections(fake: FakeSlack):
    def error(token: str, call) -> str:
        with pytest.raises(SlackApiError) as info:
            call(WebClient(base_url=fake.api_url, token=token))
        return info.value.response["error"]

    def open_conn(c):
        return c.apps_connections_open(app_token=c.token)

    def post(c):
        return c.chat_postMessage(channel="U1", text="x")

    assert error(fake.bot_token, open_conn) == "not_allowed_token_type"
    assert error("xapp-1-A0001-wrong", open_conn) == "invalid_auth"
    assert error(fake.app_token, post) == "not_allowed_token_type"
    assert fake.socket.connections == []
