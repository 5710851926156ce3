from slack_bolt import App

from bot.listeners.actions.privacy_info import privacy_info
from bot.listeners.actions.start_checkin import start_checkin


def register(app: App) -> None:
    app.action("start_checkin")(start_checkin)
    app.action("privacy_info")(privacy_info)
