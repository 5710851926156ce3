"""The Slack Web API client: paced per method, so 429s are rare rather than
routine, with bounded retries.

Slack limits by method tier. A token bucket per method spaces our calls just
under each limit; Retry-After (via slack_sdk's retry handler) covers the rest.
"""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

# (calls per second, burst). Slightly under Slack's published tiers:
# Tier 2 ~20/min, Tier 3 ~50/min, Tier 4 ~100/min; chat.postMessage is
# "special" (per channel ~1/s, plus a workspace-wide cap) and DMs are each
# their own channel, so the workspace cap is what binds.
# Tier 2/3/4 methods get no burst: Slack's buckets for them are small, and a
# burst that overruns them only buys 429s.
DEFAULT_LIMITS: dict[str, tuple[float, int]] = {
    "chat.postMessage": (9.7, 20),
    "chat.update": (9.7, 10),
    "users.list": (19 / 60, 1),
    "conversations.members": (95 / 60, 1),
    "conversations.open": (48 / 60, 1),
    # Tier 1 for non-Marketplace apps (the Pacer takes the real rate from settings).
    "conversations.history": (1 / 60, 1),
    "users.info": (95 / 60, 1),
}


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock=time.monotonic, sleep=time.sleep):
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.clock, self.sleep = clock, sleep
        self.last = clock()
        self.lock = threading.Lock()

    def drain(self, seconds: float) -> None:
        """Slack said "retry after `seconds`": nobody else goes before then."""
        with self.lock:
            self.last = self.clock()
            self.tokens = min(self.tokens, -seconds * self.rate)

    def ready(self) -> bool:
        """Whether a token is free now (without taking it)."""
        with self.lock:
            return self.tokens + (self.clock() - self.last) * self.rate >= 1

    def acquire(self) -> float:
        """Take one token, waiting if needed; returns how long it waited."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            self.tokens -= 1
            wait = 0.0 if self.tokens >= 0 else -self.tokens / self.rate
        if wait:
            self.sleep(wait)
        return wait


class Pacer:
    def __init__(self, limits: dict[str, tuple[float, int]] | None = None):
        limits = DEFAULT_LIMITS if limits is None else limits
        self.buckets = {m: TokenBucket(r, b) for m, (r, b) in limits.items()}

    def acquire(self, method: str) -> float:
        bucket = self.buckets.get(method)
        return bucket.acquire() if bucket else 0.0

    def ready(self, method: str) -> bool:
        bucket = self.buckets.get(method)
        return bucket.ready() if bucket else True

    def drain(self, method: str, seconds: float) -> None:
        bucket = self.buckets.get(method)
        if bucket is not None:
            bucket.drain(seconds)


class PacedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Honours Retry-After like slack_sdk's handler, and also tells the pacer,
    so the other threads wait out the same window instead of each earning
    their own 429."""

    def __init__(self, pacer: Pacer, **kw):
        super().__init__(**kw)
        self.pacer = pacer

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        if response is not None:
            method = request.url.rstrip("/").rsplit("/", 1)[-1]
            bucket = self.pacer.buckets.get(method)
            retry_after = next((v for k, v in response.headers.items()
                                if k.lower() == "retry-after"), ["1"])
            try:
                seconds = float(retry_after[0] if isinstance(retry_after, list) else retry_after)
            except ValueError:
                seconds = 1.0
            if bucket is not None:
                bucket.drain(seconds)
        super().prepare_for_next_attempt(state=state, request=request, response=response,
                                         error=error)


class PacedWebClient(WebClient):
    """A WebClient whose every call first waits for its method's token."""

    def __init__(self, *args, pacer: Pacer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pacer = pacer or Pacer()

    def api_call(self, api_method: str, **kwargs):  # type: ignore[override]
        self.pacer.acquire(api_method)
        return super().api_call(api_method, **kwargs)


def make_client(settings, token: str | None = None, timeout: int = 10,
                retry_unsafe: bool = True, retries: bool = True) -> WebClient:
    """A paced client with bounded retries: Retry-After is honoured for 429s
    (Slack rejected the call, so repeating it is always safe).

    5xx and connection errors are retried too, except on the client that
    posts invitations (`retry_unsafe=False`): a 5xx or timeout there may come
    *after* the message was posted, so the outbox checks the DM's history
    before trying again rather than risk a second DM."""
    limits = dict(DEFAULT_LIMITS)
    limits["conversations.history"] = (settings.history_per_minute / 60, 1)
    pacer = Pacer(limits)
    handlers = [PacedRateLimitRetryHandler(pacer, max_retry_count=6)] if retries else []
    if retries and retry_unsafe:
        handlers += [ServerErrorRetryHandler(max_retry_count=3),
                     ConnectionErrorRetryHandler(max_retry_count=3)]
    return PacedWebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=handlers,
        pacer=pacer,
    )


def make_clients(settings, token: str | None = None) -> dict[str, WebClient]:
    """The clients one workspace's calls go through, by kind (see Candor):
    `client` paced and retrying; `poster` without blind retries (posts);
    `quick`, one short try (lookups before an ack); `reader` for Tier 1
    history, which never waits."""
    return {
        "client": make_client(settings, token),
        "poster": make_client(settings, token, retry_unsafe=False),
        "quick": make_client(settings, token, timeout=2, retries=False),
        "reader": make_client(settings, token, timeout=5, retries=False),
    }
