"""Scale out: 2 web processes and 2 clock processes on one database, serving
3 workspaces installed by OAuth, each with its own rate limits.

    .venv/bin/python benchmarks/scale_out.py --database-url postgresql://... [--n 300]

The fake Slack (a FakeOrg of 3 workspaces, in this process) routes each call
by its bot token; each workspace's chat.postMessage has its own limit
(--rates, per second, burst --burst), plus fanout.py's Tier limits for the
other methods. candor runs in OAuth mode (SLACK_CLIENT_ID/SECRET, a token per
workspace in the installation store) as 2 `candor serve` (the admins'
commands alternate between them, as behind a load balancer) and 2 `candor
clock` processes, which share delivery (bot/processes/sharing.py: a delivery
lease per workspace, per-row claims).

Each workspace's admin adds 2 audience channels and sends a round at once.
Printed per workspace: fan-out time (its round's opened_at to its last
invitation DM) against that workspace's own floor, (N - burst) / rate, and
the ratio; missed and doubled DMs (from the fake: doubled must be 0); which
clock delivered it; 429s the fake served.

--database-url: a PostgreSQL server URL (a fresh database is made next to it
and dropped). Without it, a SQLite file (only for the smoke run: the shape
this benchmark shows is PostgreSQL's).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as cm  # noqa: E402

EVENT_TYPE = "candor_invite"
CLIENT_ID, CLIENT_SECRET = "1111.2222", "bench-client-secret"
GOAL = 1.15  # each workspace's fan-out against its own floor, as fanout.py's clean run
OTHER_LIMITS = (("conversations.open", 50), ("users.info", 100), ("users.list", 20),
                ("conversations.members", 100))


@dataclass
class Team:
    team_id: str
    rate: float
    users: list[str]
    channels: list[tuple[str, str]] = field(default_factory=list)
    admin: str = ""
    opened_at: float = 0.0
    invited: int = 0
    last_dm: float = 0.0
    delivered: int = 0
    doubled: int = 0
    ratelimited: int = 0
    clocks: set = field(default_factory=set)

    def floor(self, burst: int) -> float:
        return max(self.invited - burst, 1) / self.rate

    @property
    def wall(self) -> float:
        return self.last_dm - self.opened_at


def build_org(args):
    """A FakeOrg of len(rates) seeded workspaces, each with its own limits."""
    from bot.testing.fakeslack import FakeOrg, FakeSlack

    teams, fakes = [], []
    for j, rate in enumerate(args.rates):
        tid = f"TSCALE{j + 1:04d}"
        fake = FakeSlack(tid, f"Clinic {j + 1}", bot_token=f"xoxb-{tid}-{j}",
                         bot_user_id=f"UBOT{j + 1}", trigger_ttl=600)
        fake.set_rate_limit("chat.postMessage", rate, args.burst)
        for method, per_minute in OTHER_LIMITS:
            fake.set_rate_limit_per_minute(method, per_minute)  # a minute's worth of burst
        team = Team(tid, rate, [f"U{j + 1}{i:07d}" for i in range(args.n)],
                    admin=f"UADMIN{j + 1:04d}")
        fake.add_user(team.admin, f"admin{j + 1}", f"Admin {j + 1}", is_admin=True)
        for uid in team.users:
            fake.add_user(uid, uid.lower(), f"Person {uid}")
        fake.add_channel("C_GENERAL", "general", members=[team.admin, fake.bot_user_id])
        half = len(team.users) // 2
        for k, members in enumerate((team.users[:half], team.users[half:])):
            cid, name = f"CT{j + 1}{k + 1:07d}", f"team-{j + 1}-{k + 1}"
            fake.add_channel(cid, name, members=[*members, fake.bot_user_id])
            team.channels.append((cid, name))
        teams.append(team)
        fakes.append(fake)
    return FakeOrg(*fakes, client_id=CLIENT_ID, client_secret=CLIENT_SECRET), teams


def install_all(env: dict, org) -> None:
    """Each workspace's install, saved as the OAuth redirect would save it."""
    from slack_sdk.oauth.installation_store.models.installation import Installation

    from bot.config import load_settings
    from bot.slackapi.installs import Installs
    from storage.db import Database
    from storage.keys import Keyring

    settings = load_settings(DATABASE_URL=env["DATABASE_URL"], SLACK_CLIENT_ID=CLIENT_ID,
                             SLACK_CLIENT_SECRET=CLIENT_SECRET, SLACK_API_URL=org.api_url,
                             CANDOR_SECRET_KEY=cm.SECRET_KEY)
    db = Database(settings.database_url)
    installs = Installs(settings, db, Keyring(cm.SECRET_KEY))
    for fake in org.fakes.values():
        installs.store.save(Installation(
            app_id=fake.app_id, team_id=fake.team_id, team_name=fake.team_name,
            bot_token=fake.bot_token, bot_id="B" + fake.team_id, bot_user_id=fake.bot_user_id,
            bot_scopes="chat:write,users:read,commands", user_id="UINSTALLER",
            installed_at=time.time()))
    db.engine.dispose()


