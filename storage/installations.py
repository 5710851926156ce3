"""The tables where slack_sdk's SQLAlchemy stores keep OAuth installs: a bot
token (and refresh token) per workspace, and the one-time `state` values of
installs in progress.

The statements that read and write them are slack_sdk's own
(`SQLAlchemyInstallationStore`, `SQLAlchemyOAuthStateStore`, built in
bot/slackapi/installs.py, since storage knows nothing of Slack). What is here
is their shape, column for column as slack_sdk 3.x builds it (a test checks
that they match), so migration 0007 creates exactly what the stores expect,
and candor's own statements about installs.
"""

from __future__ import annotations

import sqlalchemy as sa
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


def _token_columns() -> list[Column]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]


installations = Table(
    INSTALLATIONS, metadata,
    *_token_columns(),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
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
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
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


def wipe(conn) -> None:
    """Empty the three tables (tests share one database between tests)."""
    for table in reversed(metadata.sorted_tables):
        conn.execute(table.delete())
