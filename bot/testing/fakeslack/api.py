"""What every Web API method of the fake shares: the method registry, `SlackError`, and
reading params the way Slack does (form strings or JSON values, opaque cursors)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

# Params whose form-encoded value is a JSON document (slack_sdk JSON-encodes them when
# it sends a form body; JSON bodies carry them as objects).
JSON_PARAMS = ("blocks", "attachments", "view", "metadata", "files")


class SlackError(Exception):
    """Raised by a method handler to answer `{"ok": false, "error": ...}`."""

    def __init__(self, error: str, messages: list[str] | None = None, **extra: Any):
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


API_METHODS: dict[str, Callable[..., dict[str, Any]]] = {}


def api_method(name: str):
    """Register a handler for a Slack Web API method; it runs under the state lock.

    Also the hook for adding a method the fake lacks: @api_method("chat.getPermalink")
    def handler(fake, params) -> dict (body without "ok"); raise SlackError("...") to fail.
    """

    def register(fn):
        API_METHODS[name] = fn
        return fn

    return register


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, int | str) and str(value).lower() in ("1", "true"))


def int_param(params: dict[str, Any], key: str, default: int) -> int:
    value = params.get(key)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise SlackError("invalid_arguments", [f"[ERROR] invalid integer for `{key}`"]) from exc


def json_value(value: Any) -> Any:
    """Decode a JSON string param; pass objects (from JSON bodies) through."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def encode_cursor(offset: int) -> str:
    # Slack cursors are opaque base64 strings such as "dXNlcjpVMEc5V0ZYTlo=".
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        kind, _, offset = base64.b64decode(str(cursor)).decode().partition(":")
        if kind != "offset":
            raise ValueError(cursor)
        return int(offset)
    except ValueError as exc:
        raise SlackError("invalid_cursor") from exc


def paginate(items: list[Any], params: dict[str, Any], default: int, maximum: int):
    limit = int_param(params, "limit", default)
    limit = default if limit <= 0 else min(limit, maximum)
    start = decode_cursor(params.get("cursor"))
    page = items[start : start + limit]
    next_cursor = encode_cursor(start + limit) if start + limit < len(items) else ""
    return page, {"next_cursor": next_cursor}
