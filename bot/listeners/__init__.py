"""One listener per file, one `register(app)` per kind."""

from slack_bolt import App

from bot.listeners import actions, commands, events, views


def register(app: App) -> None:
    # The 10:00 click storm's two listeners first: bolt tries listeners in
    # the order they were registered, each try a matcher call, and a submit
    # used to be tried against twelve before its own.
    views.register_checkin(app)
    actions.register_checkin(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
