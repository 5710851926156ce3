"""The `candor` command."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from bot.config import ConfigError
from bot.processes import common, ops

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="candor: anonymous clinician check-ins for Slack.")
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption key commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (Alembic)."""
    from storage.migrate import upgrade

    s = common.settings()
    upgrade(s.database_url)
    typer.echo("database is up to date")


def _wait_forever(stop: threading.Event) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


@app.command()
def serve(port: Annotated[int | None, typer.Option(help="Port (default $PORT or 3000)")] = None) -> None:
    """Run the HTTP app (POST /slack/events, GET /healthz) on a production server."""
    from bot.app import create_app
    from bot.processes.web import make_wsgi
    from bot.processes.web import serve as run_server

    s = common.settings()
    s.require("slack_bot_token", "slack_signing_secret")
    c = common.candor(s)
    wsgi = make_wsgi(create_app(c), c.db)
    typer.echo(f"candor serving on :{port or s.port}")
    run_server(wsgi, port or s.port)


@app.command()
def clock() -> None:
    """Run the scheduler: deliveries, reminders, closing rounds, retention."""
    from bot.app import create_app
    from bot.processes.clock import Clock

    s = common.settings()
    c = common.candor(s)
    create_app(c)  # registers the after-close hooks (digest)
    k = Clock(c)
    k.start()
    stop = threading.Event()
    _wait_forever(stop)
    k.stop()


@app.command()
def run(port: Annotated[int | None, typer.Option()] = None) -> None:
    """Serve and clock in one process (Socket Mode when SLACK_APP_TOKEN is set)."""
    from bot.app import create_app
    from bot.processes.clock import Clock
    from bot.processes.web import make_wsgi
    from bot.processes.web import serve as run_server

    s = common.settings()
    c = common.candor(s)
    socket = bool(s.slack_app_token)
    if not socket:
        s.require("slack_signing_secret")
    bolt = create_app(c, socket_mode=socket)
    k = Clock(c)
    k.start()
    try:
        if socket:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            SocketModeHandler(bolt, s.slack_app_token).start()
        else:
            run_server(make_wsgi(bolt, c.db), port or s.port)
    finally:
        k.stop()


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Where to write the demo database and chart")] = Path("demo-out"),
    people: Annotated[int, typer.Option(min=10, max=500)] = 40,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Run a whole round offline against a fake Slack: no Slack account needed."""
    from bot.processes.demo import run_demo

    run_demo(out, people=people, seed=seed)


@app.command()
def themes(file: Annotated[Path | None, typer.Argument(help="Comments, one per line (default: stdin)")] = None) -> None:
    """Tag comments with themes and sentiment: one JSON object per line."""
    import json

    from analytics.text import analyse

    if file is not None and not file.exists():
        raise ConfigError(f"{file} does not exist")
    stream = file.open(encoding="utf-8") if file else sys.stdin
    with stream:
        for line in stream:
            line = line.strip()
            if line:
                print(json.dumps(analyse(line), ensure_ascii=False))


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", help="Only csv for now")] = "csv",
    team: Annotated[str | None, typer.Option(help="Slack team ID (needed if several workspaces)")] = None,
    out: Annotated[Path | None, typer.Option(help="File to write (default: stdout)")] = None,
    rounds: Annotated[int, typer.Option(min=1, max=100)] = 12,
) -> None:
    """Write the aggregated results table (round, team, metric, n, value, interval),
    with the digest's suppression. Never raw rows."""
    from bot.services.digests import export_csv
    from bot.services.errors import ServiceError
    from storage import workspaces

    if format != "csv":
        raise ConfigError(f"--format {format} isn't supported; use --format csv")
    s = common.settings()
    c = common.candor(s, need_slack=False)
    with c.db.session() as sess:
        teams = workspaces.team_ids(sess)
    if team is None:
        if len(teams) != 1:
            raise ConfigError("several workspaces (or none) in the database; pass --team T…"
                              if teams else "no workspace in the database yet")
        team = teams[0]
    elif team not in teams:
        raise ConfigError(f"no workspace {team} in the database")
    try:
        if out:
            with out.open("w", newline="", encoding="utf-8") as fh:
                n = export_csv(c, team, fh, rounds)
            print(f"wrote {n} rows to {out}", file=sys.stderr)
        else:
            export_csv(c, team, sys.stdout, rounds)
    except ServiceError as e:
        raise ConfigError(str(e)) from None


keys_app.command("rotate")(ops.keys_rotate)
app.command("purge")(ops.purge_cmd)
app.command("forget-user")(ops.forget_user_cmd)


def main() -> None:
    try:
        app()
    except ConfigError as e:
        print(f"candor: {e}", file=sys.stderr)
        sys.exit(2)