def start_candor(env: dict, tmp: Path, procs: list, webs: int, clocks: int) -> list[int]:
    ports = []
    for i in range(webs):
        port = cm.free_port()
        procs.append(cm.spawn([*cm.candor_exe(), "serve", "--port", str(port)], env,
                              log=tmp / f"web{i + 1}.log"))
        ports.append(port)
    for i in range(clocks):
        procs.append(cm.spawn([*cm.candor_exe(), "clock"], env, log=tmp / f"clock{i + 1}.log"))
    for port, proc in zip(ports, procs[-(webs + clocks):], strict=False):
        cm.wait_http(f"http://127.0.0.1:{port}/healthz", 60, proc)
    return ports


def open_rounds(org, teams: list[Team], ports: list[int]) -> None:
    """Each admin adds their channels and sends a round; the commands go to
    the web processes in turn."""
    from bot.testing.fakeslack import SlackSender

    turn = 0
    for team in teams:
        fake = org.fakes[team.team_id]
        for text in [f"audience add <#{cid}|{name}>" for cid, name in team.channels] + [
                "send now"]:
            port = ports[turn % len(ports)]
            turn += 1
            # Acks are ack.py's subject; here a cold first request may be slow.
            sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", cm.SIGNING_SECRET,
                                 fake, timeout=60, ack_deadline=None)
            r = sender.slash(team.admin, text, team_id=team.team_id)
            assert r.status == 200, r.body


def wait_open(eng, teams: list[Team], timeout: float = 180) -> None:
    from sqlalchemy import text

    deadline = time.monotonic() + timeout
    while True:
        with eng.connect() as c:
            rows = {t: (o, n) for t, o, n in c.execute(text(
                "SELECT team_id, opened_at, invited FROM rounds WHERE status = 'open'"))}
        if all(t.team_id in rows for t in teams):
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"rounds open: {sorted(rows)}")
        time.sleep(0.1)
    for t in teams:
        opened, t.invited = rows[t.team_id]
        if isinstance(opened, str):
            opened = datetime.fromisoformat(opened)
        t.opened_at = opened.replace(tzinfo=UTC).timestamp()


def invites(fake, users: list[str]) -> dict[str, list[float]]:
    out = {}
    for uid in users:
        ts = [float(m["ts"]) for m in fake.dm_messages(uid)
              if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE]
        if ts:
            out[uid] = ts
    return out


def note_holders(eng, teams: list[Team], clock_pids: dict[int, str]) -> None:
    """Which clock holds each workspace's delivery lease (logs redact team ids)."""
    from sqlalchemy import text

    with eng.connect() as c:
        held = dict(c.execute(text("SELECT name, holder FROM leases WHERE name LIKE "
                                   "'deliver:%' AND expires_at > :now"),
                              {"now": datetime.now(UTC).replace(tzinfo=None)}).all())
    for t in teams:
        holder = held.get(f"deliver:{t.team_id}")
        if holder:
            pid = int(holder.split(":")[1])
            t.clocks.add(clock_pids.get(pid, f"pid {pid}"))


