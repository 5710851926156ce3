"""Wiring: one Candor object holds the settings, database, Slack client and keys.

Entrypoints (HTTP app, clock, CLI, demo) build one and pass it to services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.config import ConfigError, Settings
from bot.slackapi.client import make_client
from storage.ballot_box import BallotBox
from storage.db import Database
from storage.keys import Keyring


def utcnow() -> datetime:
    """Naive UTC, the form every DateTime column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def epoch(naive_utc: datetime) -> float:
    return naive_utc.replace(tzinfo=UTC).timestamp()


@dataclass
class Candor:
    settings: Settings
    db: Database
    client: WebClient
    keyring: Keyring
    box: BallotBox
    now: Callable[[], datetime] = utcnow
    # Posts invitations: no blind retries on 5xx/timeouts (see make_client).
    poster: WebClient | None = None
    # For lookups made before an ack (3 s): one short try, no retries.
    quick: WebClient | None = None
    # Reads conversations.history (Tier 1): no retries, never waits; a call
    # that would exceed the tier is put off to a later clock tick instead.
    reader: WebClient | None = None
    # Short-lived per-process lookups (admin rights, languages), keyed by kind.
    cache: dict = field(default_factory=dict)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("candor"))

    @classmethod
    def build(cls, settings: Settings, *, db: Database | None = None) -> Candor:
        secret = settings.secret_key
        if not secret:
            raise ConfigError("CANDOR_SECRET_KEY is not set; it is required outside the demo")
        retired = [k for k in (p.strip() for p in settings.old_secret_keys.split(",")) if k]
        keyring = Keyring(secret, retired)
        return cls(
            settings=settings,
            db=db or Database(settings.database_url),
            client=make_client(settings),
            keyring=keyring,
            box=BallotBox(keyring),
            poster=make_client(settings, retry_unsafe=False),
            quick=make_client(settings, timeout=2, retries=False),
            reader=make_client(settings, timeout=5, retries=False),
        )
