"""Fan-out of one round to N recipients, paced by Slack's limits, with and without a crash.

    .venv/bin/python benchmarks/fanout.py [--n 2000] [--database-url postgresql://...]

The fake Slack runs as its own process with Slack-like limits
(chat.postMessage 10/s burst 20, conversations.open 50/min, users.info 100/min,
users.list 20/min, conversations.members 100/min) and N users split over
several audience channels of varying size. `candor serve` (for the admin's
signed `/candor audience add` and `/candor send now`) and `candor clock` (the
real scheduler process, which does all the sending) run as subprocesses.

Run 1 (clean): wall time from round open (rounds.opened_at) to the last
invitation DM, divided by the ideal (N - burst) / rate. Goal <= 1.15.

Run 2 (crash): the same on a fresh database and fake, but when 40% of the DMs
have been delivered every candor process (clock and serve) gets SIGKILL and
a new clock starts at once. Goal <= 1.35, with 0 missed and 0 doubled DMs
(per user, from the fake's /_fake/state dm_counts). Also reported: how fast
the new clock took over the lease and what crash recovery found.

--database-url: a PostgreSQL URL; each run gets its own fresh database created
next to it (and dropped afterwards). Default: a SQLite file per run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as cm  # noqa: E402

ADMIN = "U000001"  # seed_demo's workspace owner
EVENT_TYPE = "candor_invite"
GOAL_CLEAN = 1.15
GOAL_CRASH = 1.35


@dataclass
class RunResult:
    name: str
    n: int
    invited: int = 0
    opened_at: float = 0.0  # epoch
    send_now_at: float = 0.0  # epoch, when the admin's command was sent
    last_dm: float = 0.0
    ideal: float = 0.0
    delivered_users: int = 0
    missed: int = 0
    doubled: int = 0
    ratelimited: dict = field(default_factory=dict)
    posts: int = 0
    kill_at: float | None = None
    delivered_at_kill: int = 0
    sending_at_kill: int = 0
    takeover_s: float | None = None
    first_dm_after_kill_s: float | None = None
    recovery: str = ""
    db_status: dict = field(default_factory=dict)
    timed_out: bool = False

    @property
    def wall(self) -> float:
        return self.last_dm - self.opened_at

    @property
    def ratio(self) -> float:
        return self.wall / self.ideal if self.ideal else float("nan")


# -- databases -------------------------------------------------------------------------

class Databases:
    """A fresh database per run: a SQLite file, or a new PostgreSQL database."""

    def __init__(self, base_url: str | None, tmp: Path):
        self.base = base_url
        self.tmp = tmp
        self.made: list[str] = []

    def new(self, tag: str) -> str:
        if not self.base:
            return f"sqlite:///{self.tmp / f'{tag}.db'}"
        from sqlalchemy import create_engine, text

        base = cm.pg_url(self.base)
        name = f"candor_bench_{tag}_{uuid.uuid4().hex[:8]}"
        eng = create_engine(base, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        eng.dispose()
        self.made.append(name)
        return base.rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        if not self.base or not self.made:
            return
        from sqlalchemy import create_engine, text

        base = cm.pg_url(self.base)
        eng = create_engine(base, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            for name in self.made:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()


def db_round(eng) -> tuple[float, int] | None:
    """(opened_at epoch, invited) of the open round, or None yet."""
    from sqlalchemy import text

    with eng.connect() as c:
        row = c.execute(text("SELECT opened_at, invited FROM rounds ORDER BY id LIMIT 1")).first()
    if row is None:
        return None
    opened = row[0]
    if isinstance(opened, str):
        opened = datetime.fromisoformat(opened)
    return opened.replace(tzinfo=UTC).timestamp(), int(row[1])


def db_status(eng) -> dict:
    from sqlalchemy import text

    with eng.connect() as c:
        rows = c.execute(text("SELECT status, count(*) FROM deliveries WHERE kind='prompt' "
                              "GROUP BY status")).all()
    return {s: n for s, n in rows}


# -- the fake -----------------------------------------------------------------------------

def limits(rate: float, burst: int) -> list[str]:
    return [f"chat.postMessage={rate:g}/s:{burst}", "conversations.open=50/m",
            "users.info=100/m", "users.list=20/m", "conversations.members=100/m"]


def team_channels(n: int, k: int, rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """Split users U000001..U{n} into k channels of varying size (sizes ~ 1..3x)."""
    from bot.testing.fakeslack.demo import demo_user_id

    weights = [rng.uniform(1, 3) for _ in range(k)]
    total = sum(weights)
    sizes = [max(1, int(n * w / total)) for w in weights]
    sizes[-1] += n - sum(sizes)
    ids = [demo_user_id(i) for i in range(n)]
    out, start = [], 0
    for j, size in enumerate(sizes):
        out.append((f"CTEAM{j + 1:05d}", f"team-{j + 1:02d}", ids[start:start + size]))
        start += size
    return out


def delivered_posts(fake) -> int:
    st = fake.stats()
    return st["calls"].get("chat.postMessage", 0) - st["ratelimited_by_method"].get(
        "chat.postMessage", 0) - st["errors"].get("chat.postMessage", 0)


def invite_dms(state: dict) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for uid, msgs in state["dm_messages"].items():
        for m in msgs:
            if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE:
                out.setdefault(uid, []).append(float(m["ts"]))
    return out


def log_time(line: str) -> float | None:
    m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})", line)
    if not m:
        return None
    return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").timestamp() + int(m.group(2)) / 1000


# -- one run ---------------------------------------------------------------------------------

def _start_candor(name: str, api_url: str, url: str, tmp: Path, procs: list):
    """`candor clock` and `candor serve` as subprocesses; returns (env, clock, serve, port)."""
    env = cm.candor_env(api_url, url, LOG_LEVEL="INFO")
    cm.db_upgrade(env)
    clock = cm.spawn([*cm.candor_exe(), "clock"], env, log=tmp / f"{name}-clock.log")
    port = cm.free_port()
    serve = cm.spawn([*cm.candor_exe(), "serve", "--port", str(port)], env,
                     log=tmp / f"{name}-serve.log")
    procs += [clock, serve]
    cm.wait_http(f"http://127.0.0.1:{port}/healthz", 60, serve)
    return env, clock, serve, port


def _open_round(args, sender, eng, res: RunResult, tmp: Path) -> None:
    """The admin adds the channels and sends a round, as over Slack."""
    for cid, cname, _ in team_channels(args.n, args.channels, random.Random(args.seed)):
        r = sender.slash(ADMIN, f"audience add <#{cid}|{cname}>")
        assert r.status == 200, r.body
    res.send_now_at = time.time()
    r = sender.slash(ADMIN, "send now")
    assert r.status == 200, r.body
    deadline = time.monotonic() + 120
    while (got := db_round(eng)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the round did not open; see " + str(tmp))
        time.sleep(0.1)
    res.opened_at, res.invited = got
    res.ideal = (res.invited - args.burst) / args.rate


def _kill_due(args, eng, target_seen: float | None) -> bool:
    """After the kill mark: at once, or (by default) once invitations are mid-send."""
    return target_seen is not None and (
        not args.kill_mid_batch
        or db_status(eng).get("sending", 0) >= args.kill_min_sending
        or time.monotonic() - target_seen > 30)


def _kill_and_restart(name, env, tmp, fake, eng, res: RunResult, clock, serve, procs):
    res.sending_at_kill = db_status(eng).get("sending", 0)
    for p in (clock, serve):  # every candor process, by pid
        os.kill(p.pid, signal.SIGKILL)
    res.kill_at = time.time()
    res.delivered_at_kill = delivered_posts(fake)
    for p in (clock, serve):
        p.wait(10)
    clock = cm.spawn([*cm.candor_exe(), "clock"], env, log=tmp / f"{name}-clock2.log")
    procs.append(clock)


def _watch(args, name, env, tmp, fake, eng, res: RunResult, crash, clock, serve, procs):
    """Wait for every invitation, killing candor once at the mark on a crash run."""
    target = int(args.kill_at * res.invited) if crash else None
    target_seen: float | None = None
    deadline = time.monotonic() + max(120.0, res.ideal * args.timeout_factor)
    while True:
        done = delivered_posts(fake)
        if target is not None and done >= target and target_seen is None:
            target_seen = time.monotonic()
        if target is not None and _kill_due(args, eng, target_seen):
            _kill_and_restart(name, env, tmp, fake, eng, res, clock, serve, procs)
            target = None
        if done >= res.invited:
            return
        if time.monotonic() > deadline:
            res.timed_out = True
            return
        time.sleep(0.1 if target is not None else 0.5)


def _tally(name, tmp, fake, eng, res: RunResult) -> None:
    """What the fake saw: missed and doubled DMs, 429s; what recovery did."""
    state = fake.state()
    dms = invite_dms(state)
    res.delivered_users = len(dms)
    res.missed = res.invited - len(dms)
    res.doubled = sum(1 for ts in dms.values() if len(ts) > 1)
    all_ts = [t for ts in dms.values() for t in ts]
    res.last_dm = max(all_ts) if all_ts else res.opened_at
    res.ratelimited = dict(state["ratelimited_by_method"])
    res.posts = state["calls"].get("chat.postMessage", 0)
    res.db_status = db_status(eng)
    if res.kill_at is None:
        return
    after = [t for t in all_ts if t > res.kill_at]
    res.first_dm_after_kill_s = (min(after) - res.kill_at) if after else None
    for line in (tmp / f"{name}-clock2.log").read_text(errors="replace").splitlines():
        if "clock lease acquired" in line and res.takeover_s is None:
            t = log_time(line)
            res.takeover_s = None if t is None else t - res.kill_at
        if "recovered deliveries" in line:
            res.recovery = line.split("restart:", 1)[-1].strip()


def run(name: str, args, dbs: Databases, tmp: Path, crash: bool) -> RunResult:
    from sqlalchemy import create_engine

    from bot.testing.fakeslack import RemoteFake, SlackSender

    rng = random.Random(args.seed)
    res = RunResult(name, args.n)
    fake_proc, api_url = cm.start_fake_process(args.n, limits(args.rate, args.burst),
                                               log=tmp / f"{name}-fake.log")
    procs: list = [fake_proc]
    try:
        fake = RemoteFake(api_url)
        for cid, cname, members in team_channels(args.n, args.channels, rng):
            fake.add_channel(cid, cname, members=[*members, fake.bot_user_id])
        url = dbs.new(name)
        env, clock, serve, port = _start_candor(name, api_url, url, tmp, procs)
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", cm.SIGNING_SECRET, fake,
                             timeout=60)
        eng = create_engine(url)
        _open_round(args, sender, eng, res, tmp)
        _watch(args, name, env, tmp, fake, eng, res, crash, clock, serve, procs)
        time.sleep(args.settle)  # anything still in flight (a double would show up here)
        _tally(name, tmp, fake, eng, res)
        eng.dispose()
    finally:
        for p in reversed(procs):
            cm.stop(p)
    return res


def report(results: list[RunResult], args) -> None:
    print(f"\nfan-out: N={args.n}, fake chat.postMessage {args.rate:g}/s burst {args.burst}, "
          f"{args.channels} audience channels, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}; ideal = (N - burst) / rate")
    hdr = ["run", "invited", "delivered", "missed", "doubled", "open->last DM s", "ideal s",
           "ratio", "goal", "verdict"]
    rows = []
    for r in results:
        goal = GOAL_CRASH if r.kill_at is not None else GOAL_CLEAN
        ok = r.ratio <= goal and r.missed == 0 and r.doubled == 0 and not r.timed_out
        rows.append([r.name, r.invited, r.delivered_users, r.missed, r.doubled, f"{r.wall:.1f}",
                     f"{r.ideal:.1f}", f"{r.ratio:.3f}", f"<= {goal}", cm.verdict(ok)])
    print(cm.table(hdr, rows))
    print()
    for r in results:
        print(f"[{r.name}] send now -> round open {r.opened_at - r.send_now_at:.1f}s; "
              f"chat.postMessage calls {r.posts}; 429s served: "
              f"{json.dumps(r.ratelimited, sort_keys=True) if r.ratelimited else 'none'}; "
              f"outbox: {json.dumps(r.db_status, sort_keys=True)}"
              + ("; TIMED OUT" if r.timed_out else ""))
        if r.kill_at is not None:
            tk = f"{r.takeover_s:.1f}s" if r.takeover_s is not None else "not seen"
            fd = f"{r.first_dm_after_kill_s:.1f}s" if r.first_dm_after_kill_s is not None else "none"
            print(f"[{r.name}] kill -9 at {r.delivered_at_kill} delivered "
                  f"({r.delivered_at_kill / max(1, r.invited):.0%}) with {r.sending_at_kill} "
                  f"claimed but not yet sent (status 'sending'); new clock took the lease "
                  f"{tk} after the kill; first DM after the kill {fd} after it; "
                  f"recovery: {r.recovery or 'nothing logged'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="recipients (2000)")
    ap.add_argument("--rate", type=float, default=10.0, help="fake chat.postMessage per second (10)")
    ap.add_argument("--burst", type=int, default=20, help="fake chat.postMessage burst (20)")
    ap.add_argument("--channels", type=int, default=8, help="audience channels (8)")
    ap.add_argument("--kill-at", type=float, default=0.4, help="fraction delivered at kill -9 (0.4)")
    ap.add_argument("--kill-mid-batch", action=argparse.BooleanOptionalAction, default=True,
                    help="after the kill point, wait (up to 30 s) until at least "
                         "--kill-min-sending invitations are claimed but unsent (status "
                         "'sending'): the worst case for recovery (on)")
    ap.add_argument("--kill-min-sending", type=int, default=2,
                    help="claimed-but-unsent rows wanted at the kill; the outbox claims a row "
                         "just before sending it, so at most one per send worker (4) (2)")
    ap.add_argument("--runs", choices=["both", "clean", "crash"], default="both")
    ap.add_argument("--database-url", help="PostgreSQL server URL (default: SQLite files)")
    ap.add_argument("--timeout-factor", type=float, default=4.0,
                    help="give up after this many times the ideal (4)")
    ap.add_argument("--settle", type=float, default=3.0,
                    help="seconds to wait after the last DM before counting doubles (3)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="candor-fanout-"))
    dbs = Databases(args.database_url, tmp)
    results = []
    try:
        if args.runs in ("both", "clean"):
            results.append(run("clean", args, dbs, tmp, crash=False))
        if args.runs in ("both", "crash"):
            results.append(run("crash", args, dbs, tmp, crash=True))
    finally:
        dbs.drop_all()
    report(results, args)
    print(f"machine: {cm.load_note()}")
    print(f"(logs: {tmp})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
