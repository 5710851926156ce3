"""Installs and uninstalls, with many workspaces (OAuth).

An install makes the workspace known to candor. An uninstall (or its bot
token revoked) forgets the workspace's tokens and stops its schedule; its
invitations that can no longer be sent end as failed. Its data is kept
(CANDOR_ON_UNINSTALL=keep, the only choice until candor has a per-workspace
purge). With one workspace (SLACK_BOT_TOKEN) neither happens: there is no
install to forget.
"""

from __future__ import annotations

import logging

from bot.context import Candor
from bot.services import workspace
from storage import installations as install_rows

log = logging.getLogger("candor.installs")


def installed(c: Candor, team_id: str | None, enterprise_id: str | None) -> None:
    """After an OAuth install: candor knows the workspace from now on (an
    org-wide install's workspaces become known as they first use candor)."""
    if team_id:
        workspace.ensure(c, team_id, enterprise_id)
    log.info("installed in a workspace%s", " (org-wide)" if not team_id else "")


def uninstalled(c: Candor, team_id: str | None, enterprise_id: str | None) -> list[str]:
    """The app was uninstalled, or its bot token revoked: forget the tokens,
    stop the schedule; keep the data. Returns the workspaces affected."""
    if c.installs is None or c.workspaces is None or not (team_id or enterprise_id):
        return []
    with c.db.session() as s:
        teams = install_rows.uninstalled(s, team_id, enterprise_id)
    c.installs.remove(team_id, enterprise_id)
    for team in {*teams, *([team_id] if team_id else [])}:
        c.workspaces.forget(team)
    log.info("uninstalled from %d workspace(s); schedule stopped, data kept (%s)",
             len(teams), c.settings.on_uninstall)
    return teams

