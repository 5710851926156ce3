"""Socket Mode end to end: slack_bolt's SocketModeHandler (the builtin client, as
`candor` runs it) connected to the fake."""

from __future__ import annotations

import time

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.testing.fakeslack import AckTooSlow, FakeSlack

from .helpers import bolt_app

MODAL = {
    "type": "modal",
    "callback_id": "survey",
    "title": {"type": "plain_text", "text": "Pulse"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "mood",
            "label": {"type": "plain_text", "text": "Mood"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}
BUTTON = [
    {
        "type": "actions",
        "block_id": "b",
        "elements": [
            {"type": "button", "action_id": "start", "value": "go",
             "text": {"type": "plain_text", "text": "Start"}},
        ],
    }
]  # fmt: skip


@pytest.fixture
def socket_app(fake: FakeSlack):
    """A bolt app on Socket Mode against `fake`; yields what its listeners saw."""
    app = bolt_app(fake)
    seen: dict = {}

    @app.command("/candor")
    def command(ack, body):
        ack(f"you said {body['text']}")

    @app.command("/slow")
    def slow(ack):
        time.sleep(0.6)
        ack()

    @app.action("start")
    def start(ack, body, client):
        ack()
        seen["click"] = body
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("survey")
    def submitted(ack, view):
        if not view["state"]["values"]["mood"]["text"]["value"]:
            ack(response_action="errors", errors={"mood": "Say something"})
        else:
            ack()

    @app.event("app_home_opened")
    def home(event, client):
        seen["event"] = event
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    # A short ping interval: the builtin client notices a dead connection within ~4 pings.
    handler = SocketModeHandler(app, fake.app_token, ping_interval=0.2)
    handler.connect()
    try:
        fake.socket.wait_for_connections(1)
        yield seen
    finally:
        # close() waits for the client's reader, blocked in recv() for up to 3 s; a reset
        # wakes it at once. No reconnecting in between.
        handler.client.default_auto_reconnect_enabled = False
        handler.client.auto_reconnect_enabled = False
        fake.socket.drop()
        handler.close()


def test_hello_then_a_slash_command_is_acked(fake: FakeSlack, socket_app):
    hello = fake.socket.sent()[0]
    assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == fake.app_id
    (opened,) = fake.calls_to("apps.connections.open")
    reply = fake.socket.send_slash("U1", "hello")
    assert reply.json == {"text": "you said hello"} and reply.trigger_id
    (envelope,) = fake.socket.sent("slash_commands")
    assert envelope["accepts_response_payload"] is True
    assert envelope["payload"]["command"] == "/candor" and envelope["payload"]["text"] == "hello"
    (ack,) = fake.socket.acks
    assert (ack.envelope_id, ack.type, ack.connection) == (
        envelope["envelope_id"],
        "slash_commands",
        1,
    )
    assert ack.payload == {"text": "you said hello"} and 0 < ack.latency == reply.latency < 3


def test_interactive_click_and_submit_are_acked(fake: FakeSlack, socket_app):
    WebClient(base_url=fake.api_url, token=fake.bot_token).chat_postMessage(
        channel="U1", text="Check in?", blocks=BUTTON
    )
    click = fake.socket.send_click("U1", "start", message=fake.dm_messages("U1")[-1])
    assert click.status == 200 and click.json is None  # a bare ack
    (attempt,) = fake.wait_for(lambda: fake.trigger_attempts(click.trigger_id))
    view = fake.last_opened_view("U1")
    assert attempt["ok"] and socket_app["click"]["actions"][0]["value"] == "go"

    refused = fake.socket.send_submit("U1", view, answers={})
    assert refused.json == {"response_action": "errors", "errors": {"mood": "Say something"}}
    assert [v["id"] for v in fake.open_views("U1")] == [view["id"]]
    accepted = fake.socket.send_submit("U1", view["id"], answers={"mood": "fine"})
    assert accepted.json is None and fake.open_views("U1") == []
    kinds = [
        (e["payload"]["type"], e["accepts_response_payload"])
        for e in fake.socket.sent("interactive")
    ]
    assert kinds == [("block_actions", False), ("view_submission", True), ("view_submission", True)]


def test_an_event_is_delivered_and_acked(fake: FakeSlack, socket_app):
    reply = fake.socket.app_home_opened("U1")
    assert reply.status == 200
    fake.wait_for(lambda: "U1" in fake.home_views)
    assert socket_app["event"]["type"] == "app_home_opened"
    fake.socket.send_event({"type": "app_home_opened", "user": "U2", "tab": "home"}, retry_num=1)
    first, retried = fake.socket.sent("events_api")
    assert (first["retry_attempt"], retried["retry_attempt"]) == (0, 1)
    assert retried["retry_reason"] == "http_timeout"
    assert first["payload"]["type"] == "event_callback" and len(fake.socket.acks) == 2


def test_disconnect_makes_the_client_reconnect(fake: FakeSlack, socket_app):
    assert fake.socket.disconnect("refresh_requested") == 1
    new = fake.socket.wait_for_connections(2)
    assert len(fake.calls_to("apps.connections.open")) == 2  # a new URL for the new connection
    assert fake.socket.send_slash("U1", "still there").json == {"text": "you said still there"}
    assert fake.socket.acks[-1].connection == new.id == 2
    old = fake.socket.connections[0]
    fake.wait_for(lambda: old.end is not None)
    assert old.disconnect_sent == "refresh_requested"
    assert [m["type"] for m in fake.socket.sent() if m["_connection"] == 1] == [
        "hello",
        "disconnect",
    ]


def test_a_dropped_connection_is_replaced(fake: FakeSlack, socket_app):
    assert fake.socket.drop() == 1
    fake.socket.wait_for_connections(2)
    assert fake.socket.connections[0].end == "dropped"
    assert len(fake.calls_to("apps.connections.open")) == 2
    assert fake.socket.send_slash("U1", "back").json == {"text": "you said back"}


def test_a_slow_ack_raises_and_is_still_recorded(fake: FakeSlack, socket_app):
    fake.socket.ack_deadline = 0.3
    with pytest.raises(AckTooSlow) as info:
        fake.socket.send_slash("U1", "x", command="/slow")
    assert info.value.kind == "slash_command" and info.value.reply is None
    late = fake.wait_for(lambda: fake.socket.acks)
    assert late[0].latency > 0.3


def test_http_only_overrides_are_refused(fake: FakeSlack, socket_app):
    with pytest.raises(TypeError, match="signature"):
        fake.socket.send_slash("U1", "x", signature="v0=forged")
    with pytest.raises(ValueError):
        fake.socket.url_verification()
