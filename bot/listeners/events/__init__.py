from slack_bolt import App

from bot.listeners.events.app_home_opened import app_home_opened
from bot.listeners.events.uninstalled import app_uninstalled, tokens_revoked


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened)


def register_installs(app: App) -> None:
    """Many workspaces only: uninstalls and revoked tokens."""
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
