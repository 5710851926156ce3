"""Opening a round for N people, against Slack's paging floor.

    python benchmarks/open_round.py [--n 4000] [--channels 8] [--database-url ...]

The fake Slack limits users.list to 20 calls a minute (Tier 2, no burst) and
conversations.members to 100 (Tier 4); pages hold 200 (Slack's recommended
limit). The floor is users.list alone: (pages - 1) x 3 s. Opening a round
reads the roster and every audience channel's members, then writes the
invitations. Prints the time, the floor and their ratio (goal <= 1.15).
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

from _common import scratch_database  # also puts the checkout on sys.path

from bot.processes.stack import LocalStack
from bot.services import rounds
from bot.testing.fakeslack import FakeSlack
from storage import workspaces
from storage.migrate import upgrade


def _fake(n: int, channels: int) -> FakeSlack:
    fake = FakeSlack().start()
    users = [f"U{i:08d}" for i in range(n)]
    for i, uid in enumerate(users):
        fake.add_user(uid, f"u{i}", f"Person Number{i}", tz="America/Chicago")
    for ch in range(channels):
        fake.add_channel(f"CAUD{ch:06d}", f"team-{ch}",
                         members=[*users[ch::channels], fake.bot_user_id])
    fake.set_rate_limit_per_minute("users.list", 20, burst=1)
    fake.set_rate_limit_per_minute("conversations.members", 100, burst=1)
    return fake


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=4000)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--database-url", default=None, help="PostgreSQL server URL")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        # A database of its own, never the server's `test` itself.
        url, drop = scratch_database(a.database_url, Path(tmp), "open")
        upgrade(url)
        fake = _fake(a.n, a.channels)
        stack = LocalStack(url, fake).start()
        try:
            c = stack.candor
            with c.db.session() as s:
                workspaces.ensure(s, fake.team_id)
                for ch in range(a.channels):
                    workspaces.add_audience(s, fake.team_id, f"CAUD{ch:06d}", f"team-{ch}")
            t0 = time.perf_counter()
            rnd = rounds.open_round(c, fake.team_id)
            took = time.perf_counter() - t0
        finally:
            stack.stop()
            fake.stop()
            drop()
    pages = math.ceil((a.n + 1) / 200)  # + the bot user
    floor = max(pages - 1, 1) * 3.0
    print(f"open a round for {rnd.invited} people ({a.channels} channels): {took:.1f} s; "
          f"users.list floor ({pages} pages at 20/min) {floor:.1f} s; "
          f"ratio {took / floor:.2f} (goal <= 1.15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
