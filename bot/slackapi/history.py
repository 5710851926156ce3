"""Looking for one of our own messages in a conversation's history.

conversations.history is Tier 1 for apps distributed outside the Marketplace
(1 call a minute, at most 15 messages a page). The searches that need it (did
a post whose answer got lost land?) are rare and can wait: a call that would
exceed the tier is not made, and the caller retries on a later clock tick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

METHOD = "conversations.history"
PAGE = 15  # Slack's cap for Tier 1 apps
MAX_PAGES = 4


class NotNow(Exception):
    """The history can't be read right now (the tier's budget is spent)."""


def find_message(client: WebClient, channel: str, oldest: float,
                 match: Callable[[dict], bool]) -> dict | None:
    """The newest message since `oldest` (epoch seconds) that `match`es, or
    None when there is none. Raises NotNow rather than wait for the tier."""
    cursor = None
    for _ in range(MAX_PAGES):
        resp = _page(client, channel, oldest, cursor)
        hit = next((m for m in resp.get("messages", []) if match(m)), None)
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if hit is not None or not (resp.get("has_more") and cursor):
            return hit
    raise NotNow  # more than MAX_PAGES pages since then: look again later


def _page(client: WebClient, channel: str, oldest: float, cursor: str | None) -> dict[str, Any]:
    pacer = getattr(client, "pacer", None)
    if pacer is not None and not pacer.ready(METHOD):
        raise NotNow
    try:
        return client.conversations_history(
            channel=channel, oldest=f"{oldest:.6f}", limit=PAGE, cursor=cursor,
            include_all_metadata=True).data
    except SlackApiError as e:
        if e.response.status_code == 429:
            if pacer is not None:
                pacer.drain(METHOD, _retry_after(e.response.headers))
            raise NotNow from e
        raise


def _retry_after(headers: dict | None) -> float:
    for k, v in (headers or {}).items():
        if k.lower() == "retry-after":
            try:
                return float(v[0] if isinstance(v, list) else v)
            except (TypeError, ValueError):
                break
    return 60.0


def metadata_is(m: dict, event_type: str, key: str, value: Any) -> bool:
    md = m.get("metadata") or {}
    return md.get("event_type") == event_type and (md.get("event_payload") or {}).get(key) == value
