"""The Slack side that calls the *bot*: signed slash commands, clicks, submissions, events.

`Interactions` builds the same payloads Slack sends to an app; `SlackSender` POSTs them
to the app's Request URL signed exactly like Slack (v0 HMAC-SHA256 over
"v0:{timestamp}:{body}") and times each answer against Slack's 3 s deadline
(`AckTooSlow`, `sender.acks`); `fake.socket` (socketmode.py) delivers the same payloads
over Socket Mode. It works with an in-process `FakeSlack` or a `RemoteFake` (the fake in
another process): trigger_ids and response_urls are issued by the fake, so views.open /
respond() from the bot land in the fake where tests can see them.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import time
import uuid
from typing import Any

from .signing import ACK_DEADLINE, Reply, SignedClient
from .viewstate import MULTI_OPTION, SINGLE_OPTION, element_state, find_element, state_from


class Interactions:
    """What Slack sends to an app, built like Slack; a transport supplies post_form
    (slash commands), post_payload (interactivity) and post_json (Events API).

    slash/click/submit carry a fresh trigger_id from the fake (`reply.trigger_id`);
    pass `trigger_id=` to send a particular one (e.g. a spent or stale one).
    """

    def __init__(self, fake: Any, verification_token: str = "fake-verification-token"):
        self.fake = fake
        self.verification_token = verification_token
        self._event_ids = itertools.count(1)

    def post_form(self, fields: dict[str, Any], **overrides: Any) -> Reply:
        raise NotImplementedError

    def post_payload(self, payload: dict[str, Any], **overrides: Any) -> Reply:
        raise NotImplementedError

    def post_json(self, envelope: dict[str, Any], **overrides: Any) -> Reply:
        raise NotImplementedError

    def _trigger(self, user_id: str, overrides: dict[str, Any]) -> str:
        return overrides.pop("trigger_id", None) or self.fake.issue_trigger(user_id)

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

    def _org(self) -> dict[str, Any]:
        """Interactivity's org fields. Installed org-wide on Grid, Slack sends
        `team: null` (the workspace is only in user.team_id)."""
        ent = getattr(self.fake, "enterprise_id", None)
        if not ent:
            return {}
        org_wide = bool(getattr(self.fake, "org_wide", False))
        team = None if org_wide else {**self._team(), "enterprise_id": ent}
        return {"team": team, "is_enterprise_install": org_wide,
                "enterprise": {"id": ent, "name": self.fake.enterprise_name}}

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
            "is_enterprise_install": "true" if getattr(self.fake, "org_wide", False)
            else "false",
            **({"enterprise_id": self.fake.enterprise_id,
                "enterprise_name": self.fake.enterprise_name}
               if getattr(self.fake, "enterprise_id", None) else {}),
            "response_url": self.fake.new_response_url(user_id, channel_id),
            "trigger_id": self._trigger(user_id, overrides),
        }
        return self.post_form(fields, **overrides)

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
        elif kind in SINGLE_OPTION | MULTI_OPTION and value is not None:
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
            "trigger_id": self._trigger(user_id, overrides),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [act],
            **self._org(),
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
        return self.post_payload(payload, **overrides)

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
            "trigger_id": self._trigger(user_id, overrides),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
            **self._org(),
        }
        reply = self.post_payload(payload, **overrides)
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
            **self._org(),
        }
        return self.post_payload(payload, **overrides)

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
                    # Installed org-wide: the authorization is the org's, no team.
                    "enterprise_id": getattr(self.fake, "enterprise_id", None),
                    "team_id": None if getattr(self.fake, "org_wide", False) else team,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": bool(getattr(self.fake, "org_wide", False)),
                }
            ],
            **({"enterprise_id": self.fake.enterprise_id}
               if getattr(self.fake, "enterprise_id", None) else {}),
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_hex(16),
        }
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
            overrides["headers"] = {**extra, **overrides.get("headers", {})}
        return self.post_json(envelope, **overrides)

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
        return self.post_json(body, **overrides)

    # ------------------------------------------------------------------ conveniences

    def last_opened_view(self, user_id: str | None = None) -> dict[str, Any] | None:
        return self.fake.last_opened_view(user_id)

    state_from = staticmethod(state_from)


class SlackSender(SignedClient, Interactions):
    """Sends what Slack sends to the bot at `bot_url` (e.g. .../slack/events), signed.

    Every public method also takes post()'s keyword overrides for negative tests:
    `timestamp=`, `signing_secret=`, `signature=`, `headers=`. Each answer is timed
    (`reply.latency`, `sender.acks`); past `ack_deadline` seconds (Slack's 3 s) the call
    raises AckTooSlow, as the user would have seen an error. ack_deadline=None only records.
    """

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        fake: Any,
        *,
        timeout: float = 10.0,
        verification_token: str = "fake-verification-token",
        ack_deadline: float | None = ACK_DEADLINE,
    ):
        SignedClient.__init__(
            self, bot_url, signing_secret, timeout=timeout, ack_deadline=ack_deadline
        )
        Interactions.__init__(self, fake, verification_token)
