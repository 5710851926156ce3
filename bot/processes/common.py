"""What every `candor` command starts from: the settings (with logging set up)
and the `Candor` built from them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import logs
from bot.config import Settings, load_settings

if TYPE_CHECKING:
    from bot.context import Candor


def settings() -> Settings:
    s = load_settings()
    logs.setup(s.log_level)
    return s


def candor(s: Settings, *, need_slack: bool = True) -> Candor:
    # Imported here so that commands that never build one (themes, db upgrade)
    # start without loading the Slack SDK.
    from bot.context import Candor

    if need_slack:
        s.require("slack_bot_token")
    return Candor.build(s)
