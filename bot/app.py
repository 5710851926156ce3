"""The bolt app factory."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot import formbody, listeners, logs
from bot.context import Candor
from bot.listeners import events
from bot.services import installs, workspace
from bot.services.errors import UNEXPECTED, friendly
from bot.slackapi.installs import ROTATE_MINUTES

log = logging.getLogger("candor.app")


def create_app(c: Candor, *, socket_mode: bool = False) -> App:
    formbody.install()  # Slack's form bodies decoded at C speed (see bot/formbody.py)
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
        # Many workspaces: installed by OAuth (GET /slack/install, /slack/oauth_redirect).
        oauth_settings=oauth_settings(c) if c.many_workspaces else None,
    )

    known: set[str] = set()

    @app.middleware
    def _inject(context, next):  # noqa: A002 - bolt passes it by this name
        context["candor"] = c
        # Only the workspace whose token authorized this request becomes known,
        # never any team_id a signed request names.
        if context.team_id and context.team_id not in known and may_know(context):
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
    if c.many_workspaces:
        events.register_installs(app)
    return app


def may_know(context) -> bool:
    """Whether this request's workspace may be made known to candor: the
    one its authorizing token belongs to (one workspace: the bot token's,
    from auth.test; many: an installed one)."""
    auth = context.authorize_result
    if auth is None or not (auth.bot_token or auth.user_token):
        return False
    if auth.team_id:
        return auth.team_id == context.team_id
    # An org-wide install: any workspace of that org.
    return bool(auth.enterprise_id) and auth.enterprise_id == context.enterprise_id


def authorization_url(api_url: str) -> str:
    """Slack's install page, beside its Web API (https://slack.com/api/ ->
    https://slack.com/oauth/v2/authorize; a fake's likewise)."""
    return api_url.rstrip("/").removesuffix("/api") + "/oauth/v2/authorize"


def oauth_settings(c: Candor) -> OAuthSettings:
    """bolt's OAuth flow on slack_sdk's SQLAlchemy stores in candor's database."""
    s = c.settings
    assert c.installs is not None

    def success(args: SuccessArgs) -> BoltResponse:
        i = args.installation
        installs.installed(c, i.team_id, i.enterprise_id)
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        log.warning("an install did not complete: %s", args.reason)
        return args.default.failure(args)

    settings = OAuthSettings(
        client_id=s.slack_client_id, client_secret=s.slack_client_secret,
        scopes=[p.strip() for p in s.slack_scopes.split(",") if p.strip()], user_scopes=[],
        redirect_uri=s.slack_redirect_uri,
        authorization_url=authorization_url(s.slack_api_url),
        installation_store=c.installs.store, installation_store_bot_only=False,
        state_store=c.installs.states,
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        callback_options=CallbackOptions(success=success, failure=failure),
        logger=logs.bolt_logger(),
    )
    # Rotate through candor's Web API URL, and don't auth.test every request
    # (an uninstalled workspace is still refused: its install is gone).
    settings.authorize.token_rotator = c.installs.rotator
    settings.authorize.cache_enabled = True
    return settings


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
