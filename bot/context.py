"""Wiring: one Candor object holds the settings, database, Slack client and keys.

Entrypoints (HTTP app, clock, CLI, demo) build one and pass it to services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import ConfigError, Settings
from storage.ballot_box import BallotBox
from storage.db import Database
from storage.keys import Keyring

DEMO_SECRET = "candor-demo-secret-not-for-production-use-0123456789"


def utcnow() -> datetime:
    """Naive UTC, the form every DateTime column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def epoch(naive_utc: datetime) -> float:
    return naive_utc.replace(tzinfo=UTC).timestamp()


def make_client(settings: Settings, token: str | None = None, timeout: int = 10,
                retry_unsafe: bool = True, retries: bool = True) -> WebClient:
    """A paced client with bounded retries: Retry-After is honoured for 429s
    (Slack rejected the call, so repeating it is always safe).

    5xx and connection errors are retried too, except on the client that
    posts invitations (`retry_unsafe=False`): a 5xx or timeout there may come
    *after* the message was posted, so the outbox checks the DM's history
    before trying again rather than risk a second DM."""
    from bot.pacing import PacedRateLimitRetryHandler, PacedWebClient, Pacer

    pacer = Pacer()
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


@dataclass
class Candor:
    settings: Settings
    db: Database
    client: WebClient
    keyring: Keyring
    box: BallotBox
    now: Callable[[], datetime] = utcnow
    # Called after a round closes (the digest hooks in here).
    on_close: list[Callable] = field(default_factory=list)
    # Posts invitations: no blind retries on 5xx/timeouts (see make_client).
    poster: WebClient | None = None
    # For lookups made before an ack (3 s): one short try, no retries.
    quick: WebClient | None = None
    # Short-lived per-process lookups (admin rights, languages), keyed by kind.
    cache: dict = field(default_factory=dict)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("candor"))

    @classmethod
    def build(cls, settings: Settings, *, demo: bool = False, db: Database | None = None) -> Candor:
        secret = settings.secret_key
        if not secret:
            if not demo:
                raise ConfigError("CANDOR_SECRET_KEY is not set; it is required outside the demo")
            secret = DEMO_SECRET
        retired = [k for k in (p.strip() for p in settings.old_secret_keys.split(",")) if k]
        keyring = Keyring(secret, retired)
        return cls(
            settings=settings,
            db=db or Database(settings.database_url),
            client=make_client(settings),
            keyring=keyring,
            box=BallotBox(keyring, batch_min=settings.ballot_batch),
            poster=make_client(settings, retry_unsafe=False),
            quick=make_client(settings, timeout=2, retries=False),
        )
