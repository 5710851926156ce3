"""SlackSender times every answer: past Slack's 3 s deadline (smaller here, to keep the
suite fast) the request fails the test with AckTooSlow, as the user would see an error."""

from __future__ import annotations

import time

import pytest

from bot.testing.fakeslack import AckRecord, AckTooSlow, FakeSlack, SlackSender

from .helpers import SECRET, bolt_app, serving


@pytest.fixture
def slow_app(fake: FakeSlack):
    """Acks /candor at once; /slow, the "late" button and events after `delay` s."""
    app = bolt_app(fake)
    delay = {"s": 0.6}

    @app.command("/candor")
    def quick(ack):
        ack("done")

    @app.command("/slow")
    def slow(ack):
        time.sleep(delay["s"])
        ack("finally")

    @app.action("late")
    def late(ack):
        time.sleep(delay["s"])
        ack()

    @app.middleware
    def slow_events(body, next):
        # bolt acks events itself before their listener runs: be slow before that.
        if body.get("type") == "event_callback":
            time.sleep(delay["s"])
        next()

    @app.event("app_home_opened")
    def home():
        pass

    with serving(app) as url:
        yield url, delay


def test_deadline_is_on_by_default_at_three_seconds(fake: FakeSlack):
    sender = SlackSender("http://127.0.0.1:9/slack/events", SECRET, fake)
    assert sender.ack_deadline == 3.0 and sender.acks == []


def test_fast_ack_is_recorded_with_its_latency(fake: FakeSlack, slow_app):
    url, _ = slow_app
    sender = SlackSender(url, SECRET, fake)
    reply = sender.slash("U1", "hi")
    assert reply.status == 200 and reply.body == "done"
    (record,) = sender.acks
    assert record == AckRecord("slash_command", 200, reply.latency, reply.trigger_id)
    assert 0 < reply.latency < 3.0


@pytest.mark.parametrize(
    ("send", "kind", "consequence"),
    [
        (lambda s: s.slash("U1", "x", command="/slow"), "slash_command", "operation_timeout"),
        (lambda s: s.click("U1", "late"), "block_actions", "warning icon"),
        (lambda s: s.app_home_opened("U1"), "event_callback", "retries the event"),
    ],
)
def test_slow_ack_raises_ack_too_slow(fake: FakeSlack, slow_app, send, kind, consequence):
    url, _ = slow_app
    sender = SlackSender(url, SECRET, fake, ack_deadline=0.3)
    with pytest.raises(AckTooSlow) as info:
        send(sender)
    err = info.value
    assert err.kind == kind and err.deadline == 0.3 and err.latency > 0.3
    assert err.reply is not None and err.reply.status == 200  # it did answer, too late
    assert consequence in str(err) and kind in str(err)
    assert sender.acks[-1].kind == kind and sender.acks[-1].latency == err.latency


def test_deadline_none_only_records(fake: FakeSlack, slow_app):
    url, _ = slow_app
    sender = SlackSender(url, SECRET, fake, ack_deadline=None)
    reply = sender.slash("U1", "x", command="/slow")
    assert reply.json is None and reply.body == "finally" and reply.latency > 0.6
    assert sender.acks[-1].latency == reply.latency


def test_no_answer_before_the_client_timeout(fake: FakeSlack, slow_app):
    url, delay = slow_app
    delay["s"] = 1.0
    strict = SlackSender(url, SECRET, fake, timeout=0.3)
    with pytest.raises(AckTooSlow) as info:
        strict.slash("U1", "x", command="/slow")
    assert info.value.reply is None and "no answer" in str(info.value)
    assert strict.acks[-1].status is None
    lenient = SlackSender(url, SECRET, fake, timeout=0.3, ack_deadline=None)
    with pytest.raises(TimeoutError):
        lenient.slash("U1", "x", command="/slow")
    assert lenient.acks[-1].status is None and lenient.acks[-1].latency >= 0.3
