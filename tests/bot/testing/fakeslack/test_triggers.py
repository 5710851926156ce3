"""trigger_ids: a fresh one per request the sender makes, spent by the first views.open
or views.push, stale after trigger_ttl; and every attempt recorded, failures included."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testing.fakeslack import FakeSlack, RemoteFake, SlackSender

from .helpers import SECRET, bolt_app, serving

MODAL = {
    "type": "modal",
    "callback_id": "m",
    "title": {"type": "plain_text", "text": "Modal"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}


def opener(fake: FakeSlack, *, times: int = 1, wait: float = 0.0):
    """A bolt app that acks every request, then (after `wait` s) calls views.open `times`
    times with the request's trigger_id, recording each outcome."""
    app = bolt_app(fake)
    outcomes: list[str] = []

    def open_views(ack, body, client):
        ack()
        time.sleep(wait)
        for _ in range(times):
            try:
                client.views_open(trigger_id=body["trigger_id"], view=MODAL)
                outcomes.append("ok")
            except SlackApiError as e:
                outcomes.append(e.response["error"])

    app.command("/candor")(open_views)
    app.action("go")(open_views)
    app.view("m")(open_views)
    return app, outcomes


def test_every_request_carries_a_fresh_trigger(fake: FakeSlack):
    app, outcomes = opener(fake)
    with serving(app) as url:
        sender = SlackSender(url, SECRET, fake)
        replies = [
            sender.slash("U1", "a"),
            sender.click("U1", "go"),
            sender.submit("U1", MODAL, answers={}),
        ]
        fake.wait_for(lambda: len(outcomes) == 3)
    triggers = [r.trigger_id for r in replies]
    assert len(set(triggers)) == 3 and all(triggers)
    assert [a.trigger_id for a in sender.acks] == triggers
    assert [a.kind for a in sender.acks] == ["slash_command", "block_actions", "view_submission"]
    assert outcomes == ["ok", "ok", "ok"]  # each fresh trigger opened its modal
    for trigger in triggers:
        (attempt,) = fake.trigger_attempts(trigger, method="views.open")
        assert attempt["ok"] and attempt["user_id"] == "U1" and attempt["status"] == 200


def test_a_trigger_opens_one_view_and_every_attempt_is_recorded(fake: FakeSlack):
    app, outcomes = opener(fake, times=2)
    with serving(app) as url:
        reply = SlackSender(url, SECRET, fake).slash("U1", "twice")
        fake.wait_for(lambda: len(outcomes) == 2)
    assert outcomes == ["ok", "exchanged_trigger_id"]
    attempts = fake.trigger_attempts(reply.trigger_id)
    assert [(a["ok"], a["error"]) for a in attempts] == [
        (True, None),
        (False, "exchanged_trigger_id"),
    ]
    assert len(fake.views_opened) == 1
    # What an app's regression test counts ("views.open once per click"): here, twice.
    assert len(fake.trigger_attempts(reply.trigger_id, method="views.open")) == 2


def test_a_trigger_expires_after_ttl_counted_from_the_request():
    with FakeSlack(trigger_ttl=0.3) as fake:
        fake.add_user("U1", "ana")
        app, outcomes = opener(fake, wait=0.5)  # slow work before views.open
        with serving(app) as url:
            reply = SlackSender(url, SECRET, fake).slash("U1", "slow")
            fake.wait_for(lambda: outcomes)
    assert outcomes == ["expired_trigger_id"]
    (attempt,) = fake.trigger_attempts(reply.trigger_id)
    assert attempt["age"] > 0.3 and attempt["error"] == "expired_trigger_id"
    assert fake.views_opened == []


def test_default_ttl_is_slacks_three_seconds(fake: FakeSlack, client: WebClient):
    assert fake.trigger_ttl == 3.0
    trigger = fake.issue_trigger("U1")
    assert client.views_open(trigger_id=trigger, view=MODAL)["ok"]


def test_failed_and_faulted_attempts_are_recorded(fake: FakeSlack, client: WebClient):
    unknown = "999.1.nope"
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=unknown, view=MODAL)
    bad_view = {**MODAL, "title": {"type": "plain_text", "text": "x" * 30}}
    trigger = fake.issue_trigger("U1")
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=trigger, view=bad_view)
    # An invalid view does not spend the trigger; a 500 before the effect does not either.
    fake.inject("views.open", 500)
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=trigger, view=MODAL)
    assert client.views_open(trigger_id=trigger, view=MODAL)["ok"]

    (first,) = fake.trigger_attempts(unknown)
    assert (first["error"], first["user_id"], first["age"]) == ("invalid_trigger_id", None, None)
    errors = [(a["error"], a["status"]) for a in fake.trigger_attempts(trigger)]
    assert errors == [("invalid_arguments", 200), ("fatal_error", 500), (None, 200)]
    assert RemoteFake(fake.api_url).trigger_attempts(trigger)[-1]["ok"] is True


def test_a_500_after_the_view_opened_spends_the_trigger(fake: FakeSlack, client: WebClient):
    # The classic retry bug: the modal IS open, the client saw a 500 and retries.
    trigger = fake.issue_trigger("U1")
    fake.inject("views.open", 500, after_effect=True)
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=trigger, view=MODAL)
    with pytest.raises(SlackApiError) as retry:
        client.views_open(trigger_id=trigger, view=MODAL)
    assert retry.value.response["error"] == "exchanged_trigger_id"
    attempts = fake.trigger_attempts(trigger)
    assert [(a["ok"], a["status"]) for a in attempts] == [(True, 500), (False, 200)]
    assert len(fake.open_views("U1")) == 1


def test_sender_can_replay_a_spent_trigger(fake: FakeSlack):
    app, outcomes = opener(fake)
    with serving(app) as url:
        sender = SlackSender(url, SECRET, fake)
        first = sender.click("U1", "go")
        fake.wait_for(lambda: outcomes)
        again = sender.click("U1", "go", trigger_id=first.trigger_id)
        fake.wait_for(lambda: len(outcomes) == 2)
    assert again.trigger_id == first.trigger_id
    assert outcomes == ["ok", "exchanged_trigger_id"]


def test_views_push_spends_a_trigger_too(fake: FakeSlack, client: WebClient):
    client.views_open(trigger_id=fake.issue_trigger("U1"), view=MODAL)
    trigger = fake.issue_trigger("U1")
    client.views_push(trigger_id=trigger, view=MODAL)
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id=trigger, view=MODAL)
    assert info.value.response["error"] == "exchanged_trigger_id"
    assert [a["method"] for a in fake.trigger_attempts(trigger)] == ["views.push", "views.open"]
    fake.reset_calls()
    assert fake.trigger_attempts() == []
