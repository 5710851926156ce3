"""Ack latency of `candor serve` under an open-loop load of signed interactions.

    .venv/bin/python benchmarks/ack.py [--requests 500] [--rate 50] [--users 300]

Runs the real server (`candor serve`, waitress) as a subprocess against the
project's fake Slack (in this process), sets up an open round over signed
slash commands (`audience add`, `send now`), delivers the invitations, and
then sends `--requests` signed interactions at `--rate` per second on an
open-loop schedule (request i leaves at t0 + i/rate whatever happened to
earlier ones; a thread pool sends them). The mix is mostly Start check-in
clicks and check-in submissions, plus some `/candor status` commands.

The same requests (re-signed) then go to a bare bolt app (every listener just
ack()s), served the same way (waitress with `candor serve`'s settings,
slack_bolt.adapter.wsgi) in a subprocess: the floor that bolt + waitress + HTTP cost on this machine.

Latency is measured client-side from the moment a request is sent to the
moment its HTTP response has been read (= Slack's view of the ack). Goals:
candor p99 < 300 ms, and at most 2x bare bolt's p99 in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as cm  # noqa: E402

GOAL_P99_MS = 300.0
GOAL_RATIO = 2.0  # candor's p99 against bare bolt's, same run (issue 12, P1)
ADMIN = "U000001"  # seed_demo's workspace owner
# A Slack-shaped id: /candor refuses seed_demo's default "C_GENERAL" (no "_" in real ids).
CHANNEL = "CGENERAL01"


# -- the bare bolt app ---------------------------------------------------------------

def bare_wsgi(api_url: str | None = None):
    """A bolt app whose every listener only ack()s, as a WSGI app."""
    import os
    import re

    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    api_url = api_url or os.environ.get("SLACK_API_URL", "http://127.0.0.1:9/api/")
    app = App(client=WebClient(token=cm.BOT_TOKEN, base_url=api_url),
              signing_secret=cm.SIGNING_SECRET, token_verification_enabled=False,
              process_before_response=False, raise_error_for_unhandled_request=False)

    @app.action(re.compile(".*"))
    def _action(ack):
        ack()

    @app.view(re.compile(".*"))
    def _view(ack):
        ack()

    @app.command(re.compile(".*"))
    def _command(ack):
        ack()

    return SlackRequestHandler(app, path="/slack/events")


def serve_bare(port: int, api_url: str, threads: int | None = None) -> None:
    """The bare app on the same waitress settings as `candor serve`."""
    from waitress import serve

    from bot.processes.web import server_options

    serve(bare_wsgi(api_url), host="127.0.0.1", port=port, ident="bare-bolt",
          **server_options(threads))


# -- building requests ---------------------------------------------------------------

@dataclass
class Req:
    kind: str
    body: str
    content_type: str


def capturing_sender(fake):
    """A SlackSender whose post() records (body, content type) instead of sending,
    so payloads are built before the timed run and signed when they are sent."""
    from bot.testing.fakeslack import Reply, SlackSender

    class CapturingSender(SlackSender):
        captured: list[tuple[str, str]] = []

        def post(self, body, content_type="application/x-www-form-urlencoded", **_):
            self.captured.append((body, content_type))
            return Reply(0, "", None)

    return CapturingSender("http://unused", cm.SIGNING_SECRET, fake)


def send_signed(url: str, req: Req, timeout: float = 30.0) -> tuple[int, bytes]:
    from bot.testing.fakeslack import sign

    ts = int(time.time())
    headers = {"Content-Type": req.content_type,
               "X-Slack-Request-Timestamp": str(ts),
               "X-Slack-Signature": sign(cm.SIGNING_SECRET, ts, req.body)}
    r = urllib.request.Request(url, data=req.body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(r, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:  # noqa: BLE001 - a timeout or reset is a failed ack
        return -1, type(e).__name__.encode()


# -- the open-loop load ----------------------------------------------------------------

@dataclass
class Result:
    kind: str
    latency: float  # send -> response read, seconds
    lag: float  # actual send - scheduled send, seconds
    status: int
    body: bytes


def run_load(url: str, reqs: list[Req], rate: float, workers: int = 32) -> list[Result]:
    results: list[Result | None] = [None] * len(reqs)

    def one(i: int, due: float) -> None:
        t_send = time.perf_counter()
        status, body = send_signed(url, reqs[i])
        results[i] = Result(reqs[i].kind, time.perf_counter() - t_send, t_send - due,
                            status, body)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load") as ex:
        t0 = time.perf_counter() + 0.2
        for i in range(len(reqs)):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            ex.submit(one, i, due)
    return [r for r in results if r is not None]


def summarize(name: str, res: list[Result]) -> list[object]:
    lat = [r.latency * 1000 for r in res]
    bad = sum(1 for r in res if r.status != 200)
    return [name, len(res), f"{cm.percentile(lat, 50):.1f}", f"{cm.percentile(lat, 99):.1f}",
            f"{max(lat):.1f}" if lat else "nan", bad,
            f"{max(r.lag for r in res) * 1000:.1f}" if res else "nan",
            f"{lat[0]:.1f}" if lat else "nan"]


# -- set-up of candor -------------------------------------------------------------------

DELIVER = """
from bot.services import outbox
from bot.config import load_settings
from bot.context import Candor
from bot.slackapi.client import Pacer
c = Candor.build(load_settings())
# Set-up only, the fake has no limits here. (Pacer({}) would mean the defaults.)
for client in {id(x): x for x in (c.client, getattr(c, "poster", None)) if x}.values():
    client.pacer = Pacer({"chat.postMessage": (1000.0, 1000)})
