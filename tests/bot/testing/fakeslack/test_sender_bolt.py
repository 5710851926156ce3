"""SlackSender against a real bolt App served over loopback HTTP, talking to the fake."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.testing.fakeslack import FakeSlack, SlackSender, sign, state_from

from .helpers import SECRET, bolt_app, serving

SURVEY = {
    "type": "modal",
    "callback_id": "survey",
    "title": {"type": "plain_text", "text": "Pulse"},
    "submit": {"type": "plain_text", "text": "Send"},
    "private_metadata": "wave-7",
    "blocks": [
        {
            "type": "input",
            "block_id": "mood",
            "label": {"type": "plain_text", "text": "Mood"},
            "element": {
                "type": "radio_buttons",
                "action_id": "pick",
                "options": [
                    {"text": {"type": "plain_text", "text": str(n)}, "value": str(n)}
                    for n in range(1, 6)
                ],
            },
        },
        {
            "type": "input",
            "block_id": "topics",
            "optional": True,
            "label": {"type": "plain_text", "text": "Topics"},
            "element": {
                "type": "checkboxes",
                "action_id": "tick",
                "options": [
                    {"text": {"type": "plain_text", "text": t}, "value": t}
                    for t in ("workload", "pay")
                ],
            },
        },
        {
            "type": "input",
            "block_id": "comment",
            "optional": True,
            "label": {"type": "plain_text", "text": "Anything else?"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "where",
            "optional": True,
            "label": {"type": "plain_text", "text": "Channel"},
            "element": {"type": "channels_select", "action_id": "chan"},
        },
    ],
}
QUESTION_BLOCKS = [
    {"type": "section", "block_id": "q1", "text": {"type": "mrkdwn", "text": "How are you?"}},
    {
        "type": "actions",
        "block_id": "answers",
        "elements": [
            {"type": "button", "action_id": "answer_1", "value": "1",
             "text": {"type": "plain_text", "text": "Bad"}},
            {"type": "button", "action_id": "answer_5", "value": "5",
             "text": {"type": "plain_text", "text": "Great"}},
            {"type": "static_select", "action_id": "later", "options": [
                {"text": {"type": "plain_text", "text": "1 hour"}, "value": "1h"},
                {"text": {"type": "plain_text", "text": "Tomorrow"}, "value": "1d"},
            ]},
        ],
    },
]  # fmt: skip


@pytest.fixture
def bot():
    """A tiny bolt app wired to the fake; yields (fake, sender, seen)."""
    with FakeSlack() as fake:
        fake.add_user("U1", "ana", "Ana Alvarez")
        fake.add_channel("C_GENERAL", "general", members=["U1", fake.bot_user_id])
        app = bolt_app(fake)
        seen: dict = {}

        @app.command("/candor")
        def command(ack, body, respond, client):
            ack()
            respond(text=f"you said {body['text']}")
            client.views_open(trigger_id=body["trigger_id"], view=SURVEY)

        @app.action("answer_5")
        def answer(ack, body, respond):
            ack()
            seen["click"] = body
            respond(replace_original=True, text="Thanks!")

        @app.action("later")
        def later(ack, body):
            ack()
            seen["select"] = body["actions"][0]

        @app.view("survey")
        def submitted(ack, view):
            values = view["state"]["values"]
            seen["values"] = values
            if values["mood"]["pick"]["selected_option"] is None:
                ack(response_action="errors", errors={"mood": "Please pick one"})
            else:
                ack()

        @app.event("app_home_opened")
        def home(event, client):
            home_view = {"type": "home", "blocks": [{"type": "section", "block_id": "h",
                         "text": {"type": "mrkdwn", "text": "Welcome"}}]}  # fmt: skip
            client.views_publish(user_id=event["user"], view=home_view)

        with serving(app) as url:
            yield fake, SlackSender(url, SECRET, fake), seen


def test_signature_matches_slack_sdk_verifier():
    body, ts = "token=x&text=hello%20world", int(time.time())
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, ts, sign(SECRET, ts, body))
    assert not verifier.is_valid(body, ts, sign("other", ts, body))


def test_slash_respond_and_modal_then_submit(bot):
    fake, sender, seen = bot
    reply = sender.slash("U1", "hello")
    assert reply.status == 200
    fake.wait_for(lambda: fake.responses and fake.views_opened)
    assert fake.responses[0]["text"] == "you said hello"
    view = sender.last_opened_view("U1")
    assert view["callback_id"] == "survey" and view["private_metadata"] == "wave-7"

    # Missing required answer: bolt's errors ack comes back and the modal stays open.
    rejected = sender.submit("U1", view, answers={"comment": "hm"})
    assert rejected.json == {"response_action": "errors", "errors": {"mood": "Please pick one"}}
    assert [v["id"] for v in fake.open_views("U1")] == [view["id"]]

    answers = {"mood": "4", "topics": ["pay"], "comment": "ok", "where": "C_GENERAL"}
    accepted = sender.submit("U1", view["id"], answers=answers)
    assert accepted.status == 200 and fake.open_views("U1") == []
    values = seen["values"]
    assert values["mood"]["pick"] == {
        "type": "radio_buttons",
        "selected_option": {"text": {"type": "plain_text", "text": "4"}, "value": "4"},
    }
    assert [o["value"] for o in values["topics"]["tick"]["selected_options"]] == ["pay"]
    assert values["comment"]["text"] == {"type": "plain_text_input", "value": "ok"}
    assert values["where"]["chan"] == {"type": "channels_select", "selected_channel": "C_GENERAL"}


def test_state_from_fills_unanswered_inputs_and_rejects_unknown():
    values = state_from(SURVEY, {"mood": 2})
    assert values["mood"]["pick"]["selected_option"]["value"] == "2"
    assert values["topics"]["tick"] == {"type": "checkboxes", "selected_options": []}
    assert values["comment"]["text"] == {"type": "plain_text_input", "value": None}
    with pytest.raises(ValueError):
        state_from(SURVEY, {"mood": "9"})
    with pytest.raises(KeyError):
        state_from(SURVEY, {"nope": "1"})


def test_button_click_in_dm_and_respond_replaces_message(bot):
    fake, sender, seen = bot
    WebClient(base_url=fake.api_url, token=fake.bot_token).chat_postMessage(
        channel="U1", text="How are you?", blocks=QUESTION_BLOCKS
    )
    message = fake.dm_messages("U1")[-1]
    assert sender.click("U1", "answer_5", message=message).status == 200
    fake.wait_for(lambda: fake.dm_messages("U1")[-1]["text"] == "Thanks!")
    body = seen["click"]
    assert body["actions"][0]["value"] == "5" and body["actions"][0]["block_id"] == "answers"
    assert body["container"] == {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": fake.dm_channel_id("U1"),
        "is_ephemeral": False,
    }
    assert body["channel"]["id"] == fake.dm_channel_id("U1") and body["user"]["id"] == "U1"

    sender.click("U1", "later", "1d", message=message)
    fake.wait_for(lambda: "select" in seen)
    assert seen["select"]["type"] == "static_select"
    assert seen["select"]["selected_option"]["value"] == "1d"


def test_events_and_signature_rejection(bot):
    fake, sender, _ = bot
    assert sender.url_verification("abc").json == {"challenge": "abc"}
    assert sender.app_home_opened("U1").status == 200
    fake.wait_for(lambda: "U1" in fake.home_views)
    assert sender.slash("U1", "x", signing_secret="wrong").status == 401
    assert sender.slash("U1", "x", timestamp=int(time.time()) - 600).status == 401
    assert len(fake.responses) == 0  # rejected requests never reached the listener
