"""Serving a bolt app over loopback HTTP, as the fake's tests need."""

from __future__ import annotations

import socketserver
import threading
from contextlib import contextmanager
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.testing.fakeslack import FakeSlack

SECRET = "s3cr3t-signing"


def bolt_app(fake: FakeSlack) -> App:
    """A bolt app whose Web API calls go to `fake`."""
    return App(client=WebClient(base_url=fake.api_url, token=fake.bot_token), signing_secret=SECRET)


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serving(app: App):
    """Serve `app` over loopback HTTP like a deployed bot; yields its Request URL."""
    server = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app),
        server_class=_ThreadingWSGIServer, handler_class=_QuietHandler,
    )  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
