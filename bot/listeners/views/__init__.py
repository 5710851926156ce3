from slack_bolt import App

from bot.listeners.views.checkin_submitted import checkin_submitted
from bot.views.checkin import CHECKIN_CALLBACK


def register(app: App) -> None:
    app.view(CHECKIN_CALLBACK)(checkin_submitted)
