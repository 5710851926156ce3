"""Outbox faults a clinic meets in its first month: a long 429 storm, and a
sender that froze after claiming while another clock took over."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import outbox
from storage import outbox as outbox_rows
from storage.models import Delivery
from tests.builders import ADMIN, TEAM_A


def _open(stack, fake):
    s = stack.sender
    s.slash(ADMIN, "audience add <#CTEAMA0001|team-alpha>")
    fake.wait_for(lambda: any("Added" in r.get("text", "") for r in fake.responses_for(ADMIN)))
    s.slash(ADMIN, "send now")
    fake.wait_for(lambda: any("is open" in r.get("text", "") for r in fake.responses_for(ADMIN)))


def test_a_long_429_storm_never_marks_a_dm_failed(stack, fake, db):
    """v1 marked every DM failed for good after a 4-minute storm. A 429 is
    Slack saying "later": the rows wait, and are all sent once it passes."""
    _open(stack, fake)
    c = stack.candor
    fake.inject_429("chat.postMessage", retry_after=0, count=10_000)
    for _ in range(outbox.MAX_ATTEMPTS + 2):  # more passes than attempts allowed
        outbox.deliver_due(c)
        with db.session() as s:  # the storm's Retry-After has passed
            for d in s.scalars(select(Delivery).where(Delivery.status == "pending",
                                                      Delivery.kind == "prompt")):
                d.send_after = c.now() - timedelta(seconds=1)
    with db.session() as s:
        statuses = {d.status for d in s.scalars(select(Delivery).where(Delivery.kind == "prompt"))}
    assert statuses == {"pending"}, statuses
    fake.clear_faults()
    res = outbox.deliver_due(c)
    assert [len(fake.dm_messages(u)) for u in TEAM_A] == [1] * len(TEAM_A), res


def test_a_frozen_sender_does_not_post_a_row_another_clock_recovered(stack, fake, db):
    """Clock A claims a row and freezes; clock B's recovery requeues it and
    sends it. When A wakes, its claim no longer stands: it posts nothing."""
    _open(stack, fake)
    c = stack.candor
    (first, *_) = outbox.due(c)
    stale = outbox.claim(c, first)  # clock A
    with db.session() as s:  # clock B: recovery found nothing in the DM, requeued
        outbox_rows.requeue(s, first)
    outbox.deliver_due(c)  # clock B sends everything, this row included
    sent = sum(len(fake.dm_messages(u)) for u in TEAM_A)
    assert outbox.send_one(c, first, stale) == "skipped"  # clock A wakes up
    assert sum(len(fake.dm_messages(u)) for u in TEAM_A) == sent == len(TEAM_A)
