"""The bolt app factory."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse

from bot import listeners, logs
from bot.context import Candor
from bot.services import workspace
from bot.services.errors import UNEXPECTED, friendly

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
        # Redacts bodies at the source: bolt copies its filters to its own loggers.
        logger=logs.bolt_logger(),
        # Listeners ack first and keep working after (Slack calls, DB writes);
        # enough threads that slow follow-ups never delay the next ack.
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener"),
    )

    known: set[str] = set()

    @app.middleware
    def _inject(context, next):  # noqa: A002 - bolt passes it by this name
        context["candor"] = c
        if context.team_id and context.team_id not in known:
            workspace.ensure(c, context.team_id, context.enterprise_id)
            known.add(context.team_id)
        return next()

    @app.error
    def _errors(error, body, logger):
        # Never log the body: it may hold a user id beside answers.
        log.error("unhandled error in a listener: %s", type(error).__name__,
                  exc_info=(type(error), error, None))
        return error_response(body, error)

    listeners.register(app)
    return app


def error_response(body: dict, error: BaseException | None = None) -> BoltResponse:
    """What Slack should show when a listener fails before acking: never a
    500, and never an empty reply that would close a modal and lose answers."""
    message = friendly(error) if error is not None else UNEXPECTED
    body = body if isinstance(body, dict) else {}
    if body.get("type") == "view_submission":
        blocks = ((body.get("view") or {}).get("blocks")) or []
        inputs = [b.get("block_id") for b in blocks
                  if isinstance(b, dict) and b.get("type") == "input" and b.get("block_id")]
        if inputs:
            return BoltResponse(status=200, headers={"content-type": "application/json"},
                                body=json.dumps({"response_action": "errors",
                                                 "errors": {inputs[-1]: message}}))
    if body.get("command"):
        return BoltResponse(status=200, headers={"content-type": "application/json"},
                            body=json.dumps({"response_type": "ephemeral", "text": message}))
    return BoltResponse(status=200, body="")
