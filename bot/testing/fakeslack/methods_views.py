"""views.open/push/update/publish, and the modal stacks and App Home views they act on:
trigger_ids (valid for `trigger_ttl` seconds, once), pushes (at most 3 deep), hashes,
and what Slack does once a view_submission is acked.

Trigger errors are Slack's: `invalid_trigger_id` (never issued), `exchanged_trigger_id`
(already used), `expired_trigger_id` (older than `trigger_ttl`). Every views.open/push
attempt is recorded, failures included (`trigger_attempts()`)."""

from __future__ import annotations

import copy
import secrets
import time
from typing import TYPE_CHECKING, Any

from .api import SlackError, api_method, json_value
from .blockkit import slack_file_errors, validate_view
from .methods_files import usable_file
from .state import Workspace

if TYPE_CHECKING:
    from .server import FakeSlack

# The methods that spend a trigger_id.
TRIGGER_METHODS = ("views.open", "views.push")


class Views(Workspace):
    """FakeSlack's modal stacks and App Home views, kept in the Workspace state."""

    def issue_trigger(self, user_id: str | None = None) -> str:
        """A fresh trigger_id, valid for `trigger_ttl` seconds and one views.open/push."""
        with self._lock:
            trigger = f"{next(self._ids)}.{self.team_id.lstrip('T')}.{secrets.token_hex(16)}"
            self._triggers[trigger] = {
                "user_id": user_id,
                "issued": time.monotonic(),
                "used": False,
            }
            return trigger

    def trigger_attempts(
        self, trigger_id: str | None = None, method: str | None = None
    ) -> list[dict[str, Any]]:
        """Every views.open/push call (for `trigger_id` / `method` if given), in order.

        Each: method, trigger_id, user_id (None if the fake never issued it), age (seconds
        since issue, None likewise), ok (the view opened), error (Slack's error or None)
        and status (the HTTP status answered; None when a fault reset the connection).
        Calls that a rate limit or an injected fault stopped are here too.
        """
        with self._lock:
            return [
                dict(a)
                for a in self._trigger_attempts
                if (trigger_id is None or a["trigger_id"] == trigger_id)
                and (method is None or a["method"] == method)
            ]

    def _record_trigger_attempt(
        self,
        method: str,
        params: dict[str, Any],
        handled: dict[str, Any] | None,
        answer: tuple[int, dict[str, str], dict[str, Any]] | None,
    ) -> None:
        trigger_id = str(params.get("trigger_id") or params.get("interactivity_pointer") or "")
        body = handled or (answer[2] if answer else {"ok": False, "error": "connection_reset"})
        with self._changed:
            issued = self._triggers.get(trigger_id)
            self._trigger_attempts.append(
                {
                    "method": method,
                    "trigger_id": trigger_id,
                    "user_id": issued["user_id"] if issued else None,
                    "age": time.monotonic() - issued["issued"] if issued else None,
                    "ok": bool(body.get("ok")),
                    "error": body.get("error"),
                    "status": answer[0] if answer else None,
                }
            )
            self._changed.notify_all()

    def apply_view_response(
        self, user_id: str, view_id: str, response: dict[str, Any] | None
    ) -> None:
        """Do what Slack does after a view_submission is acked with `response`.

        Empty ack closes the submitted view; response_action update/push/clear/errors
        replace, push, close all, or keep it.
        """
        response = response or {}
        action = response.get("response_action")
        with self._changed:
            stack = self._view_stacks.get(user_id, [])
            if action == "errors":
                pass
            elif action == "update" and view_id in self._views:
                self._replace_view(self._views[view_id], response.get("view") or {})
            elif action == "push":
                self._open_view(user_id, response.get("view") or {}, push=True)
            elif action == "clear":
                stack.clear()
            elif view_id in stack:
                stack.remove(view_id)
            self._changed.notify_all()

    def _replace_view(self, view: dict[str, Any], new: dict[str, Any]) -> None:
        keep = {
            k: view[k]
            for k in (
                "id",
                "team_id",
                "root_view_id",
                "previous_view_id",
                "app_id",
                "bot_id",
                "app_installed_team_id",
            )
        }
        view.clear()
        view.update(self._view_defaults(keep["id"]))
        view.update({k: v for k, v in new.items() if k not in keep})
        view.update(keep)
        view["hash"] = self._new_hash()
        view["state"] = {"values": {}}

    def _view_defaults(self, view_id: str) -> dict[str, Any]:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": self._new_hash(),
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _open_view(
        self, user_id: str | None, spec: dict[str, Any], *, push: bool
    ) -> dict[str, Any]:
        external_id = spec.get("external_id")
        if external_id and any(v.get("external_id") == external_id for v in self._views.values()):
            raise SlackError("duplicate_external_id")
        vid = self._new_id("V")
        view = {**self._view_defaults(vid), **copy.deepcopy(spec)}
        view.update({"id": vid, "hash": self._new_hash(), "state": {"values": {}}})
        stack = self._view_stacks.setdefault(user_id or "", [])
        if push:
            if len(stack) >= 3:
                raise SlackError("push_limit_reached")
            if stack:
                view["previous_view_id"] = stack[-1]
                view["root_view_id"] = stack[0]
        else:
            stack.clear()
        stack.append(vid)
        self._views[vid] = view
        self._view_owner[vid] = user_id
        self._views_opened.append(vid)
        return view

    def _use_trigger(self, trigger_id: Any) -> dict[str, Any]:
        trigger = self._triggers.get(str(trigger_id or ""))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger["used"]:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger["issued"] > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger["used"] = True
        return trigger

    def _view_param(self, params: dict[str, Any]) -> dict[str, Any]:
        view = json_value(params.get("view"))
        errors = validate_view(view)
        if not errors:
            errors = slack_file_errors(view.get("blocks"), "/view/blocks",
                                       lambda ref: usable_file(self, ref))
        if errors:
            raise SlackError("invalid_arguments", errors)
        return view


