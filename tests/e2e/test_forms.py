"""Forms (modals) the way real Slack allows them: a trigger_id is single-use
and lives 3 s, so views.open is tried exactly once, after the ack, and a
person is told when it fails."""

from __future__ import annotations

import time

from tests.builders import ADMIN, TEAM_A, open_round


def test_start_checkin_is_not_retried_on_429_and_the_person_is_told(stack, fake):
    open_round(stack)
    uid = TEAM_A[1]
    fake.inject_429("views.open", retry_after=1, count=1)
    before = len(fake.calls_to("views.open"))
    r = stack.sender.click(uid, "start_checkin", message=fake.dm_messages(uid)[0])
    assert r.status == 200
    fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"))
    time.sleep(1.5)  # a retry would have come by now, after Retry-After
    assert len(fake.calls_to("views.open")) - before == 1  # tried once, never again
    (note,) = fake.calls_to("chat.postEphemeral")
    assert note["user"] == uid and "click again" in note["text"]


def test_questions_command_acks_first_even_when_views_open_is_slow(stack, fake):
    fake.inject_delay("views.open", 2.5, count=1)
    t0 = time.monotonic()
    r = stack.sender.slash(ADMIN, "questions")
    ack_s = time.monotonic() - t0
    assert r.status == 200 and ack_s < 1.0, ack_s  # the ack didn't wait for views.open
    fake.wait_for(lambda: fake.calls_to("views.open"), timeout=6)


def test_questions_command_says_so_when_the_form_fails(stack, fake):
    fake.inject("views.open", status=500, count=3)
    before = len(fake.calls_to("views.open"))
    stack.sender.slash(ADMIN, "resources")
    fake.wait_for(lambda: any("click again" in r.get("text", "")
                              for r in fake.responses_for(ADMIN)), timeout=6)
    assert len(fake.calls_to("views.open")) - before == 1


def test_start_checkin_says_so_when_the_database_is_down(stack, fake, db):
    """v1's button silently did nothing; now the person is told, privately."""
    from sqlalchemy import event

    open_round(stack)
    uid = TEAM_A[2]
    error = db.engine.dialect.loaded_dbapi.OperationalError

    def fail(*_):
        raise error("the database went away")

    event.listen(db.engine, "before_cursor_execute", fail)
    try:
        stack.sender.click(uid, "start_checkin", message=fake.dm_messages(uid)[0])
        fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"))
    finally:
        event.remove(db.engine, "before_cursor_execute", fail)
    (note,) = fake.calls_to("chat.postEphemeral")
    assert "database" in note["text"] and note["user"] == uid
    assert not fake.calls_to("views.open")
