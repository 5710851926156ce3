"""The `candor` command."""

from __future__ import annotations

import dataclasses
import logging
import signal
import sys
import threading
import traceback
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
    from storage.migrate import heads

    db = common.database(common.settings(), upgrade=True)
    db.dispose()
    typer.echo(f"database is up to date: {db.location} (revision {', '.join(heads())})")


def _wait_forever(stop: threading.Event) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def _bind(wsgi, port: int):
    from bot.processes.web import listen

    try:
        return listen(wsgi, port)
    except OSError as e:
        raise ConfigError(f"can't listen on port {port} ({e.strerror or e}); "
                          "choose another with --port or PORT") from None


def _start_clock(c):
    from bot.processes.clock import Clock

    k = Clock(c)
    k.start()
    return k


@app.command()
def serve(port: Annotated[int | None, typer.Option(help="Port (default $PORT or 3000)")] = None) -> None:
    """Run the HTTP app (POST /slack/events, GET /healthz) on a production server."""
    from bot.app import create_app
    from bot.processes import web
    from bot.services import people
    from storage.db import WEB

    s = common.settings()
    s.require("slack_bot_token", "slack_signing_secret")
    server = _bind(None, common.port(port, s))  # a taken port fails before anything else
    c = common.candor(s, limits=WEB, start=True)
    server.application = web.make_wsgi(create_app(c), c.db)
    people.keep_scrubbers_warm(c)
    typer.echo(f"candor serving on :{server.effective_port}")
    try:
        web.run(server)
    finally:
        c.db.dispose()


@app.command()
def clock() -> None:
    """Run the scheduler: deliveries, reminders, closing rounds, retention."""
    s = common.settings()
    c = common.candor(s, start=True)
    k = _start_clock(c)
    stop = threading.Event()
    _wait_forever(stop)
    k.stop()
    c.db.dispose()


def _socket_mode(bolt, s):
    """Connect to Slack over Socket Mode, or one line saying why not."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    quiet = logging.getLogger("candor.socket")
    # Its own client for apps.connections.open, logging where we can quiet it.
    opener = WebClient(base_url=s.slack_api_url, timeout=10, logger=quiet)
    handler = SocketModeHandler(bolt, s.slack_app_token, logger=quiet, web_client=opener)
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a failed first connect is reported below, once
    try:
        handler.connect()
    except SlackApiError as e:
        handler.close()
        raise ConfigError(f"Slack refused the Socket Mode connection ({e.response.get('error')}): "
                          "SLACK_APP_TOKEN must be this app's app-level token (xapp-) with "
                          "connections:write, and Socket Mode must be on") from None
    except Exception as e:
        handler.close()
        raise ConfigError(f"can't connect to Slack in Socket Mode ({s.slack_api_url}): "
                          f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    finally:
        quiet.setLevel(level)
    return handler


@app.command()
def run(port: Annotated[int | None, typer.Option(help="Port (default $PORT or 3000)")] = None) -> None:
    """Serve and clock in one process (Socket Mode when SLACK_APP_TOKEN is set)."""
    from bot.app import create_app
    from bot.processes import web
    from bot.services import people
    from storage.db import WEB, WORKER, Database

    s = common.settings()
    socket = bool(s.slack_app_token)
    s.require("slack_bot_token", *(() if socket else ("slack_signing_secret",)))
    server = _bind(None, common.port(port, s))
    c = common.candor(s, limits=WEB, start=True)
    bolt = create_app(c, socket_mode=socket)
    people.keep_scrubbers_warm(c)
    # In Socket Mode the port serves /healthz only: Slack's requests come
    # over the socket, unsigned, so they must never be accepted over HTTP.
    server.application = web.make_wsgi(None if socket else bolt, c.db)
    handler = _socket_mode(bolt, s) if socket else None
    # The clock may wait on the database longer than Slack's 3 s allow the web side.
    on_time = dataclasses.replace(c, db=Database(s.database_url, WORKER))
    k = _start_clock(on_time)
    if socket:
        typer.echo(f"candor running: connected to Slack in Socket Mode; /healthz on "
                   f":{server.effective_port}")
    else:
        typer.echo(f"candor serving on :{server.effective_port}, with its clock")
    try:
        web.run(server)
    finally:
        if handler is not None:
            handler.close()
        k.stop()
        on_time.db.dispose()
        c.db.dispose()


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
    """Write the aggregated results, one row per round, team and measure, with the
    digest's suppression and rounding (see docs/leaders.md). Never raw rows;
    needs no CANDOR_SECRET_KEY."""
    from bot.services.digests import export_csv
    from bot.services.errors import ServiceError
    from storage import workspaces

    if format != "csv":
        raise ConfigError(f"--format {format} isn't supported; use --format csv")
    s = common.settings()
    c = ops.keyless_candor(s)  # aggregates only: no secret key needed
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
    except Exception as e:  # a fault: one line; the traceback only when asked for
        from sqlalchemy.exc import SQLAlchemyError

        if logging.getLogger().isEnabledFor(logging.DEBUG):
            traceback.print_exc()
        what = (f"the database failed: {common.reason(e)}" if isinstance(e, SQLAlchemyError)
                else f"{type(e).__name__}: {common.reason(e)}")
        print(f"candor: {what} (LOG_LEVEL=DEBUG shows the details)", file=sys.stderr)
        sys.exit(1)
