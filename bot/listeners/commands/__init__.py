from slack_bolt import App

from bot.listeners.commands.candor import candor_command


def register(app: App) -> None:
    app.command("/candor")(candor_command)