def wait_delivered(org, eng, teams: list[Team], clock_pids: dict[int, str],
                   timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        note_holders(eng, teams, clock_pids)
        if all(len(invites(org.fakes[t.team_id], t.users)) >= t.invited for t in teams):
            return True
        time.sleep(0.25)
    return False


def tally(org, teams: list[Team]) -> None:
    for t in teams:
        fake = org.fakes[t.team_id]
        got = invites(fake, t.users)
        t.delivered = len(got)
        t.doubled = sum(1 for ts in got.values() if len(ts) > 1)
        t.last_dm = max((x for ts in got.values() for x in ts), default=t.opened_at)
        t.ratelimited = fake.stats()["ratelimited_by_method"].get("chat.postMessage", 0)


def report(args, teams: list[Team], timed_out: bool) -> None:
    print(f"\nscale-out: {args.webs} web + {args.clocks} clock processes, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}, {len(teams)} workspaces x "
          f"N={args.n}; each workspace's floor = (N - burst {args.burst}) / its own "
          "chat.postMessage rate")
    hdr = ["workspace", "rate/s", "invited", "delivered", "missed", "doubled",
           "open->last DM s", "floor s", "ratio", "429s", "sent by", "verdict"]
    rows = []
    for t in teams:
        ratio = t.wall / t.floor(args.burst)
        ok = ratio <= GOAL and t.delivered == t.invited and t.doubled == 0
        rows.append([t.team_id, f"{t.rate:g}", t.invited, t.delivered, t.invited - t.delivered,
                     t.doubled, f"{t.wall:.1f}", f"{t.floor(args.burst):.1f}", f"{ratio:.3f}",
                     t.ratelimited, "+".join(sorted(t.clocks)) or "?", cm.verdict(ok)])
    print(cm.table(hdr, rows))
    total_dup = sum(t.doubled for t in teams)
    spread = len({c for t in teams for c in t.clocks})
    print(f"\nduplicates: {total_dup} (goal 0); clocks that delivered: {spread} of {args.clocks}"
          f"; goal: each ratio <= {GOAL}" + ("; TIMED OUT" if timed_out else ""))


def run(args, tmp: Path) -> tuple[list[Team], bool]:
    from sqlalchemy import create_engine

    org, teams = build_org(args)
    url, drop = cm.scratch_database(args.database_url, tmp, "scale_out")
    procs: list = []
    try:
        org.start()
        env = cm.candor_env(org.api_url, url, LOG_LEVEL="INFO", SLACK_CLIENT_ID=CLIENT_ID,
                            SLACK_CLIENT_SECRET=CLIENT_SECRET)
        env.pop("SLACK_BOT_TOKEN", None)
        cm.db_upgrade(env)
        install_all(env, org)
        ports = start_candor(env, tmp, procs, args.webs, args.clocks)
        eng = create_engine(cm.pg_url(url))
        open_rounds(org, teams, ports)
        wait_open(eng, teams)
        slowest = max(t.floor(args.burst) for t in teams)
        clock_pids = {p.pid: f"clock{i + 1}" for i, p in enumerate(procs[args.webs:])}
        timed_out = not wait_delivered(org, eng, teams, clock_pids,
                                       max(60.0, slowest * args.timeout_factor))
        time.sleep(args.settle)  # anything still in flight (a double would show here)
        tally(org, teams)
        eng.dispose()
    finally:
        for p in reversed(procs):
            cm.stop(p)
        org.stop()
        drop()
    return teams, timed_out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="recipients per workspace (300)")
    ap.add_argument("--rates", type=lambda v: [float(x) for x in v.split(",")],
                    default=[10.0, 5.0, 3.0],
                    help="each workspace's chat.postMessage limit per second (10,5,3)")
    ap.add_argument("--burst", type=int, default=20, help="chat.postMessage burst (20)")
    ap.add_argument("--webs", type=int, default=2)
    ap.add_argument("--clocks", type=int, default=2)
    ap.add_argument("--database-url", help="PostgreSQL server URL (default: a SQLite file)")
    ap.add_argument("--timeout-factor", type=float, default=4.0)
    ap.add_argument("--settle", type=float, default=3.0)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="candor-scale-out-"))
    teams, timed_out = run(args, tmp)
    report(args, teams, timed_out)
    print(f"machine: {cm.load_note()}")
    print(f"(logs: {tmp})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
