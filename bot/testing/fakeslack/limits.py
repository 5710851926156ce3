"""Misbehaving on purpose: token-bucket rate limits answered with 429 + Retry-After,
and injected 5xx/429/slow/reset responses, optionally *after* the state change.

Faults are keyed by Web API method name ("chat.postMessage"), "*" for any method,
or one of the non-API endpoints: UPLOAD (the upload_url files_upload_v2 POSTs the
bytes to) and RESPONSE_URL (what bolt's respond() POSTs to).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

UPLOAD = "upload"
RESPONSE_URL = "response_url"


class DropConnection(Exception):
    """Raised on the request path to reset the TCP connection instead of answering."""


@dataclass
class _Bucket:
    """Token bucket: `rate` tokens per second, at most `burst` banked."""

    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Consume one token; return 0 if allowed, else seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass
class _RateLimit:
    per_second: float
    burst: float
    per_channel: bool
    buckets: dict[str, _Bucket] = field(default_factory=dict)


@dataclass
class _Fault:
    status: int | None  # None: answer normally (a pure delay)
    count: int
    after_effect: bool
    delay: float = 0.0
    retry_after: int | None = None
    error: str = "fatal_error"
    reset: bool = False  # cut the connection (RST) instead of answering


class Limits:
    """FakeSlack's rate limits and faults (a mixin: FakeSlack owns the lock and dicts)."""

    _lock: threading.RLock
    _rate_limits: dict[str, _RateLimit]
    history_page_max: int
    _faults: dict[str, list[_Fault]]

    def set_rate_limit(
        self,
        method: str,
        per_second: float,
        burst: float | None = None,
        *,
        per_channel: bool = False,
    ) -> None:
        """Token bucket for `method`: `per_second` refill, `burst` capacity (default max(1, rate)).

        With per_channel=True each `channel` param gets its own bucket (Slack's
        chat.postMessage limit is roughly 1/s per channel).
        """
        if per_second <= 0:
            raise ValueError("per_second must be > 0")
        burst = max(1.0, float(burst if burst is not None else math.ceil(per_second)))
        with self._lock:
            self._rate_limits[method] = _RateLimit(per_second, burst, per_channel)

    def set_rate_limit_per_minute(
        self,
        method: str,
        per_minute: float,
        burst: float | None = None,
        *,
        per_channel: bool = False,
    ) -> None:
        """Slack documents tiers per minute; the default burst is one minute's worth."""
        self.set_rate_limit(
            method,
            per_minute / 60.0,
            burst if burst is not None else per_minute,
            per_channel=per_channel,
        )

    def marketplace(self, listed: bool = True) -> None:
        """conversations.history as a Marketplace app gets it (Tier 3, 50 a
        minute, pages of up to 999), or as any other app does (Tier 1)."""
        self.history_page_max = 999 if listed else 15
        self.set_rate_limit_per_minute("conversations.history", 50 if listed else 1)

    def clear_rate_limits(self) -> None:
        with self._lock:
            self._rate_limits.clear()

    def inject(
        self,
        method: str,
        status: int = 500,
        count: int = 1,
        *,
        after_effect: bool = False,
        delay: float = 0.0,
        error: str | None = None,
    ) -> None:
        """The next `count` calls to `method` ("*" = any API method, or UPLOAD /
        RESPONSE_URL) get HTTP `status`.

        By default the call has no effect. With after_effect=True the state change
        happens (chat.postMessage: the message IS posted; chat.update: it IS edited;
        UPLOAD: the bytes ARE stored) and only the answer is an error, optionally after
        `delay` seconds. For "posted, then the client timed out" see inject_delay.
        """
        default_error = {500: "fatal_error", 502: "bad_gateway", 503: "service_unavailable"}
        fault = _Fault(
            status,
            count,
            after_effect,
            delay,
            None,
            error or default_error.get(status, "request_timeout"),
        )
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def inject_429(self, method: str, retry_after: int = 1, count: int = 1) -> None:
        """The next `count` calls get 429 + Retry-After (no effect)."""
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(429, count, False, 0.0, retry_after, "ratelimited")
            )

    def inject_delay(
        self, method: str, seconds: float, count: int = 1, *, after_effect: bool = False
    ) -> None:
        """The next `count` calls answer normally but `seconds` late.

        after_effect=False: sleep, then apply the change (a client that timed out has
        no idea whether it happened — it will, later). after_effect=True: apply the
        change at once, then sleep before answering: with `seconds` above the client's
        timeout, the post is made and the client sees a timeout. On UPLOAD this is an
        upload URL that hangs.
        """
        with self._lock:
            self._faults.setdefault(method, []).append(_Fault(None, count, after_effect, seconds))

    def inject_reset(
        self, method: str, count: int = 1, *, after_effect: bool = False, delay: float = 0.0
    ) -> None:
        """The next `count` calls get no answer: the connection is reset (ECONNRESET).

        after_effect=True applies the change first (the message IS posted, the bytes ARE
        uploaded), like a proxy dying on the way back; `delay` seconds pass before the cut.
        """
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(None, count, after_effect, delay, error="connection_reset", reset=True)
            )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.count -= 1
                if fault.count <= 0:
                    queue.pop(0)
                return fault
        return None

    def _rate_limited(self, method: str, params: dict[str, Any]) -> int:
        """Return Retry-After seconds if this call exceeds the method's bucket, else 0."""
        limit = self._rate_limits.get(method)
        if limit is None:
            return 0
        key = str(params.get("channel", "")) if limit.per_channel else ""
        now = time.monotonic()
        bucket = limit.buckets.get(key)
        if bucket is None:
            bucket = limit.buckets[key] = _Bucket(limit.per_second, limit.burst, limit.burst, now)
        wait = bucket.take(now)
        return max(1, math.ceil(wait)) if wait > 0 else 0

    @staticmethod
    def _strike(fault: _Fault | None) -> _Fault | None:
        """Carry out `fault` on the request path: sleep its delay, then raise DropConnection
        for a reset; return it if it answers with an error status, None to answer normally."""
        if fault is None:
            return None
        time.sleep(fault.delay)
        if fault.reset:
            raise DropConnection(fault.error)
        return fault if fault.status is not None else None

    @staticmethod
    def _fault_response(fault: _Fault) -> tuple[int, dict[str, str], dict[str, Any]]:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return fault.status or 500, headers, {"ok": False, "error": fault.error}