total = {}
while True:
    r = outbox.deliver_due(c, workers=8, limit=500)
    if not r:
        break
    for k, v in r.items():
        total[k] = total.get(k, 0) + v
print(total)
"""


def wait_for_response(fake, user: str, needle: str, before: int, timeout: float = 60.0) -> str:
    def found():
        rs = fake.responses_for(user)[before:]
        return next((r.get("text", "") for r in rs if needle in (r.get("text") or "")), None)
    return fake.wait_for(found, timeout)


def setup_round(fake, url: str, env: dict, users: list[str]) -> None:
    from bot.testing.fakeslack import SlackSender

    s = SlackSender(url, cm.SIGNING_SECRET, fake, timeout=60)
    n = len(fake.responses_for(ADMIN))
    r = s.slash(ADMIN, f"audience add <#{CHANNEL}|general>")
    assert r.status == 200, r.body
    wait_for_response(fake, ADMIN, "Added", n)
    n = len(fake.responses_for(ADMIN))
    r = s.slash(ADMIN, "send now")
    assert r.status == 200, r.body
    wait_for_response(fake, ADMIN, "is open", n)
    import subprocess

    subprocess.run([cm.PY, "-c", DELIVER], env=env, cwd=cm.ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    missing = [u for u in users if len(fake.dm_messages(u)) != 1]
    if missing:
        raise RuntimeError(f"{len(missing)} invitations not delivered, e.g. {missing[:3]}")


def open_views(fake, url: str, users: list[str]) -> dict[str, dict]:
    """Click Start check-in (untimed, also a warm-up) to get each submitter's modal."""
    from bot.testing.fakeslack import SlackSender

    s = SlackSender(url, cm.SIGNING_SECRET, fake, timeout=60)
    views: dict[str, dict] = {}

    def one(uid: str) -> None:
        r = s.click(uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        assert r.status == 200, r.body
        views[uid] = fake.wait_for(lambda: fake.last_opened_view(uid), 30)

    with ThreadPoolExecutor(4) as ex:
        list(ex.map(one, users))
    return views


def build_requests(fake, users: list[str], views: dict[str, dict], n: int,
                   rng: random.Random) -> list[Req]:
    sender = capturing_sender(fake)
    n_status = max(1, n // 10)
    n_submit = min(len(views), (n - n_status) // 2)
    n_click = n - n_status - n_submit
    kinds = ["click"] * n_click + ["submit"] * n_submit + ["status"] * n_status
    rng.shuffle(kinds)
    submitters = iter(list(views))
    out: list[Req] = []
    for kind in kinds:
        sender.captured.clear()
        if kind == "click":
            uid = rng.choice(users)
            sender.click(uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        elif kind == "submit":
            uid = next(submitters)
            view = views[uid]
            answers = {}
            for b in view["blocks"]:
                bid = b.get("block_id") or ""
                if bid.startswith("q_"):
                    opts = b["element"].get("options") or []
                    answers[bid] = rng.choice(opts)["value"]
            if rng.random() < 0.3:
                answers["comment"] = rng.choice([
                    "Caseload has been heavy this week.", "Supervision helped a lot.",
                    "Too many intakes, not enough time for notes."])
            sender.submit(uid, view, answers=answers, apply=False)
        else:
            sender.slash(ADMIN, "status")
        body, ctype = sender.captured[-1]
        out.append(Req(kind, body, ctype))
    return out


# -- main ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=500, help="interactions to send (500)")
    ap.add_argument("--rate", type=float, default=50.0, help="per second, open loop (50)")
    ap.add_argument("--users", type=int, default=300, help="invited clinicians (300)")
    ap.add_argument("--workers", type=int, default=32, help="client threads (32)")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="quiet seconds before and after the candor run (1)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    ap.add_argument("--api-url", default="http://127.0.0.1:9/api/", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_bare:
        serve_bare(args.serve_bare, args.api_url, args.threads)
        return 0

    from bot.testing.fakeslack import FakeSlack
    from bot.testing.fakeslack.demo import seed_demo

    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="candor-ack-"))
    fake = FakeSlack(trigger_ttl=600).start()
    users = seed_demo(fake, args.users, edge_cases=False, channel_id=CHANNEL)
    db_url = f"sqlite:///{tmp / 'candor.db'}"
    env = cm.candor_env(fake.api_url, db_url)
    serve = bare = None
    try:
        cm.db_upgrade(env)
        port = cm.free_port()
        serve = cm.spawn([*cm.candor_exe(), "serve", "--port", str(port)], env,
                         log=tmp / "serve.log")
        cm.wait_http(f"http://127.0.0.1:{port}/healthz", 60, serve)
        url = f"http://127.0.0.1:{port}/slack/events"
        t = time.perf_counter()
        setup_round(fake, url, env, users)
        n_submit = min(len(users), (args.requests - max(1, args.requests // 10)) // 2)
        views = open_views(fake, url, users[:n_submit])
        reqs = build_requests(fake, users, views, args.requests, rng)
        print(f"set-up: round open to {len(users)} people, {len(views)} modals opened "
              f"({time.perf_counter() - t:.1f}s, untimed)")
        time.sleep(args.settle)  # let after-ack work (views.open) settle

        fake.reset_calls()
        load0 = cm.load_note()
        res_candor = run_load(url, reqs, args.rate, args.workers)
        time.sleep(args.settle)
        slack_calls = fake.stats()["calls"]
        cm.stop(serve)

        bport = cm.free_port()
        bare = cm.spawn([cm.PY, str(Path(__file__).resolve()), "--serve-bare", str(bport),
                         "--api-url", fake.api_url], env, log=tmp / "bare.log")
        cm.wait_port(bport, 30, bare)
        burl = f"http://127.0.0.1:{bport}/slack/events"
        for r in reqs[:20]:  # warm-up, like the candor side had
            cm_status = send_signed(burl, r)[0]
            assert cm_status == 200, cm_status
        res_bare = run_load(burl, reqs, args.rate, args.workers)
        load1 = cm.load_note()
    finally:
        cm.stop(serve)
        cm.stop(bare)
        fake.stop()

    # What the submissions were answered with (thanks = recorded).
    thanks = refused = errors = 0
    for r in res_candor:
        if r.kind != "submit" or r.status != 200:
            continue
        try:
            j = json.loads(r.body or b"{}")
        except ValueError:
            j = {}
        if j.get("response_action") == "errors":
            errors += 1
        elif "already" in json.dumps(j).lower() or "closed" in json.dumps(j).lower():
            refused += 1
        else:
            thanks += 1

    dur = len(reqs) / args.rate
    print(f"\nack latency: {len(reqs)} signed interactions at {args.rate:g}/s open loop "
          f"(~{dur:.0f}s), {args.workers} client threads, waitress as `candor serve`, SQLite")
    hdr = ["server", "n", "p50 ms", "p99 ms", "max ms", "non-200", "max send lag ms",
           "first ms"]
    rows = [summarize("candor serve", res_candor), summarize("bare bolt app", res_bare)]
    print(cm.table(hdr, rows))
    print("\ncandor by kind:")
    by_kind = [summarize(k, [r for r in res_candor if r.kind == k])
               for k in ("click", "submit", "status") if any(r.kind == k for r in res_candor)]
    print(cm.table(hdr, by_kind))
    print(f"\nSlack API calls candor made during (and just after) the run: "
          f"{json.dumps(slack_calls, sort_keys=True)}")
    print(f"machine: {load0} before, {load1} after (other work on the box skews tails)")
    print(f"submissions answered: {thanks} thanks, {refused} refusals, {errors} field errors")
    p99 = cm.percentile([r.latency * 1000 for r in res_candor], 99)
    bare99 = cm.percentile([r.latency * 1000 for r in res_bare], 99)
    all_ok = all(r.status == 200 for r in res_candor)
    ok = p99 < GOAL_P99_MS and all_ok
    print(f"goal: candor p99 < {GOAL_P99_MS:.0f} ms (all 200): {cm.verdict(ok)} "
          f"(p99 {p99:.1f} ms)")
    ratio = p99 / bare99 if bare99 else float("inf")
    print(f"goal (issue 12, P1): candor p99 <= {GOAL_RATIO:g}x bare bolt's p99 in the same run: "
          f"{cm.verdict(ratio <= GOAL_RATIO and all_ok)} ({p99:.1f} / {bare99:.1f} ms = "
          f"{ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
