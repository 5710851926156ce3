"""Many workspaces: OAuth installs kept by slack_sdk's SQLAlchemy stores in
candor's own database, and a set of clients per installed workspace.

`WorkspaceClients.get(team_id, kind)` is what `Candor.client_for` uses in
OAuth mode: the workspace's bot token is read from the installation store
(re-read after TOKEN_TTL, since tokens rotate and installs end), rotated
when it is about to expire (outside any request, the clock's calls need it
too), and each workspace has its own clients, so its own Pacer: one
workspace's 429s never slow another's fan-out.

Tokens are sealed at rest (`SealedInstallationStore`, storage/installations).
Renewal is coordinated: a refresh token works once, so of several processes
finding a token about to expire only the holder of a short lease on that
install renews it; the others wait for the renewed token in the store. It
happens inside the store's `find_installation`, so bolt's own lookups (which
would otherwise rotate on their own) get the renewed token too.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import String

from bot.slackapi.client import make_clients
from storage import installations as rows
from storage.db import Database
from storage.keys import Keyring
from storage.lease import ClockLease

log = logging.getLogger("candor.installs")

TOKEN_TTL = 60.0  # seconds a workspace's token is used before the store is asked again
ROTATE_MINUTES = 120  # rotate a token this long before it expires (bolt's default)
STATE_SECONDS = 600  # an install started must finish within this
RENEW_LEASE = 30.0  # seconds one process may take to renew an install's token
RENEW_WAIT = 15.0  # how long another waits for that renewed token before using its own


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _expiring(found: Installation | Bot, minutes: int = ROTATE_MINUTES) -> bool:
    exp = found.bot_token_expires_at
    return bool(found.bot_refresh_token) and exp is not None and exp <= time.time() + minutes * 60


class NotInstalled(LookupError):
    """candor has no token for this workspace: never installed, or uninstalled."""


def _sealed(item, sealer):
    item = copy.copy(item)
    for name in rows.TOKEN_COLUMNS:
        if hasattr(item, name):
            setattr(item, name, rows.seal_token(sealer, getattr(item, name)))
    return item


def _opened(item, sealer):
    for name in rows.TOKEN_COLUMNS:
        if hasattr(item, name):
            setattr(item, name, rows.open_token(sealer, getattr(item, name)))
    return item


class SealedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy store with every token sealed at rest, and a
    token about to expire renewed by one process at a time (see the module
    docstring). Rows and queries are otherwise slack_sdk's own."""

    def __init__(self, *, client_id: str, engine, sealer, db: Database,
                 rotator: TokenRotator | None = None):
        super().__init__(client_id=client_id, engine=engine)
        self.sealer, self.db, self.rotator = sealer, db, rotator

    @classmethod
    def build_installations_table(cls, metadata, table_name):
        return _widened(super().build_installations_table(metadata, table_name))

    @classmethod
    def build_bots_table(cls, metadata, table_name):
        return _widened(super().build_bots_table(metadata, table_name))

    def save(self, installation: Installation):
        super().save(_sealed(installation, self.sealer))

    def save_bot(self, bot: Bot):
        super().save_bot(_sealed(bot, self.sealer))

    def build_installation_entity(self, row) -> Installation:  # type: ignore[override]
        return _opened(super().build_installation_entity(row), self.sealer)

    def build_bot_entity(self, row) -> Bot:  # type: ignore[override]
        return _opened(super().build_bot_entity(row), self.sealer)

    def find_installation(self, *, enterprise_id, team_id, user_id=None,
                          is_enterprise_install=False) -> Installation | None:
        def look():
            return super(SealedInstallationStore, self).find_installation(
                enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
                is_enterprise_install=is_enterprise_install)

        found = look()
        if found is None or self.rotator is None or not _expiring(found):
            return found
        return self._renew(found, look)

    def _renew(self, found: Installation, look: Callable[[], Installation | None]):
        """Renew under a lease on this install; without it, wait for whoever
        holds it. A token about to expire still works meanwhile (renewal
        starts ROTATE_MINUTES before expiry), so waiting out RENEW_WAIT and
        going on with it is safe."""
        name = f"token:{found.enterprise_id or ''}:{found.team_id or ''}"
        lease = ClockLease(self.db, _utcnow, name=name[:64], ttl=RENEW_LEASE)
        deadline = time.monotonic() + RENEW_WAIT
        while True:
            if lease.acquire():
                try:
                    latest = look()  # someone may have renewed it meanwhile
                    if latest is None or not _expiring(latest):
                        return latest
                    try:
                        fresh = self.rotator.perform_token_rotation(
                            installation=latest, minutes_before_expiration=ROTATE_MINUTES)
                    except Exception as e:  # Slack refused: keep the token, try next time
                        log.warning("could not renew a workspace's bot token: %s",
                                    type(e).__name__)
                        return look()
                    if fresh is None:
                        return latest
                    self.save(fresh)
                    log.info("renewed a workspace's bot token")
                    return fresh
                finally:
                    lease.release()
            time.sleep(0.1)
            latest = look()
            if latest is None or not _expiring(latest) or time.monotonic() > deadline:
                return latest


def _widened(table):
    for name in rows.TOKEN_COLUMNS:
        if name in table.c:
            table.c[name].type = String(rows.TOKEN_LENGTH)
    return table


class Installs:
    """slack_sdk's installation and OAuth state stores on candor's database
    (their tables: storage/installations.py, migration 0007)."""

    def __init__(self, settings, db: Database, keyring: Keyring):
        self.db = db
        # Rotation calls oauth.v2.access where candor's Web API is (a fake in tests).
        self.rotator = TokenRotator(
            client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
            client=WebClient(base_url=settings.slack_api_url, timeout=10))
        self.store = SealedInstallationStore(
            client_id=settings.slack_client_id, engine=db.engine,
            sealer=keyring.sealer(rows.TOKEN_PURPOSE), db=db, rotator=self.rotator)
        self.states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS,
                                                engine=db.engine)

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
        """The workspace's bot token (renewed first by the store if it expires soon)."""
        found = self.find(team_id)
        return found.bot_token if found is not None else None


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
