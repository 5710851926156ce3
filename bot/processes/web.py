"""The WSGI app served by `candor serve`: /slack/events, /healthz, limits."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from storage.db import Database

log = logging.getLogger("candor.web")

# Slack's largest payloads (a full modal's state) are far below this.
MAX_BODY = 512 * 1024


def make_wsgi(app: App, db: Database):
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok = db.ping()
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "application/json")])
            return [b'{"ok":true,"database":"reachable"}' if ok
                    else b'{"ok":false,"database":"unreachable"}']
        if path == "/slack/events" and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                # Rejected before the body is read or parsed.
                start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
                return [b"request body too large"]
        try:
            return slack(environ, start_response)
        except Exception:  # bolt itself choked on a malformed payload
            log.warning("rejected a malformed Slack request")
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"malformed request"]

    return wsgi


def serve(wsgi, port: int, threads: int = 8) -> None:
    from waitress import serve as waitress_serve

    waitress_serve(wsgi, host="0.0.0.0", port=port, threads=threads,
                   max_request_body_size=MAX_BODY, ident="candor")
