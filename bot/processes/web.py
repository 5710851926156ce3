"""The WSGI app served by `candor serve`: /slack/events, /healthz, limits."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from storage import migrate
from storage.db import Database

log = logging.getLogger("candor.web")

# Slack's largest payloads (a full modal's state) are far below this.
MAX_BODY = 512 * 1024


class Health:
    """GET /healthz: is the database reachable and at this candor's schema?

    At most one check runs at a time, on its own thread, within `budget`
    seconds. A probe that arrives while one runs shares it; once a check is
    over budget, probes answer at once that the database is not answering,
    so a hung database can't tie up the web server's threads."""

    def __init__(self, db: Database, budget: float = 1.0):
        self.db, self.budget = db, budget
        self._lock = threading.Lock()
        self._running: threading.Event | None = None  # set when the running check ends
        self._started = 0.0
        self._last: tuple[bool, dict] = (True, {})

    def __call__(self) -> tuple[bool, dict]:
        with self._lock:
            if self._running is None:
                self._running, self._started = threading.Event(), time.monotonic()
                threading.Thread(target=self._run, args=(self._running,), daemon=True,
                                 name="healthz").start()
            done, started = self._running, self._started
        left = started + self.budget - time.monotonic()
        if left > 0 and done.wait(left):
            return self._last
        return False, {"database": "not answering",
                       "reason": f"the database did not answer within {self.budget:g} s"}

    def _run(self, done: threading.Event) -> None:
        result = self._check()
        with self._lock:
            if result[0] != self._last[0]:
                log.warning("health: %s", result[1].get("reason", "database reachable again"))
            self._last, self._running = result, None
        done.set()

    def _check(self) -> tuple[bool, dict]:
        try:
            schema = migrate.check(self.db)
        except Exception as e:  # any fault here means "not healthy", never a 500
            # The detail goes to the log only: /healthz is public.
            log.debug("health check failed: %s", type(e).__name__)
            return False, {"database": "unreachable", "reason": "the database can't be reached"}
        problem = schema.problem()
        if problem:
            return False, {"database": schema.state,
                           "reason": problem + ("" if schema.unknown else "; run `candor db upgrade`")}
        return True, {"database": "reachable", "schema": ",".join(schema.current)}


def _reply(start_response, status: str, body: bytes, kind: str = "text/plain"):
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def make_wsgi(app: App | None, db: Database, *, health_budget: float = 1.0):
    """The app, or without one (Socket Mode) only /healthz."""
    slack = SlackRequestHandler(app, path="/slack/events") if app is not None else None
    health = Health(db, health_budget)

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok, detail = health()
            return _reply(start_response, "200 OK" if ok else "503 Service Unavailable",
                          json.dumps({"ok": ok, **detail}).encode(), "application/json")
        if slack is None:
            return _reply(start_response, "404 Not Found", b"not found")
        if path == "/slack/events" and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                # Rejected before the body is read or parsed.
                return _reply(start_response, "413 Payload Too Large", b"request body too large")
            # bolt's verifier does int() on it and, failing, reaches the error
            # handler, which answers 200: refuse it here as unsigned.
            ts = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
            if ts is not None and not (ts.isascii() and ts.isdigit()):
                return _reply(start_response, "401 Unauthorized", b"invalid request timestamp")
        try:
            return slack(environ, start_response)
        except Exception:  # bolt itself choked on a malformed payload
            log.warning("rejected a malformed Slack request")
            return _reply(start_response, "400 Bad Request", b"malformed request")

    return wsgi


def starting(environ, start_response):
    """What answers until the app is ready (see `listen`)."""
    return _reply(start_response, "503 Service Unavailable",
                  b'{"ok": false, "reason": "starting"}', "application/json")


# Waitress stops accepting past `connection_limit` open connections (its
# default is 100). Slack keeps connections alive, so in a click storm the
# 101st clinician's request sat in the kernel's queue until another
# connection closed: seconds, measured at 200 concurrent (benchmarks/submits.py).
# Idle keep-alive connections cost a file descriptor each, not a thread; poll()
# instead of select() so more than 1,024 descriptors work.
CONNECTION_LIMIT = 1000
THREADS = 8  # chosen by measurement: see benchmarks/submits.py --threads


def server_options(threads: int | None = None) -> dict:
    """The waitress settings `candor serve` uses (and the benchmarks' bare bolt)."""
    # Waitress warns "Task queue depth is N" on every request that finds its
    # threads busy: in a click storm, a log line per submit (measured: 3% of
    # the process's CPU). /healthz and the ack times say more.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return {"threads": threads or THREADS, "connection_limit": CONNECTION_LIMIT, "backlog": 2048,
            "asyncore_use_poll": True, "max_request_body_size": MAX_BODY}


def listen(wsgi, port: int, *, host: str = "0.0.0.0", threads: int | None = None):
    """Bind now, so a taken port fails before anything else and the caller
    can say where it listens; serve with `run`. Without `wsgi` yet, set
    `.application` before `run`."""
    from waitress.server import create_server

    return create_server(wsgi or starting, host=host, port=port, ident="candor",
                         **server_options(threads or THREADS))


def run(server) -> None:
    """Serve until SIGTERM or Ctrl-C, then return so the caller can clean up."""
    def _stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def serve(wsgi, port: int, threads: int | None = None) -> None:
    run(listen(wsgi, port, threads=threads))
