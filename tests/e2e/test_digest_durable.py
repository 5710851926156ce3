"""The digest is an outbox item: owed from the close transaction, retried by
the clock until it is posted, and posted exactly once, through 5xx storms,
timeouts, answers lost after Slack posted, chart upload failures and a clock
killed with SIGKILL between close and post."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import select, update

from bot.context import utcnow
from bot.services import digests, outbox
from storage.models import Round
from tests.builders import (
    ADMIN,
    TEAM_A,
    TEAM_B,
    FrozenTime,
    as_marketplace_app,
    click_and_wait,
)

INVITED = TEAM_A + TEAM_B
LEADERS = "CLEADERS01"


def _open_and_answer(stack, fake):
    s = stack.sender
    s.slash(ADMIN, "audience add <#CTEAMA0001|team-alpha>")
    s.slash(ADMIN, "audience add CTEAMB0001")
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    fake.wait_for(lambda: sum(("Added" in r.get("text", "") or "Digests will" in r.get("text", ""))
                              for r in fake.responses_for(ADMIN)) >= 3)
    s.slash(ADMIN, "send now")
    fake.wait_for(lambda: any("is open" in r.get("text", "") for r in fake.responses_for(ADMIN)))
    outbox.deliver_due(stack.candor)
    for n, uid in enumerate(INVITED):
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        answers = {b["block_id"]: "3" for b in view["blocks"]
                   if b.get("block_id", "").startswith("q_")}
        answers["q_burnout"] = str(1 + n % 5)
        assert s.submit(uid, view, answers=answers).status == 200


def _digest_posts(fake) -> list[dict]:
    return [m for m in fake.channel_messages(LEADERS) if m.get("blocks")]


def _chart_posts(fake) -> list[dict]:
    return [m for m in fake.channel_messages(LEADERS) if m.get("files")]


def _round(db) -> Round:
    with db.session() as s:
        return s.scalars(select(Round).order_by(Round.id.desc())).first()


def _until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _ticks(c, fake, now, n=8):
    """What the clock does each lifecycle tick, an hour apart: both sides'
    rate-limit buckets refill as they would have."""
    for _ in range(n):
        now.t += timedelta(minutes=65)
        for client in (c.reader, c.client):
            bucket = client.pacer.buckets["conversations.history"]
            bucket.tokens, bucket.last = float(bucket.burst), time.monotonic()
        fake.marketplace(fake.history_page_max > 15)
        digests.publish_owed(c)


def test_close_makes_the_digest_owed_and_a_post_settles_it(stack, fake, db):
    _open_and_answer(stack, fake)
    stack.sender.slash(ADMIN, "close now")
    _until(lambda: _round(db).chart_posted_at)
    rnd = _round(db)
    assert rnd.digest_post_id and rnd.digest_posted_at and rnd.chart_posted_at
    assert rnd.digest_attempts == 1
    assert digests.publish_owed(stack.candor) == {}  # nothing owed: nothing done


def test_five_500s_then_the_clock_posts_it_once(stack, fake, db):
    """v1 lost the digest after 4× 500 on chat.postMessage."""
    c = stack.candor
    as_marketplace_app(fake, c)  # one history look per retry; Tier 1 is tested apart
    c.now = now = FrozenTime()
    _open_and_answer(stack, fake)
    fake.inject("chat.postMessage", status=500, count=5)
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: "closed" in fake.responses_for(ADMIN)[-1].get("text", "").lower(),
                  timeout=10)
    assert _round(db).digest_posted_at is None and _round(db).status == "closed"
    assert ":hourglass:" in stack.sender.slash(ADMIN, "status").json["text"]
    _ticks(c, fake, now)
    assert len(_digest_posts(fake)) == 1 and len(_chart_posts(fake)) == 1
    assert _round(db).digest_posted_at is not None


def test_a_post_that_landed_after_a_timeout_is_found_not_repeated(stack, fake, db):
    """Slack was slow: the poster gave up, the post landed later. Whoever
    tries next looks for it by its post id first."""
    c = stack.candor
    c.now = now = FrozenTime()
    _open_and_answer(stack, fake)
    c.poster.timeout = 1
    fake.inject_delay("chat.postMessage", 2.5)
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: _digest_posts(fake), timeout=10)  # landed, late
    time.sleep(0.5)
    assert _round(db).digest_posted_at is None  # candor couldn't know yet
    _ticks(c, fake, now, n=4)
    assert len(_digest_posts(fake)) == 1 and len(_chart_posts(fake)) == 1
    assert fake.stats()["ratelimited_by_method"].get("conversations.history", 0) == 0


def test_chart_upload_failures_are_retried_and_never_doubled(stack, fake, db):
    c = stack.candor
    as_marketplace_app(fake, c)
    c.now = now = FrozenTime()
    _open_and_answer(stack, fake)
    fake.inject("upload", status=500, count=4)  # the upload URL fails, every retry
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: _digest_posts(fake), timeout=10)
    time.sleep(1)
    assert not _chart_posts(fake) and _round(db).chart_posted_at is None
    # The next one lands but its answer is lost: found by name, not re-sent.
    fake.inject("files.completeUploadExternal", status=500, count=1, after_effect=True)
    _ticks(c, fake, now)
    assert len(_digest_posts(fake)) == 1 and len(_chart_posts(fake)) == 1
    assert _round(db).chart_posted_at is not None


def test_digest_now_and_the_clock_never_both_post(stack, fake, db):
    c = stack.candor
    as_marketplace_app(fake, c)
    c.now = now = FrozenTime()
    _open_and_answer(stack, fake)
    fake.inject("chat.postMessage", status=503, count=1)
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: "closed" in fake.responses_for(ADMIN)[-1].get("text", "").lower(),
                  timeout=10)
    # The admin runs `digest now` while the owed digest waits its back-off:
    # it goes through the owed record (looking first), not around it.
    stack.sender.slash(ADMIN, "digest now")
    fake.wait_for(lambda: _digest_posts(fake), timeout=10)
    _ticks(c, fake, now)
    assert len(_digest_posts(fake)) == 1
    # Asked again once posted, it is a deliberate second post.
    stack.sender.slash(ADMIN, "digest now")
    fake.wait_for(lambda: len(_digest_posts(fake)) == 2, timeout=10)


def _clock(stack, database_url) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": stack.fake.api_url,
           "SLACK_BOT_TOKEN": stack.fake.bot_token, "CANDOR_SECRET_KEY": "s" * 40,
           "LOG_LEVEL": "INFO"}
    env.pop("SLACK_SIGNING_SECRET", None)
    return subprocess.Popen([sys.executable, "-c",
                             "from bot.processes.cli import main; main()", "clock"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_kill_9_between_close_and_post_neither_loses_nor_doubles(stack, fake, db,
                                                                  database_url):
    """A clock closes the round and is killed while its digest post is in
    flight (Slack posts it anyway). The next clock finds it instead of
    posting again. (Killed before the post left is the 500s case above.)"""
    c = stack.candor
    c.now = now = FrozenTime()
    _open_and_answer(stack, fake)
    with db.session() as s:
        s.execute(update(Round).where(Round.status == "open")
                  .values(closes_at=utcnow() - timedelta(minutes=1)))
    fake.inject_delay("chat.postMessage", 30)  # lands 30 s after it was sent
    proc = _clock(stack, database_url)
    try:
        fake.wait_for(lambda: any(call.get("channel") == LEADERS
                                  for call in fake.calls_to("chat.postMessage")), timeout=60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _round(db).status == "closed" and _round(db).digest_posted_at is None
    fake.wait_for(lambda: _digest_posts(fake), timeout=40)  # Slack finished the post
    as_marketplace_app(fake, c)
    now.t = utcnow() + timedelta(minutes=2)
    _ticks(c, fake, now, n=3)
    assert len(_digest_posts(fake)) == 1 and len(_chart_posts(fake)) == 1
