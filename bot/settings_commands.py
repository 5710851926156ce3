"""Workspace settings commands: schedule, questions, privacy, resources, pause."""

from __future__ import annotations

from bot import services
from bot.commands import Command


def run(c, team: str, user: str, cmd: Command, client, trigger_id: str | None) -> str | None:
    raise services.ServiceError(f"`{cmd.name.replace('.', ' ')}` is not available yet.")
