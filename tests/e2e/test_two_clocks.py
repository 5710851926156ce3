"""Two real `candor clock` processes on one database: one round is sent once.
Then the one holding the lease is killed with SIGKILL mid-round and the other
takes over without losing or doubling a DM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from storage.models import Lease
from tests.builders import ADMIN, TEAM_A, TEAM_B

INVITED = TEAM_A + TEAM_B


def _clock(stack, database_url) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": stack.fake.api_url,
           "SLACK_BOT_TOKEN": stack.fake.bot_token, "CANDOR_SECRET_KEY": "s" * 40,
           "LOG_LEVEL": "INFO",
           # a Marketplace app's history tier, so recovery isn't a minute a row
           "CANDOR_SLACK_HISTORY_PER_MINUTE": "50"}
    stack.fake.marketplace()
    env.pop("SLACK_SIGNING_SECRET", None)
    return subprocess.Popen([sys.executable, "-c", "from bot.processes.cli import main; main()", "clock"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _holder_pid(db) -> int | None:
    with db.session() as s:
        holder = s.scalar(select(Lease.holder).where(Lease.name == "clock"))
    return int(holder.split(":")[1]) if holder else None


def test_two_clocks_send_once_and_survive_kill_9(stack, fake, db, database_url):
    fake.set_rate_limit("chat.postMessage", 4, burst=1)  # slow enough to kill mid-round
    s = stack.sender
    s.slash(ADMIN, "audience add <#CTEAMA0001|team-alpha>")
    s.slash(ADMIN, "audience add CTEAMB0001")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 2)
    procs = [_clock(stack, database_url), _clock(stack, database_url)]
    try:
        deadline = time.monotonic() + 30
        while _holder_pid(db) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        holder = _holder_pid(db)
        assert holder in {p.pid for p in procs}
        s.slash(ADMIN, "send now")
        fake.wait_for(lambda: sum(len(fake.dm_messages(u)) for u in INVITED) >= 4, timeout=30)
        os.kill(holder, signal.SIGKILL)  # mid-round, mid-send
        next(p for p in procs if p.pid == holder).wait()  # reaped, as a supervisor would
        fake.wait_for(lambda: all(fake.dm_messages(u) for u in INVITED), timeout=60)
        time.sleep(1.5)  # let any (wrong) second send land before counting
        counts = {u: len(fake.dm_messages(u)) for u in INVITED}
        assert counts == {u: 1 for u in INVITED}, counts
        survivor = next(p for p in procs if p.pid != holder)
        assert survivor.poll() is None and _holder_pid(db) == survivor.pid
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
