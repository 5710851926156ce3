"""The Slack side that calls the *bot*: signed slash commands, clicks, submissions, events.

`SlackSender` builds the same payloads Slack sends to an app's Request URL and signs
them exactly like Slack (v0 HMAC-SHA256 over "v0:{timestamp}:{body}"). It works with
an in-process `FakeSlack` or a `RemoteFake` (the fake in another process): trigger_ids
and response_urls are issued by the fake, so views.open / respond() from the bot land
in the fake where tests can see them.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode


@dataclass
class Reply:
    """What the bot answered: HTTP status, raw body, parsed JSON (if any), headers."""

    status: int
    body: str
    json: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def sign(signing_secret: str, timestamp: int | str, body: str) -> str:
    """Slack's request signature: "v0=" + hex HMAC-SHA256(secret, "v0:{ts}:{body}")."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


# Where each element type keeps its value in view.state.values (single-valued kinds).
_STATE_KEYS = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "rich_text_input": "rich_text_value",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
_MULTI_STATE_KEYS = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
_SINGLE_OPTION = {"radio_buttons", "static_select", "external_select", "overflow"}
_MULTI_OPTION = {"checkboxes", "multi_static_select", "multi_external_select"}
# The initial_* field Slack pre-fills state with when the user leaves an input alone.
_INITIAL_KEYS = {
    "value": "initial_value",
    "rich_text_value": "initial_value",
    "selected_user": "initial_user",
    "selected_conversation": "initial_conversation",
    "selected_channel": "initial_channel",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
    "selected_users": "initial_users",
    "selected_conversations": "initial_conversations",
    "selected_channels": "initial_channels",
}


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _option(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    """The option object whose value is `answer` (options may be given as dicts)."""
    if isinstance(answer, dict):
        return answer
    options = _options(element)
    for option in options:
        if str(option.get("value")) == str(answer):
            return copy.deepcopy(option)
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(answer)}, "value": str(answer)}
    valid = [o.get("value") for o in options]
    raise ValueError(f"{answer!r} is not an option of {element.get('action_id')!r}; valid: {valid}")


def element_state(
    element: dict[str, Any], answer: Any = None, answered: bool = True
) -> dict[str, Any]:
    """One element's entry in view.state.values, as Slack reports it."""
    kind = element.get("type", "")
    state: dict[str, Any] = {"type": kind}
    if kind in _SINGLE_OPTION:
        if not answered:
            answer = element.get("initial_option")
        state["selected_option"] = None if answer is None else _option(element, answer)
    elif kind in _MULTI_OPTION:
        if not answered:
            answer = element.get("initial_options") or []
        if answer is not None and not isinstance(answer, list | tuple | set):
            answer = [answer]
        state["selected_options"] = [_option(element, a) for a in answer or []]
    elif kind in _MULTI_STATE_KEYS:
        key = _MULTI_STATE_KEYS[kind]
        state[key] = list(answer or []) if answered else list(element.get(_INITIAL_KEYS[key]) or [])
    else:
        key = _STATE_KEYS.get(kind, "value")
        state[key] = answer if answered else element.get(_INITIAL_KEYS.get(key, "initial_value"))
        if kind == "plain_text_input" and state[key] is not None:
            state[key] = str(state[key])
    return state


def _block_elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "input":
        return [block["element"]] if isinstance(block.get("element"), dict) else []
    elements = [e for e in block.get("elements") or [] if isinstance(e, dict)]
    if block.get("type") == "actions":
        return elements
    return [block["accessory"]] if isinstance(block.get("accessory"), dict) else []


