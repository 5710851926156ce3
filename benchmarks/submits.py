"""The 10:00 click storm: check-in submits per second, closed loop, against bare bolt.

    .venv/bin/python benchmarks/submits.py [--people 1000] [--concurrency 50 200]
                                           [--web 1 2] [--database-url postgresql://...]

Starts `candor serve` (1 or 2 processes) with `candor clock` beside it, as the
Procfile has them, against the project's fake Slack (in this process), on a
fresh SQLite file or a scratch PostgreSQL database. Opens one round for
`--people` clinicians over signed slash commands, delivers the invitations
(set-up, unpaced), and builds every clinician's signed `view_submission`
(the modal Slack would hold, with their own ticket; 30% with a comment; a few
tickets are submitted twice at once, as a double click). Both servers get the
same untimed warm-up (`--warmup` clinicians, one pass), and the timed runs
wait for `candor clock` to finish starting. Then, for each
concurrency C, a disjoint slice of clinicians submits, closed loop: C client
threads each send a submit, wait for the answer, send the next. With 2 web
processes the client alternates between them, as a load balancer would.

After the timed runs the round is closed (`/candor close now`) and the
ballots opened at close are counted: accepted (a thanks) must equal stored,
and every doubled ticket must be stored exactly once.

A bare slack-bolt app (every listener only ack()s; the same server and
threads, as many processes) then gets the same payloads, re-signed, at the same C: the
floor for bolt + waitress + HTTP in this run. Prints submits/s, p50/p99 ack,
server CPU per submit and the ratio to bare bolt. Goals (issue 12): >= 50% of
bare bolt's rate, p99 < 1 s at 200 concurrent, accepted == stored, 0 lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as cm  # noqa: E402
import ack  # noqa: E402
from _servers import cpu_seconds, postgres_procs, profiling, server_argv, start_serves  # noqa: E402

GOAL_SHARE = 0.5  # of bare bolt's submits/s
GOAL_P99_S = 1.0  # at 200 concurrent
COMMENTS = ["Caseload has been heavy this week.", "Supervision helped a lot.",
            "Too many intakes, not enough time for notes."]


@dataclass
class Submit:
    uid: str
    body: str  # form-encoded payload; signed when sent
    ticket: str


@dataclass
class Run:
    server: str
    c: int
    n: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # server processes' CPU seconds over the run
    cpu_clock: float = 0.0  # candor clock's
    cpu_db: float = 0.0  # the PostgreSQL server's
    lat: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    by_ticket: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.n / self.wall if self.wall else 0.0

    def row(self, bare: Run | None) -> list[object]:
        p = [cm.percentile(self.lat, q) * 1000 for q in (50, 99)]
        ratio = f"{bare.rate / self.rate:.2f}x" if bare and self.rate else "-"
        return [self.server, self.c, self.n, f"{self.rate:.0f}", f"{p[0]:.0f}", f"{p[1]:.0f}",
                f"{max(self.lat) * 1000:.0f}" if self.lat else "nan",
                f"{self.cpu / max(self.n, 1) * 1000:.2f}",
                f"{self.cpu_clock / max(self.n, 1) * 1000:.2f}",
                f"{self.cpu_db / max(self.n, 1) * 1000:.2f}", ratio,
                " ".join(f"{k}={v}" for k, v in sorted(self.outcomes.items()))]


# -- processes -------------------------------------------------------------------------

# -- payloads --------------------------------------------------------------------------

def build_submits(fake, url: str, users: list[str], rng: random.Random) -> list[Submit]:
    """One click (through candor, as Slack would) gives the modal; every other
    clinician's modal is the same view holding their own ticket."""
    from bot.testing.fakeslack import SlackSender

    first = users[0]
    r = SlackSender(url, cm.SIGNING_SECRET, fake, timeout=60).click(
        first, "start_checkin", message=fake.dm_messages(first)[-1])
    assert r.status == 200, r.body
    template = fake.wait_for(lambda: fake.last_opened_view(first), 30)
    sender = ack.capturing_sender(fake)
    out = []
    for uid in users:
        msg = fake.dm_messages(uid)[-1]
        ticket = next(e["value"] for b in msg["blocks"] for e in b.get("elements", [])
                      if e.get("action_id") == "start_checkin")
        meta = json.loads(template.get("private_metadata") or "{}")  # what candor put there
        meta.update(k=ticket, c=msg.get("channel") or fake.dm_channel_id(uid), ts=msg["ts"])
        view = dict(template, private_metadata=json.dumps(meta))
        answers = {b["block_id"]: rng.choice(b["element"]["options"])["value"]
                   for b in view["blocks"] if (b.get("block_id") or "").startswith("q_")}
        if rng.random() < 0.3:
            answers["comment"] = rng.choice(COMMENTS)
        sender.captured.clear()
        sender.submit(uid, view, answers=answers, apply=False)
        out.append(Submit(uid, sender.captured[-1][0], ticket))
    return out


