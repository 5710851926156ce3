"""The tables where slack_sdk's SQLAlchemy stores keep OAuth installs: a bot
token (and refresh token) per workspace, and the one-time `state` values of
installs in progress.

The statements that read and write them are slack_sdk's own
(`SQLAlchemyInstallationStore`, `SQLAlchemyOAuthStateStore`, built in
bot/slackapi/installs.py, since storage knows nothing of Slack). What is here
is their shape, column for column as slack_sdk 3.x builds it (a test checks
that they match), so migration 0007 creates exactly what the stores expect,
and candor's own statements about installs.

Tokens are sealed at rest (migration 0009): every bot, user and refresh
token is stored as "sealed:" + a Fernet token under a key derived from
CANDOR_SECRET_KEY (`seal_token`/`open_token`, used by the installation store
in bot/slackapi/installs.py), so a copy of the database or a backup alone
gives nobody a way into the workspaces. A sealed token is longer than the
200 characters slack_sdk allows for one, so those columns are wider here.
"""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    select,
    update,
)
from sqlalchemy.orm import Session

from storage.models import Delivery, Workspace

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
OAUTH_STATES = "slack_oauth_states"

# Not candor's models (Base.metadata): these belong to the stores.
metadata = MetaData()

SEALED = "sealed:"
TOKEN_LENGTH = 1000  # a sealed rotating token is ~350 characters; slack_sdk allows 200
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
TOKEN_PURPOSE = "slack-token"  # Keyring.sealer(TOKEN_PURPOSE)


def seal_token(sealer: MultiFernet, value: str | None) -> str | None:
    """A token as stored: sealed (a sealed one is left as it is)."""
    if not value or value.startswith(SEALED):
        return value
    return SEALED + sealer.encrypt(value.encode()).decode("ascii")


def open_token(sealer: MultiFernet, value: str | None) -> str | None:
    """A stored token as Slack issued it."""
    if not value or not value.startswith(SEALED):
        return value
    return sealer.decrypt(value[len(SEALED):].encode("ascii")).decode()


def key_opens_tokens(conn, sealer: MultiFernet) -> bool:
    """Whether this key opens the Slack tokens stored (True with none stored):
    checked at start, so a wrong CANDOR_SECRET_KEY is one clear line, not a
    failure on every request of every workspace."""
    for table in (bots, installations):
        sealed = conn.execute(sa.select(table.c.bot_token)
                              .where(table.c.bot_token.like(SEALED + "%")).limit(1)).scalar()
        if sealed:
            try:
                open_token(sealer, sealed)
            except InvalidToken:
                return False
            return True
    return True


def _token_columns() -> list[Column]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]


def _bot_columns() -> list[Column]:
    """The workspace and bot-token columns both tables carry, as slack_sdk's do."""
    return [
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(TOKEN_LENGTH)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(TOKEN_LENGTH)),
        Column("bot_token_expires_at", DateTime),
    ]


installations = Table(
    INSTALLATIONS, metadata,
    *_token_columns(),
    Column("enterprise_url", String(200)),
    *_bot_columns(),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(TOKEN_LENGTH)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(TOKEN_LENGTH)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=sa.func.now()),
    Index(f"{INSTALLATIONS}_idx", "client_id", "enterprise_id", "team_id", "user_id",
          "installed_at"),
)

bots = Table(
    BOTS, metadata,
    *_token_columns(),
    *_bot_columns(),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False, default=sa.func.now()),
    Index(f"{BOTS}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

oauth_states = Table(
    OAUTH_STATES, metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)


def enterprise_of(s: Session, team_id: str) -> str | None:
    """The Enterprise Grid org a workspace belongs to (None outside Grid): as
    its latest install recorded it, else as candor first saw it."""
    c = installations.c
    found = s.execute(select(c.enterprise_id).where(c.team_id == team_id)
                      .order_by(c.installed_at.desc()).limit(1)).first()
    if found is not None:
        return found[0]
    ws = s.get(Workspace, team_id)
    return ws.enterprise_id if ws is not None else None


def uninstalled(s: Session, team_id: str | None, enterprise_id: str | None = None) -> list[str]:
    """After an uninstall: the workspace's schedule stops, and its invitations
    that can't be sent (or checked) any more, unsent or in doubt, end as
    failed. Its data is kept. An org-wide uninstall (no team) is every
    workspace of the org. Returns the workspaces it applied to."""
    if team_id:
        teams = [team_id]
    elif enterprise_id:
        teams = list(s.scalars(select(Workspace.team_id)
                               .where(Workspace.enterprise_id == enterprise_id)))
    else:
        return []
    s.execute(update(Workspace).where(Workspace.team_id.in_(teams))
              .values(schedule_every=None))
    s.execute(update(Delivery).where(Delivery.team_id.in_(teams),
                                     Delivery.status.in_(("pending", "sending")))
              .values(status="failed", last_error="uninstalled"))
    return teams


def reseal(conn, sealer: MultiFernet, *, opener: MultiFernet | None = None) -> int:
    """Seal every stored token still in plain text, or (given `opener`, which
    can read them) re-seal them all under `sealer`'s current key. Returns
    how many rows changed."""
    changed = 0
    for table in (installations, bots):
        cols = [table.c[name] for name in TOKEN_COLUMNS if name in table.c]
        for row in conn.execute(select(table.c.id, *cols)).all():
            old = dict(zip([c.name for c in cols], row[1:], strict=True))
            new = {k: seal_token(sealer, open_token(opener, v) if opener else v)
                   for k, v in old.items()}
            if new != old:
                conn.execute(table.update().where(table.c.id == row[0]).values(**new))
                changed += 1
    return changed


def unseal_all(conn, opener: MultiFernet) -> int:
    """Back to plain text (migration 0009's downgrade)."""
    changed = 0
    for table in (installations, bots):
        cols = [table.c[name] for name in TOKEN_COLUMNS if name in table.c]
        for row in conn.execute(select(table.c.id, *cols)).all():
            new = {c.name: open_token(opener, v) for c, v in zip(cols, row[1:], strict=True)}
            conn.execute(table.update().where(table.c.id == row[0]).values(**new))
            changed += 1
    return changed


def wipe(conn) -> None:
    """Empty the three tables (tests share one database between tests)."""
    for table in reversed(metadata.sorted_tables):
        conn.execute(table.delete())