def state_from(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Build `view.state.values` for a submission from {block_id: answer}.

    Inspects the view's blocks so the shape matches each element type: radio_buttons /
    static_select -> selected_option (answer = option value or option dict),
    checkboxes / multi_static_select -> selected_options (answer = list of values),
    plain_text_input -> value, channels_select -> selected_channel, etc. Like Slack,
    every input block appears (unanswered ones with their initial value or null);
    non-input elements appear only when answered. Unknown block ids / option values
    raise, so a test cannot silently submit something Slack never would.
    """
    values: dict[str, dict[str, Any]] = {}
    unknown = set(answers)
    for block in view.get("blocks") or []:
        block_id = block.get("block_id")
        answered = block_id in answers
        if not answered and block.get("type") != "input":
            continue
        unknown.discard(block_id)
        for element in _block_elements(block):
            if "action_id" not in element:
                continue
            values.setdefault(block_id, {})[element["action_id"]] = element_state(
                element, answers.get(block_id), answered
            )
    if unknown:
        raise KeyError(f"no block(s) {sorted(unknown)} in view {view.get('callback_id')!r}")
    return values


def find_element(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None = None
) -> tuple[dict[str, Any] | None, str | None]:
    """Find the interactive element with `action_id` (in `block_id` if given)."""
    for block in blocks or []:
        if block_id is not None and block.get("block_id") != block_id:
            continue
        for element in _block_elements(block):
            if element.get("action_id") == action_id:
                return element, block.get("block_id")
    return None, None


class SlackSender:
    """Sends Slack-signed requests to the bot at `bot_url` (e.g. .../slack/events).

    Every public method accepts keyword overrides for negative tests:
    `timestamp=` (int seconds), `signing_secret=`, `signature=` (sent verbatim),
    `headers=` (extra headers).
    """

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        fake: Any,
        *,
        timeout: float = 10.0,
        verification_token: str = "fake-verification-token",
    ):
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.fake = fake
        self.timeout = timeout
        self.verification_token = verification_token
        self._event_ids = itertools.count(1)

    # ------------------------------------------------------------------ transport

    def post(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        *,
        timestamp: int | None = None,
        signing_secret: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """POST a raw body, signed like Slack. Returns the bot's Reply (never raises on 4xx/5xx)."""
        ts = int(time.time()) if timestamp is None else int(timestamp)
        secret = self.signing_secret if signing_secret is None else signing_secret
        request_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature if signature is not None else sign(secret, ts, body),
            **(headers or {}),
        }
        request = urllib.request.Request(
            self.bot_url, data=body.encode("utf-8"), headers=request_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return self._reply(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as err:
            return self._reply(err.code, err.read(), err.headers)

    @staticmethod
    def _reply(status: int, raw: bytes, headers: Any) -> Reply:
        text = raw.decode("utf-8", "replace")
        parsed = None
        if text.lstrip().startswith("{"):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        return Reply(status, text, parsed, dict(headers.items()) if headers else {})

    def _post_form(self, fields: dict[str, Any], **overrides: Any) -> Reply:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **overrides)

    def _post_payload(self, payload: dict[str, Any], **overrides: Any) -> Reply:
        # Interactivity payloads arrive form-encoded as payload=<json>.
        return self._post_form({"payload": json.dumps(payload)}, **overrides)

    def _post_json(self, envelope: dict[str, Any], **overrides: Any) -> Reply:
        return self.post(json.dumps(envelope), "application/json", **overrides)

    # ------------------------------------------------------------------ payload parts

    def _user(self, user_id: str, team_id: str | None = None) -> dict[str, Any]:
        name = self.fake.user_name(user_id)
        return {
            "id": user_id,
            "username": name,
            "name": name,
            "team_id": team_id or self.fake.team_id,
        }

    def _team(self, team_id: str | None = None) -> dict[str, Any]:
        return {"id": team_id or self.fake.team_id, "domain": self.fake.team_domain}

    def _resolve_view(self, view: dict[str, Any] | str) -> dict[str, Any]:
        if isinstance(view, str):
            found = self.fake.view(view)
            if found is None:
                raise KeyError(f"no view {view!r} in the fake")
            return found
        return copy.deepcopy(view)

    @staticmethod
    def _action_ts() -> str:
        return f"{time.time():.6f}"

    # ------------------------------------------------------------------ what Slack sends

    def slash(
        self,
        user_id: str,
        text: str = "",
        command: str = "/candor",
        channel_id: str = "C_GENERAL",
        team_id: str | None = None,
        **overrides: Any,
    ) -> Reply:
        """A slash command, form-encoded, with a fresh trigger_id and response_url."""
        fields = {
            "token": self.verification_token,
            "team_id": team_id or self.fake.team_id,
            "team_domain": self.fake.team_domain,
            "channel_id": channel_id,
            "channel_name": self.fake.channel_name(channel_id),
            "user_id": user_id,
            "user_name": self.fake.user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": self.fake.app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.new_response_url(user_id, channel_id),
            "trigger_id": self.fake.issue_trigger(user_id),
        }
        return self._post_form(fields, **overrides)

    def click(
        self,
        user_id: str,
        action_id: str,
        value: Any = None,
        block_id: str | None = None,
        message: dict[str, Any] | None = None,
        container: dict[str, Any] | None = None,
        view: dict[str, Any] | str | None = None,
        channel_id: str | None = None,
        action: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> Reply:
        """A block_actions payload: the user clicks/selects `action_id`.

        Pass `message` (e.g. fake.dm_messages(uid)[-1]) for an element in a message,
        or `view` (dict or view id) for one in a modal/App Home. The element is looked
        up in those blocks to fill its type, block_id, text and value like Slack does:
        for a button `value` defaults to the button's value; for static_select /
        radio_buttons / overflow `value` picks the option with that value; for
        checkboxes / multi_static_select `value` is a list of option values.
        `action` is merged last, to craft anything else.
        """
        blocks: list[dict[str, Any]] = []
        resolved_view = self._resolve_view(view) if view is not None else None
        if resolved_view is not None:
            blocks = resolved_view.get("blocks") or []
        elif message is not None:
            blocks = message.get("blocks") or []
        element, found_block_id = find_element(blocks, action_id, block_id)
        element = element or {"type": "button", "action_id": action_id}

        act: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or found_block_id or "b",
            "type": element.get("type", "button"),
            "action_ts": self._action_ts(),
        }
        kind = act["type"]
        if kind == "button":
            act["text"] = element.get("text") or {"type": "plain_text", "text": action_id}
            chosen = value if value is not None else element.get("value")
            if chosen is not None:
                act["value"] = chosen
            if element.get("style"):
                act["style"] = element["style"]
        elif kind in _SINGLE_OPTION | _MULTI_OPTION and value is not None:
            act.update({k: v for k, v in element_state(element, value).items() if k != "type"})
        elif value is not None:
            act["value"] = value
        if action:
            act.update(action)

        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.fake.app_id,
            "token": self.verification_token,
            "trigger_id": self.fake.issue_trigger(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [act],
        }
        if resolved_view is not None:
            # Actions inside views carry the view and no response_url.
            payload["container"] = container or {
                "type": "view",
                "view_id": resolved_view.get("id"),
            }
            payload["view"] = resolved_view
        elif message is not None:
            msg = {k: v for k, v in message.items() if k != "channel"}
            channel = channel_id or message.get("channel") or self.fake.dm_channel_id(user_id)
            payload["container"] = container or {
                "type": "message",
                "message_ts": msg["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel, "name": self.fake.channel_name(channel)}
            payload["message"] = msg
            payload["state"] = {"values": {}}
            payload["response_url"] = self.fake.new_response_url(user_id, channel, msg["ts"])
        else:
            if container is not None:
                payload["container"] = container
            if channel_id is not None:
                payload["channel"] = {"id": channel_id, "name": self.fake.channel_name(channel_id)}
                payload["response_url"] = self.fake.new_response_url(user_id, channel_id)
        return self._post_payload(payload, **overrides)

    def submit(
        self,
        user_id: str,
        view: dict[str, Any] | str,
        values: dict[str, Any] | None = None,
        *,
        answers: dict[str, Any] | None = None,
        apply: bool = True,
        **overrides: Any,
    ) -> Reply:
        """A view_submission: `view` (dict or view id) with state.values = `values`.

        Either pass `values` in Slack's shape ({block_id: {action_id: {...}}}) or
        `answers` ({block_id: value}) to build it with state_from(). With apply=True the
        bot's ack is applied to the fake like Slack would (close / update / push / errors).
        """
        submitted = self._resolve_view(view)
        if values is None:
            values = state_from(submitted, answers or {})
        submitted["state"] = {"values": values}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.fake.app_id,
            "token": self.verification_token,
            "trigger_id": self.fake.issue_trigger(user_id),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        reply = self._post_payload(payload, **overrides)
        if apply and reply.status == 200 and submitted.get("id"):
            self.fake.apply_view_response(user_id, submitted["id"], reply.json)
        return reply

    def close(self, user_id: str, view: dict[str, Any] | str, **overrides: Any) -> Reply:
        """A view_closed payload (sent by Slack only if the view has notify_on_close)."""
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.fake.app_id,
            "token": self.verification_token,
            "view": self._resolve_view(view),
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._post_payload(payload, **overrides)

    def event(
        self,
        event: dict[str, Any],
        team_id: str | None = None,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        event_id: str | None = None,
        **overrides: Any,
    ) -> Reply:
        """An Events API event_callback envelope around `event`, JSON-encoded.

        retry_num adds X-Slack-Retry-Num/-Reason like Slack's redeliveries (reuse
        event_id to send the same event again).
        """
        team = team_id or self.fake.team_id
        envelope = {
            "token": self.verification_token,
            "team_id": team,
            "api_app_id": self.fake.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._event_ids):08d}{secrets.token_hex(2).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_hex(16),
        }
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
            overrides["headers"] = {**extra, **overrides.get("headers", {})}
        return self._post_json(envelope, **overrides)

    def app_home_opened(self, user_id: str, tab: str = "home", **overrides: Any) -> Reply:
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.fake.dm_channel_id(user_id),
            "tab": tab,
            "event_ts": self._action_ts(),
        }
        home = self.fake.home_view(user_id)
        if home is not None and tab == "home":
            event["view"] = home
        return self.event(event, **overrides)

    def message_im(self, user_id: str, text: str, **overrides: Any) -> Reply:
        """The user writes `text` in their DM with the bot (stored in the fake, then a
        message.im event)."""
        channel = self.fake.dm_channel_id(user_id)
        ts = self.fake.record_user_message(channel, user_id, text)
        event = {
            "type": "message",
            "channel": channel,
            "user": user_id,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im",
            "team": self.fake.team_id,
            "client_msg_id": str(uuid.uuid4()),
        }
        return self.event(event, **overrides)

    def url_verification(self, challenge: str | None = None, **overrides: Any) -> Reply:
        body = {
            "token": self.verification_token,
            "challenge": challenge or secrets.token_urlsafe(24),
            "type": "url_verification",
        }
        return self._post_json(body, **overrides)

    # ------------------------------------------------------------------ conveniences

    def last_opened_view(self, user_id: str | None = None) -> dict[str, Any] | None:
        return self.fake.last_opened_view(user_id)

    state_from = staticmethod(state_from)
