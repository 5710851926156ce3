"""The fake's own endpoints, for tests and other processes: GET /_fake/state, and
POST /_fake/rpc {"fn", "args", "kwargs"} (what RemoteFake calls)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeSlack

# Functions a RemoteFake may call over POST /_fake/rpc (JSON-safe arguments/results).
RPC_FUNCTIONS = frozenset(
    {
        "info",
        "add_user",
        "add_channel",
        "set_members",
        "dm_channel_id",
        "user_name",
        "channel_name",
        "issue_trigger",
        "trigger_attempts",
        "new_response_url",
        "view",
        "last_opened_view",
        "home_view",
        "apply_view_response",
        "record_user_message",
        "find_message",
        "dm_messages",
        "channel_messages",
        "calls_to",
        "stats",
        "state",
        "reset_calls",
        "set_rate_limit",
        "set_rate_limit_per_minute",
        "clear_rate_limits",
        "inject",
        "inject_429",
        "inject_delay",
        "inject_reset",
        "clear_faults",
    }
)


def handle_control(
    fake: FakeSlack, path: str, command: str, body: bytes
) -> tuple[int, dict[str, Any]]:
    """Answer a /_fake/... request: (HTTP status, JSON body)."""
    if path == "/_fake/state":
        return 200, fake.state()
    if path == "/_fake/rpc" and command == "POST":
        request = json.loads(body or b"{}")
        name = request.get("fn")
        if name not in RPC_FUNCTIONS:
            return 404, {"ok": False, "error": f"no such rpc: {name}"}
        result = getattr(fake, name)(*request.get("args", []), **request.get("kwargs", {}))
        return 200, {"ok": True, "result": result}
    return 404, {"ok": False, "error": "not_found"}