# Each method runs under the state lock and returns the body minus "ok".


@api_method("views.open")
def _views_open(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    view = fake._view_param(p)
    if view.get("type") != "modal":
        raise SlackError("invalid_arguments", ["[ERROR] must be modal [json-pointer:/view/type]"])
    trigger = fake._use_trigger(p.get("trigger_id") or p.get("interactivity_pointer"))
    return {"view": copy.deepcopy(fake._open_view(trigger["user_id"], view, push=False))}


@api_method("views.push")
def _views_push(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    view = fake._view_param(p)
    trigger = fake._use_trigger(p.get("trigger_id") or p.get("interactivity_pointer"))
    return {"view": copy.deepcopy(fake._open_view(trigger["user_id"], view, push=True))}


@api_method("views.update")
def _views_update(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    new = fake._view_param(p)
    if p.get("view_id"):
        view = fake._views.get(str(p["view_id"]))
    elif p.get("external_id"):
        view = next(
            (v for v in fake._views.values() if v.get("external_id") == p["external_id"]), None
        )
    else:
        raise SlackError("invalid_arguments", ["[ERROR] view_id or external_id is required"])
    if view is None:
        raise SlackError("not_found")
    if p.get("hash") and p["hash"] != view["hash"]:
        raise SlackError("hash_conflict")
    fake._replace_view(view, new)
    return {"view": copy.deepcopy(view)}


@api_method("views.publish")
def _views_publish(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    view = fake._view_param(p)
    user = fake._user_or_error(p.get("user_id"))
    if view.get("type") != "home":
        raise SlackError("invalid_arguments", ["[ERROR] must be home [json-pointer:/view/type]"])
    vid = fake._home_view_id.get(user["id"])
    if vid is None:
        vid = fake._home_view_id[user["id"]] = fake._new_id("V")
        fake._views[vid] = fake._view_defaults(vid)
        fake._view_owner[vid] = user["id"]
    elif p.get("hash") and p["hash"] != fake._views[vid]["hash"]:
        raise SlackError("hash_conflict")
    fake._replace_view(fake._views[vid], view)
    return {"view": copy.deepcopy(fake._views[vid])}
