"""A whole candor on loopback: the real app behind a real HTTP server, talking
to the project's fake Slack. Used by `candor demo` and the end-to-end tests,
so both run the production code paths."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from bot.app import create_app
from bot.config import Settings, load_settings
from bot.context import Candor
from bot.processes.clock import Clock
from bot.processes.web import make_wsgi, server_options
from storage.db import Database

if TYPE_CHECKING:
    from bot.testing.fakeslack import SlackSender

SIGNING_SECRET = "fake-signing-secret-0123456789abcdef"


class LocalStack:
    def __init__(self, database_url: str, fake, *, secret_key: str = "s" * 40,
                 admins: str = "", db: Database | None = None, org=None,
                 **settings_overrides):
        # With `org` (a FakeOrg): many workspaces, installed by OAuth through
        # it; `fake` is then one of its workspaces (the default sender's).
        self.fake, self.org = fake, org
        slack = ({"SLACK_CLIENT_ID": org.client_id, "SLACK_CLIENT_SECRET": org.client_secret,
                  "SLACK_BOT_TOKEN": None} if org is not None
                 else {"SLACK_BOT_TOKEN": fake.bot_token})
        self.settings: Settings = load_settings(
            **slack,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=org.api_url if org is not None else fake.api_url,
            DATABASE_URL=database_url, CANDOR_SECRET_KEY=secret_key, CANDOR_ADMINS=admins,
            **settings_overrides,
        )
        self.candor = Candor.build(self.settings, db=db)
        self.app = create_app(self.candor)
        self.wsgi = make_wsgi(self.app, self.candor.db)
        self._server = None
        self._thread = None
        self.clock: Clock | None = None
        self.sender: SlackSender | None = None

    def start(self, with_clock: bool = False) -> LocalStack:
        from waitress.server import create_server

        # `candor serve`'s own settings (threads, connection limit), less
        # waitress's body limit: over it waitress may reset the connection
        # before a client still sending reads its 413; the app's own check
        # (make_wsgi) answers 413 every time.
        options = {k: v for k, v in server_options().items() if k != "max_request_body_size"}
        self._server = create_server(self.wsgi, host="127.0.0.1", port=0, ident="candor-test",
                                     **options)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="candor-web")
        self._thread.start()
        self.sender = self.sender_for(self.fake)
        if self.org is not None:  # the app's Redirect URL, as set in its Slack config
            self.org.redirect_uri = f"{self.url}/slack/oauth_redirect"
        if with_clock:
            self.start_clock()
        return self

    def sender_for(self, fake) -> SlackSender:
        """What `fake`'s workspace sends to the app, signed."""
        from bot.testing.fakeslack import SlackSender as Sender

        return Sender(f"{self.url}/slack/events", SIGNING_SECRET, fake)

    def start_clock(self, tick: float = 0.2) -> Clock:
        self.clock = Clock(self.candor, tick_seconds=tick)
        self.clock.start()
        return self.clock

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}"

    def stop(self) -> None:
        if self.clock:
            self.clock.stop()
        if self._server is not None:
            self._server.close()
        # Let listeners still working after their ack finish before Slack goes.
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        self.candor.db.dispose()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
