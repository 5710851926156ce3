"""What tests (and RemoteFake users) read back: recorded calls and counters, messages,
views, files and response_url posts, all as copies; and wait_for() a state change."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from .state import Workspace


class Introspection(Workspace):
    """FakeSlack's read side; FakeSlack.handle_api records the calls and counters."""

    _calls: list[tuple[str, dict[str, Any]]]
    _call_counts: dict[str, int]
    _error_counts: dict[str, int]
    _ratelimited: dict[str, int]
    _injected: dict[str, int]

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every API call received (including faulted/rate-limited ones), in order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self._calls if name == method]

    def reset_calls(self) -> None:
        """Forget recorded calls and the counters in stats(); workspace state stays."""
        with self._lock:
            self._calls.clear()
            self._call_counts.clear()
            self._error_counts.clear()
            self._ratelimited.clear()
            self._injected.clear()
            self._trigger_attempts.clear()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": dict(self._call_counts),
                "total_calls": sum(self._call_counts.values()),
                "errors": dict(self._error_counts),  # ok:false answers (HTTP 200)
                "ratelimited": sum(self._ratelimited.values()),
                "ratelimited_by_method": dict(self._ratelimited),
                "injected": dict(self._injected),
            }

    def _public_message(self, channel_id: str, message: dict[str, Any]) -> dict[str, Any]:
        return {**copy.deepcopy(message), "channel": channel_id}

    def channel_messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages in a conversation, oldest first (copies, with a "channel" key added)."""
        with self._lock:
            return [self._public_message(channel_id, m) for m in self._messages.get(channel_id, [])]

    def dm_messages(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the bot's DM with `user_id`, oldest first."""
        with self._lock:
            cid = self._dm_of.get(user_id)
            return self.channel_messages(cid) if cid else []

    def find_message(self, ts: str, channel_id: str | None = None) -> dict[str, Any] | None:
        with self._lock:
            channels = [channel_id] if channel_id else list(self._messages)
            for cid in channels:
                for message in self._messages.get(cid, []):
                    if message["ts"] == ts:
                        return self._public_message(cid, message)
            return None

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._ephemerals)

    @property
    def views_opened(self) -> list[dict[str, Any]]:
        """Views opened with views.open/views.push, in order (current contents)."""
        with self._lock:
            return [copy.deepcopy(self._views[vid]) for vid in self._views_opened]

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._lock:
            view = self._views.get(view_id)
            return copy.deepcopy(view) if view else None

    def last_opened_view(self, user_id: str | None = None) -> dict[str, Any] | None:
        """The most recently opened/pushed view (for `user_id` if given), current contents."""
        with self._lock:
            for vid in reversed(self._views_opened):
                if user_id is None or self._view_owner.get(vid) == user_id:
                    return copy.deepcopy(self._views[vid])
            return None

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The user's modal stack (root first); empty once closed."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._view_stacks.get(user_id, [])]

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {uid: copy.deepcopy(self._views[vid]) for uid, vid in self._home_view_id.items()}

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            vid = self._home_view_id.get(user_id)
            return copy.deepcopy(self._views[vid]) if vid else None

    @property
    def files(self) -> list[dict[str, Any]]:
        """Completed uploads: id, name, title, alt_txt, content (bytes), size, channel, ..."""
        with self._lock:
            return copy.deepcopy(self._files)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """JSON bodies POSTed to response_urls (what bolt's respond() sends), in order."""
        with self._lock:
            return copy.deepcopy(self._responses)

    def responses_for(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(r["body"]) for r in self._response_log if r["user_id"] == user_id]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Block until predicate() is truthy (re-checked on every state change); return it.

        Raises TimeoutError. Handy because bolt runs listeners after ack() returns.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout:.1f}s")
                self._changed.wait(min(remaining, 0.05))

    def state(self) -> dict[str, Any]:
        """A JSON-safe summary for other processes (GET /_fake/state)."""
        with self._lock:
            dms = {
                uid: [
                    {"ts": m["ts"], "text": m.get("text", ""), "metadata": m.get("metadata")}
                    for m in self._messages.get(cid, [])
                ]
                for uid, cid in self._dm_of.items()
            }
            channels = {
                cid: [{"ts": m["ts"], "text": m.get("text", "")} for m in msgs]
                for cid, msgs in self._messages.items()
                if not self._convs.get(cid, {}).get("is_im")
            }
            files = [
                {k: v for k, v in f.items() if k != "content"} for f in copy.deepcopy(self._files)
            ]
            return {
                **self.stats(),
                "dm_messages": dms,
                "dm_counts": {uid: len(msgs) for uid, msgs in dms.items()},
                "channel_messages": channels,
                "files": files,
                "responses": copy.deepcopy(self._responses),
                "ephemerals": copy.deepcopy(self._ephemerals),
                "views_opened": len(self._views_opened),
                "home_views": sorted(self._home_view_id),
            }
