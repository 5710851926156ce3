"""The clock: scheduled rounds at local time, reminders, close; delivery that
survives 429s, 5xx, timeouts and crashes. Injected time, real fake Slack."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from analytics import calendar
from bot.context import utcnow
from bot.processes.clock import Clock
from bot.services import outbox
from storage.models import Delivery, Round, Workspace
from tests.builders import (
    ADMIN,
    TEAM_A,
    TEAM_B,
    FrozenTime,
    as_marketplace_app,
    click_and_wait,
)

INVITED = TEAM_A + TEAM_B


def _setup(stack, every="weekly", weekday=1, hhmm="10:00"):
    s = stack.sender
    s.slash(ADMIN, "audience add <#CTEAMA0001|team-alpha>")
    s.slash(ADMIN, "audience add CTEAMB0001")
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    stack.fake.wait_for(lambda: len(stack.fake.responses_for(ADMIN)) >= 3)
    with stack.candor.db.session() as sess:
        ws = sess.get(Workspace, stack.fake.team_id)
        ws.schedule_every, ws.schedule_weekday, ws.schedule_time = every, weekday, hhmm
        ws.default_tz = "America/Chicago"


def _dm_counts(fake, kind_text=None):
    return {u: len(fake.dm_messages(u)) for u in INVITED}


def test_scheduled_round_opens_sends_at_local_time_reminds_and_closes(stack, fake, db):
    _setup(stack)
    now = FrozenTime(datetime(2026, 11, 23, 12, 0))  # Mon; Tue has begun at UTC+14
    stack.candor.now = now
    clock = Clock(stack.candor)
    clock.lifecycle()
    clock.lifecycle()  # idempotent: still one round
    with db.session() as s:
        rounds = s.scalars(select(Round)).all()
    assert len(rounds) == 1 and rounds[0].schedule_key == "2026-11-24"

    # 09:59 in Chicago (team B has no tz -> workspace default): nothing yet.
    now.t = datetime(2026, 11, 24, 15, 59)
    clock.deliver()
    assert sum(_dm_counts(fake).values()) == 0
    now.t = datetime(2026, 11, 24, 16, 0)  # 10:00 Chicago
    clock.deliver()
    assert all(len(fake.dm_messages(u)) == 1 for u in TEAM_B)
    assert all(len(fake.dm_messages(u)) == 0 for u in TEAM_A)  # Los Angeles is still 08:00
    now.t = datetime(2026, 11, 24, 18, 0)  # 10:00 Los Angeles
    clock.deliver()
    assert all(len(fake.dm_messages(u)) == 1 for u in INVITED)
    sent_at = {u: fake.dm_messages(u)[0]["ts"] for u in INVITED}
    assert sent_at

    # Half answer; the reminder goes mid-window, at local time, to everyone
    # invited (candor can't tell who answered), with no second ticket.
    answered = INVITED[::2]
    for uid in answered:
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[0])
        answers = {b["block_id"]: b["element"]["options"][0]["value"] for b in view["blocks"]
                   if b.get("block_id", "").startswith("q_")}
        assert stack.sender.submit(uid, view, answers=answers).status == 200
    now.t = datetime(2026, 11, 25, 18, 0)  # Wed 10:00 Los Angeles, 12:00 Chicago
    clock.deliver()
    for uid in INVITED:
        assert len(fake.dm_messages(uid)) == 2, uid
        assert "start_checkin" not in json.dumps(fake.dm_messages(uid)[-1])
    with db.session() as s:  # the outbox doesn't record who answered
        rows = s.scalars(select(Delivery).where(Delivery.kind == "reminder")).all()
    assert {(d.status, d.last_error) for d in rows} == {("sent", None)}

    # Close at the end of the window (Fri 10:00 in the latest zone).
    now.t = datetime(2026, 11, 27, 17, 59)
    assert clock.close_due() == []
    now.t = datetime(2026, 11, 27, 18, 0)
    assert len(clock.close_due()) == 1
    with db.session() as s:
        assert s.scalar(select(Round.status)) == "closed"
        assert s.scalar(select(Delivery.id).where(Delivery.kind == "reminder")) is None
    assert fake.channel_messages("CLEADERS01")  # the digest followed the close


def test_schedule_change_takes_effect_without_restart(stack, fake, db):
    _setup(stack, weekday=2)
    stack.candor.now = FrozenTime(datetime(2026, 11, 23, 12, 0))
    clock = Clock(stack.candor)
    clock.scheduler.start(paused=True)  # a running scheduler, jobs held still
    clock.sync_schedules()
    job = clock.scheduler.get_job("open:" + fake.team_id)
    assert "wed" in str(job.trigger)
    with db.session() as s:
        s.get(Workspace, fake.team_id).schedule_weekday = 4
    clock.sync_schedules()
    job = clock.scheduler.get_job("open:" + fake.team_id)
    assert "fri" in str(job.trigger) and str(job.trigger.timezone) == "Etc/GMT-14"
    assert job.misfire_grace_time >= 3600 and job.coalesce
    clock.scheduler.shutdown(wait=False)


def test_mid_round_joiners_wait_for_the_next_round(stack, fake, db):
    _setup(stack)
    stack.sender.slash(ADMIN, "send now")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 4)
    fake.add_user("UJOINER001", "newbie", "New Person")
    fake.set_members("CTEAMA0001", [*TEAM_A, "UJOINER001", fake.bot_user_id])
    outbox.deliver_due(stack.candor)
    assert fake.dm_messages("UJOINER001") == []


@pytest.mark.parametrize("fault", ["429", "5xx", "timeout", "5xx-after-post"])
def test_faults_still_deliver_everyone_exactly_once(stack, fake, db, fault):
    _setup(stack)
    c = stack.candor
    as_marketplace_app(fake, c)  # many rows to check; the Tier 1 case is tested apart
    now = FrozenTime(utcnow())  # the fake stamps messages with the real clock
    c.now = now
    stack.sender.slash(ADMIN, "send now")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 4)
    c.poster.timeout = 1
    if fault == "429":
        fake.inject_429("chat.postMessage", retry_after=1, count=6)
    elif fault == "5xx":
        fake.inject("chat.postMessage", status=503, count=8)
    elif fault == "timeout":
        fake.inject_delay("chat.postMessage", 2.0, count=3)
    else:
        fake.inject("chat.postMessage", status=500, count=5, after_effect=True)
    for _ in range(12):
        outbox.deliver_due(c, workers=2)
        time.sleep(2.5 if fault == "timeout" else 0.1)  # slow requests finish server-side
        now.t += timedelta(minutes=6)  # past any retry back-off and the settle time
        outbox.recover_orphans(c, older_than=timedelta(seconds=60))
        with db.session() as s:
            left = s.scalar(select(Delivery.id).where(
                Delivery.kind == "prompt", Delivery.status != "sent"))
        if left is None:
            break
    fake.wait_for(lambda: all(fake.dm_messages(u) for u in INVITED), timeout=5)
    counts = _dm_counts(fake)
    assert counts == {u: 1 for u in INVITED}, counts


def test_failed_deliveries_are_reported_in_status(stack, fake, db):
    _setup(stack)
    stack.sender.slash(ADMIN, "send now")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 4)
    with db.session() as s:
        s.execute(update(Delivery).where(Delivery.user_id == TEAM_B[0]).values(
            user_id="UNOSUCHUSER"))
    outbox.deliver_due(stack.candor)
    text = stack.sender.slash(ADMIN, "status").json["text"]
    assert "failed: 1" in text and "Failed deliveries: 1× channel_not_found" in text


def test_crash_mid_send_is_checked_against_dm_history(stack, fake, db):
    """A process died after Slack posted the DM but before the row was marked:
    the next clock finds it in the DM's history and doesn't send it again."""
    _setup(stack)
    c = stack.candor
    stack.sender.slash(ADMIN, "send now")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 4)
    ids = [i for i in outbox.due(c, limit=3) if outbox.claim(c, i)]
    with db.session() as s:
        d = s.get(Delivery, ids[0])
    c.client.chat_postMessage(channel=d.user_id, text="x", metadata={
        "event_type": outbox.EVENT_TYPE, "event_payload": {"delivery": d.id}})
    # ...and here the process was killed. A new clock starts. History is
    # Tier 1 (a call a minute): one row is checked now, the others wait their
    # turn without earning a 429.
    out = outbox.recover_orphans(c)
    assert out["unchecked"] == 2 and out["found"] + out["requeued"] == 1
    assert fake.stats()["ratelimited_by_method"].get("conversations.history", 0) == 0
    as_marketplace_app(fake, c)  # as if the minutes had passed, on both sides
    out = outbox.recover_orphans(c)
    assert out["unchecked"] == 0 and out["found"] + out["requeued"] == 2
    with db.session() as s:
        assert s.scalar(select(Delivery.id).where(Delivery.status == "sending")) is None
    outbox.deliver_due(c)
    assert _dm_counts(fake) == {u: 1 for u in INVITED}


def test_users_without_a_time_zone_get_the_workspace_default(stack, fake, db):
    _setup(stack)
    now = FrozenTime(datetime(2026, 11, 23, 12, 0))
    stack.candor.now = now
    Clock(stack.candor).lifecycle()
    with db.session() as s:
        rows = {d.user_id: d.send_after for d in s.scalars(
            select(Delivery).where(Delivery.kind == "prompt"))}
    for uid in TEAM_B:  # tz None in the fake
        local = rows[uid].replace(tzinfo=UTC).astimezone(ZoneInfo("America/Chicago"))
        assert local.strftime("%a %H:%M") == "Tue 10:00"
    assert json.dumps(calendar.describe(type("W", (), {
        "schedule_every": "weekly", "schedule_weekday": 1, "schedule_time": "10:00",
        "window_days": 3, "reminder_on": True})()))


def test_a_schedule_set_after_its_day_began_waits_for_the_next_one(stack, fake, db):
    """"weekly friday 09:00" set on a Saturday: Friday's occurrence is still
    inside its window, but it is a new schedule, not a missed one."""
    _setup(stack)
    saturday = datetime(2026, 11, 28, 15, 0)
    stack.candor.now = now = FrozenTime(saturday)
    reply = stack.sender.slash(ADMIN, "schedule weekly friday 09:00").json["text"]
    assert "Friday 04 December 2026" in reply
    clock = Clock(stack.candor)
    clock.lifecycle()
    with db.session() as s:
        assert s.scalars(select(Round)).all() == []
    # Next Friday it opens as scheduled; had the clock been down, catch-up
    # opens it late (a missed occurrence, not a new schedule).
    now.t = datetime(2026, 12, 4, 12, 0)
    clock.lifecycle()
    with db.session() as s:
        assert [r.schedule_key for r in s.scalars(select(Round))] == ["2026-12-04"]


def test_one_round_that_cannot_close_stops_nothing_elsewhere(stack, fake, db, caplog):
    """A round whose box can't be opened (here: a ballot corrupted on disk)
    fails alone, and is retried; another workspace's round closes, and the
    tick goes on to its other steps."""
    from storage.models import SealedBallot

    c = stack.candor
    _setup(stack)
    stack.sender.slash(ADMIN, "send now")
    fake.wait_for(lambda: any("is open" in r.get("text", "") for r in fake.responses_for(ADMIN)))
    outbox.deliver_due(c)
    for uid in TEAM_A[:5]:
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        answers = {b["block_id"]: "3" for b in view["blocks"]
                   if b.get("block_id", "").startswith("q_")}
        assert stack.sender.submit(uid, view, answers=answers).status == 200
    past = utcnow() - timedelta(minutes=1)
    with db.session() as s:
        s.execute(update(SealedBallot).where(SealedBallot.id == s.scalars(
            select(SealedBallot.id)).first()).values(sealed="not-a-fernet-token"))
        s.add(Workspace(team_id="TOTHER0001"))
        s.flush()
        s.add(Round(team_id="TOTHER0001", number=1, status="open", opened_at=past,
                    closes_at=past))
        s.execute(update(Round).values(closes_at=past))
    Clock(c).lifecycle()
    with db.session() as s:
        status = dict(s.execute(select(Round.team_id, Round.status)).all())
    assert status == {fake.team_id: "open", "TOTHER0001": "closed"}
    assert "could not close" in caplog.text
