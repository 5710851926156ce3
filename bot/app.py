"""The bolt app factory."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse

from bot import listeners
from bot.context import Candor

log = logging.getLogger("candor.app")


def create_app(c: Candor, *, socket_mode: bool = False) -> App:
    app = App(
        client=c.client,
        signing_secret=c.settings.slack_signing_secret or ("socket-mode" if socket_mode else None),
        # No auth.test at start-up: the web process must come up (and answer
        # /healthz) even while Slack is unreachable.
        token_verification_enabled=False,
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("candor.bolt"),
    )

    @app.middleware
    def _inject(context, next):  # noqa: A002 - bolt passes it by this name
        context["candor"] = c
        return next()

    @app.error
    def _errors(error, body, logger):
        # Never log the body: it may hold a user id beside answers.
        log.error("unhandled error in a listener: %s", type(error).__name__)
        return BoltResponse(status=200, body="")

    listeners.register(app)
    from bot.digest import register_hooks

    register_hooks(c)
    return app