def with_doubles(subs: list[Submit], share: float, rng: random.Random) -> list[Submit]:
    """Some tickets sent twice back to back, so two threads carry them at once."""
    out: list[Submit] = []
    for s in subs:
        out.append(s)
        if rng.random() < share:
            out.append(s)
    return out


# -- the closed loop -------------------------------------------------------------------

def outcome(status: int, body: bytes) -> str:
    if status != 200:
        return f"http{status}"
    try:
        j = json.loads(body or b"{}")
    except ValueError:
        return "unreadable"
    if j.get("response_action") == "errors":
        return "errors"
    if j.get("response_action") != "update":
        return "acked"  # bare bolt: an empty ack
    # Read the bytes, not a re-serialisation: the client shares the cores.
    return "thanks" if b'"divider"' in body else "refused"


def closed_loop(ports: list[int], subs: list[Submit], c: int, procs, server: str,
                profile: str | None = None, clock=(), db=()) -> Run:
    from bot.testing.fakeslack import sign

    run = Run(server, c)
    todo = iter(enumerate(subs))
    lock = threading.Lock()

    def worker(w: int) -> None:
        conns: dict[int, http.client.HTTPConnection] = {}
        while True:
            with lock:
                nxt = next(todo, None)
            if nxt is None:
                break
            i, s = nxt
            port = ports[i % len(ports)]
            ts = int(time.time())
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "X-Slack-Request-Timestamp": str(ts),
                       "X-Slack-Signature": sign(cm.SIGNING_SECRET, ts, s.body)}
            t0 = time.perf_counter()
            try:
                conn = conns.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conns[port] = conn
                conn.request("POST", "/slack/events", body=s.body.encode(), headers=headers)
                resp = conn.getresponse()
                status, body = resp.status, resp.read()
                if resp.will_close:
                    conns.pop(port).close()
            except Exception:  # noqa: BLE001 - a reset or timeout is a failed ack
                status, body = -1, b""
                conns.pop(port, None)
            dt = time.perf_counter() - t0
            kind = outcome(status, body)
            with lock:
                run.lat.append(dt)
                run.outcomes[kind] = run.outcomes.get(kind, 0) + 1
                run.by_ticket.setdefault(s.ticket, []).append(kind)
        for conn in conns.values():
            conn.close()

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(c)]
    spies = profiling(procs, profile, f"{server.replace(' ', '')}-c{c}")
    time.sleep(0.5 if spies else 0)  # py-spy attaching
    cpu0, t0 = cpu_seconds(procs), time.perf_counter()
    clock0, db0 = cpu_seconds(clock), cpu_seconds(db)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.wall, run.cpu = time.perf_counter() - t0, cpu_seconds(procs) - cpu0
    run.cpu_clock, run.cpu_db = cpu_seconds(clock) - clock0, cpu_seconds(db) - db0
    for spy in spies:
        cm.stop(spy, signal.SIGINT, 30)
    run.n = len(subs)
    return run


# -- one configuration -----------------------------------------------------------------

