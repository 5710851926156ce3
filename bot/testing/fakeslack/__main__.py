"""Run the fake Slack as its own process.

    python -m bot.testing.fakeslack --port 0 --users 40 \
        --limit chat.postMessage=10/s:20 --limit users.list=20/m

The first stdout line is the api_url (give it to the bot as SLACK_API_URL); it then
serves until SIGTERM/SIGINT. `GET <base>/_fake/state` reports what happened.
A --limit is METHOD=RATE/UNIT[:BURST][@channel] with UNIT s or m; "@channel" gives
every channel its own bucket.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .demo import seed_demo
from .server import FakeSlack


def parse_limit(spec: str) -> tuple[str, float, float | None, bool]:
    """ "chat.postMessage=10/s:20" -> ("chat.postMessage", 10.0 per second, burst 20, False)."""
    try:
        method, _, rule = spec.partition("=")
        rule, _, scope = rule.partition("@")
        rate, _, burst = rule.partition(":")
        amount, _, unit = rate.partition("/")
        per_second = float(amount) / {"s": 1.0, "m": 60.0}[unit or "s"]
        if not method or scope not in ("", "channel"):
            raise ValueError(spec)
        return method, per_second, float(burst) if burst else None, scope == "channel"
    except (KeyError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"bad --limit {spec!r}: want METHOD=N/s[:BURST]") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.testing.fakeslack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--users", type=int, default=0, help="seed this many demo users")
    parser.add_argument(
        "--no-edge-cases",
        action="store_true",
        help="don't seed the deactivated/bot/guest demo users",
    )
    parser.add_argument("--team-id", default="T0001")
    parser.add_argument("--team-name", default="Demo Clinic")
    parser.add_argument("--bot-user-id", default="UBOT")
    parser.add_argument("--bot-token", default="xoxb-test")
    parser.add_argument(
        "--app-token", default="xapp-1-A0001-fake", help="for apps.connections.open (Socket Mode)"
    )
    parser.add_argument("--trigger-ttl", type=float, default=3.0)
    parser.add_argument(
        "--limit", action="append", default=[], type=parse_limit, metavar="METHOD=N/s[:BURST]"
    )
    args = parser.parse_args(argv)

    fake = FakeSlack(
        args.team_id,
        args.team_name,
        args.bot_user_id,
        args.bot_token,
        trigger_ttl=args.trigger_ttl,
        host=args.host,
        port=args.port,
        app_token=args.app_token,
    )
    if args.users:
        seed_demo(fake, args.users, edge_cases=not args.no_edge_cases)
    for method, per_second, burst, per_channel in args.limit:
        fake.set_rate_limit(method, per_second, burst, per_channel=per_channel)
    fake.start()
    print(fake.api_url, flush=True)

    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
