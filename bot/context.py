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
from bot.slackapi.client import make_client, make_clients
from bot.slackapi.installs import Installs, NotInstalled, WorkspaceClients
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
    # Many workspaces (OAuth): the installs and a set of clients per workspace;
    # None with one workspace (SLACK_BOT_TOKEN), where the clients above serve.
    installs: Installs | None = None
    workspaces: WorkspaceClients | None = None
    # Short-lived per-process lookups (admin rights, languages), keyed by kind.
    cache: dict = field(default_factory=dict)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("candor"))

    def client_for(self, team_id: str | None, kind: str = "client") -> WebClient:
        """The client for a Slack call on behalf of this workspace; every call
        goes through here. `kind`: "client" (paced, retrying), "poster" (no
        blind retries: posts), "quick" (one short try, before an ack) or
        "reader" (Tier 1 history). One workspace: today's clients, whatever
        the team. Many: that workspace's own, with its own token and pacing;
        NotInstalled if candor has no token for it."""
        if self.workspaces is None:
            return getattr(self, kind, None) or self.client
        return self.workspaces.get(team_id, kind)

    @property
    def many_workspaces(self) -> bool:
        return self.workspaces is not None

    @classmethod
    def build(cls, settings: Settings, *, db: Database | None = None) -> Candor:
        secret = settings.secret_key
        if not secret:
            raise ConfigError("CANDOR_SECRET_KEY is not set; it is required outside the demo")
        retired = [k for k in (p.strip() for p in settings.old_secret_keys.split(",")) if k]
        keyring = Keyring(secret, retired)
        db = db or Database(settings.database_url)
        if settings.oauth:
            installs = Installs(settings, db, keyring)
            # Without a token: what bolt copies for each request's own client.
            bare = make_client(settings)
            bare.token = None
            return cls(settings=settings, db=db, client=bare, keyring=keyring,
                       box=BallotBox(keyring), installs=installs,
                       workspaces=WorkspaceClients(settings, installs))
        return cls(settings=settings, db=db, keyring=keyring, box=BallotBox(keyring),
                   **make_clients(settings))


__all__ = ["Candor", "NotInstalled", "epoch", "utcnow"]
