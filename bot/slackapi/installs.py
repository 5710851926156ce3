"""Many workspaces: OAuth installs kept by slack_sdk's SQLAlchemy stores in
candor's own database, and a set of clients per installed workspace.

`WorkspaceClients.get(team_id, kind)` is what `Candor.client_for` uses in
OAuth mode: the workspace's bot token is read from the installation store
(re-read after TOKEN_TTL, since tokens rotate and installs end), rotated here
when it is about to expire (outside any request, the clock's calls need it
too), and each workspace has its own clients, so its own Pacer: one
workspace's 429s never slow another's fan-out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.slackapi.client import make_clients
from storage import installations as rows
from storage.db import Database

log = logging.getLogger("candor.installs")

TOKEN_TTL = 60.0  # seconds a workspace's token is used before the store is asked again
ROTATE_MINUTES = 120  # rotate a token this long before it expires (bolt's default)
STATE_SECONDS = 600  # an install started must finish within this


class NotInstalled(LookupError):
    """candor has no token for this workspace: never installed, or uninstalled."""


class Installs:
    """slack_sdk's installation and OAuth state stores on candor's database
    (their tables: storage/installations.py, migration 0007)."""

    def __init__(self, settings, db: Database):
        self.db = db
        self.store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id,
                                                 engine=db.engine)
        self.states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS,
                                                engine=db.engine)
        # Rotation calls oauth.v2.access where candor's Web API is (a fake in tests).
        self.rotator = TokenRotator(
            client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
            client=WebClient(base_url=settings.slack_api_url, timeout=10))

    def find(self, team_id: str) -> Installation | None:
        """The workspace's latest install: its own, or its Grid org's org-wide one."""
        with self.db.session() as s:
            enterprise_id = rows.enterprise_of(s, team_id)
        found = self.store.find_installation(enterprise_id=enterprise_id, team_id=team_id)
        if (found is None or not found.bot_token) and enterprise_id:
            found = self.store.find_installation(enterprise_id=enterprise_id, team_id=None,
                                                 is_enterprise_install=True)
        return found if found is not None and found.bot_token else None

    def bot_token(self, team_id: str) -> str | None:
        """The workspace's bot token, rotated first if it expires soon."""
        found = self.find(team_id)
        if found is None:
            return None
        if found.bot_refresh_token:
            fresh = self.rotator.perform_token_rotation(installation=found,
                                                        minutes_before_expiration=ROTATE_MINUTES)
            if fresh is not None:
                self.store.save(fresh)
                found = fresh
        return found.bot_token

    def remove(self, team_id: str | None, enterprise_id: str | None) -> None:
        """Forget the workspace's tokens (candor asks for no user tokens, so a
        revoked bot token leaves nothing worth keeping)."""
        self.store.delete_all(enterprise_id=enterprise_id, team_id=team_id)


@dataclass
class _Workspace:
    token: str
    checked: float
    clients: dict[str, WebClient]


class WorkspaceClients:
    """A client of each kind (see Candor) per installed workspace."""

    def __init__(self, settings, installs: Installs, clock: Callable[[], float] = time.monotonic,
                 ttl: float = TOKEN_TTL):
        self.settings, self.installs = settings, installs
        self.clock, self.ttl = clock, ttl
        self._teams: dict[str, _Workspace] = {}
        self._lock = threading.Lock()

    def get(self, team_id: str | None, kind: str = "client") -> WebClient:
        if not team_id:
            raise NotInstalled("no workspace given")
        with self._lock:
            ws = self._teams.get(team_id)
            if ws is not None and self.clock() - ws.checked < self.ttl:
                return ws.clients[kind]
        token = self.installs.bot_token(team_id)  # the database (and maybe Slack): unlocked
        with self._lock:
            if token is None:
                self._teams.pop(team_id, None)
                raise NotInstalled(f"candor isn't installed in workspace {team_id}")
            ws = self._teams.get(team_id)
            if ws is None:
                ws = self._teams[team_id] = _Workspace(token, 0.0,
                                                       make_clients(self.settings, token))
            elif ws.token != token:  # rotated: same clients (and pacing), new token
                for client in ws.clients.values():
                    client.token = token
                ws.token = token
            ws.checked = self.clock()
            return ws.clients[kind]

    def forget(self, team_id: str) -> None:
        """Drop a workspace's clients at once (uninstalled, token revoked)."""
        with self._lock:
            self._teams.pop(team_id, None)