def stored_ballots(db_url: str, round_id: int) -> tuple[int, int]:
    """(sealed ballots waiting, ballots opened at close) for the round."""
    from sqlalchemy import create_engine, text

    eng = create_engine(cm.pg_url(db_url))
    try:
        with eng.connect() as c:
            sealed = c.execute(text("SELECT count(*) FROM sealed_ballots WHERE round_id=:r"),
                               {"r": round_id}).scalar()
            opened = c.execute(text("SELECT coalesce(sum(ballots), 0) FROM team_counts "
                                    "WHERE round_id=:r"), {"r": round_id}).scalar()
            return int(sealed), int(opened)
    finally:
        eng.dispose()


def round_state(db_url: str) -> tuple[int, str]:
    from sqlalchemy import create_engine, text

    eng = create_engine(cm.pg_url(db_url))
    try:
        with eng.connect() as c:
            rid, status = c.execute(text("SELECT id, status FROM rounds ORDER BY id DESC")).first()
            return int(rid), str(status)
    finally:
        eng.dispose()


def close_round(fake, url: str, db_url: str, timeout: float = 120) -> None:
    from bot.testing.fakeslack import SlackSender

    r = SlackSender(url, cm.SIGNING_SECRET, fake, timeout=60).slash(ack.ADMIN, "close now")
    assert r.status == 200, r.body
    deadline = time.monotonic() + timeout
    while round_state(db_url)[1] != "closed":
        if time.monotonic() > deadline:
            raise TimeoutError("the round did not close")
        time.sleep(0.2)


def quiet(proc, timeout: float = 60.0) -> None:
    """Wait until candor clock has finished starting (imports, its first
    ticks): a clock runs all day, and the storm shouldn't be timed against
    its start-up. Quiet: under 5% of a core over half a second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds([proc])
        time.sleep(0.5)
        if cpu_seconds([proc]) - before < 0.025:
            return


def configuration(args, web: int, tmp: Path, rng: random.Random) -> dict:
    from bot.testing.fakeslack import FakeSlack
    from bot.testing.fakeslack.demo import seed_demo

    fake = FakeSlack(trigger_ttl=600).start()
    users = seed_demo(fake, args.people, edge_cases=False, channel_id=ack.CHANNEL)
    db_url, drop = cm.scratch_database(args.database_url, tmp, f"submits{web}")
    env = cm.candor_env(fake.api_url, db_url)
    procs: list = []
    clock = None
    try:
        cm.db_upgrade(env)
        serves, ports = start_serves(env, web, tmp, f"serve{web}",
                                     lambda port: server_argv(args, port), health=True)
        procs += serves
        url = f"http://127.0.0.1:{ports[0]}/slack/events"
        ack.setup_round(fake, url, env, users)
        clock = cm.spawn([*cm.candor_exe(), "clock"], env, log=tmp / f"clock{web}.log")
        subs = build_submits(fake, url, users, rng)
        pg = postgres_procs() if args.database_url else []
        # Both servers get the same untimed warm-up: one pass at the highest
        # C, from clinicians kept out of the timed runs.
        n_warm = min(args.warmup, len(subs) // 5)
        warm, subs = subs[:n_warm], subs[n_warm:]
        slices = [subs[i::len(args.concurrency)] for i in range(len(args.concurrency))]
        loads = [with_doubles(s, args.doubles, rng) for s in slices]
        warm_run = closed_loop(ports, warm, max(args.concurrency), serves, "warm-up")
        quiet(clock)
        time.sleep(args.settle)
        runs = []
        for c, load in zip(args.concurrency, loads, strict=True):
            runs.append(closed_loop(ports, load, c, serves, f"candor x{web}", args.profile,
                                    [clock], pg))
            time.sleep(args.settle)
        rid = round_state(db_url)[0]
        sealed, _ = stored_ballots(db_url, rid)
        close_round(fake, url, db_url)
        _, opened = stored_ballots(db_url, rid)
        for p in serves:
            cm.stop(p)
        cm.stop(clock)

        bares, bports = start_serves(env, web, tmp, f"bare{web}",
                                     lambda port: server_argv(args, port, fake.api_url),
                                     health=False)
        procs += bares
        closed_loop(bports, warm, max(args.concurrency), bares, "warm-up")
        bare_runs = [closed_loop(bports, load, c, bares, f"bare bolt x{web}", args.profile,
                                 db=pg)
                     for c, load in zip(args.concurrency, loads, strict=True)]
    finally:
        for p in procs:
            cm.stop(p)
        cm.stop(clock)
        fake.stop()
        drop()
    return {"web": web, "runs": runs, "bare": bare_runs, "sealed": sealed, "opened": opened,
            "warm": warm_run.outcomes.get("thanks", 0)}


def report(args, results: list[dict]) -> bool:
    where = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nsubmits, closed loop, {args.people} clinicians, {where} "
          f"({args.server}, {args.threads} threads per web process, the same for bare bolt; "
          "candor clock running beside)")
    hdr = ["server", "C", "n", "submits/s", "p50 ms", "p99 ms", "max ms", "CPU ms/submit",
           "clock ms/submit", "db ms/submit",
           "bare/candor", "answers"]
    ok = True
    for res in results:
        rows = []
        for run, bare in zip(res["runs"], res["bare"], strict=True):
            rows += [run.row(bare), bare.row(None)]
            share = run.rate / bare.rate if bare.rate else 0.0
            good = share >= GOAL_SHARE and (run.c < 200 or cm.percentile(run.lat, 99) <= GOAL_P99_S)
            ok &= good
            rows.append([f"  share of bare: {share:.0%}", "", "", "", "", "", "", "", "", "", "",
                         cm.verdict(good)])
        print(cm.table(hdr, rows))
        accepted = res["warm"] + sum(r.outcomes.get("thanks", 0) for r in res["runs"])
        doubled = [kinds for r in res["runs"] for kinds in r.by_ticket.values() if len(kinds) > 1]
        once = sum(1 for kinds in doubled if kinds.count("thanks") == 1)
        lost = accepted - res["opened"]
        fine = accepted == res["sealed"] == res["opened"] and once == len(doubled)
        ok &= fine
        print(f"web x{res['web']}: accepted {accepted} (with {res['warm']} warm-up), sealed before close {res['sealed']}, "
              f"stored at close {res['opened']}, lost {lost}; doubled tickets stored once: "
              f"{once}/{len(doubled)}: {cm.verdict(fine)}\n")
    print("CPU ms/submit: the web processes'; clock: candor clock's; db: the PostgreSQL "
          "server's (idle for bare bolt); all on the same cores")
    print(f"machine: {cm.load_note()} (the client shares the cores: compare ratios within a run)")
    print(f"goals: >= {GOAL_SHARE:.0%} of bare bolt's submits/s, p99 < {GOAL_P99_S:g} s at "
          f"C=200, accepted == stored, 0 lost: {cm.verdict(ok)}")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=2250, help="invited clinicians (2250)")
    ap.add_argument("--warmup", type=int, default=250,
                    help="of them, submits sent untimed to each server first (250)")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--web", type=int, nargs="+", default=[1, 2], help="web processes (1 2)")
    ap.add_argument("--doubles", type=float, default=0.02, help="share of tickets sent twice")
    ap.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite files)")
    ap.add_argument("--settle", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--server", choices=["waitress", "gunicorn"], default="waitress",
                    help="waitress is `candor serve` itself; gunicorn (gthread, 1 worker per "
                         "process) needs `pip install gunicorn`: not a candor dependency")
    ap.add_argument("--threads", type=int, default=8, help="per web process (8)")
    ap.add_argument("--profile", metavar="OUT",
                    help="py-spy the servers during timed runs (OUT-<server>-c<C>-<i>.txt)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="candor-submits-"))
    results = [configuration(args, web, tmp, rng) for web in args.web]
    report(args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
