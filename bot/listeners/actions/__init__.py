from slack_bolt import App

from bot.blocks.digest import DETAILS_ACTION as DIGEST_DETAILS
from bot.blocks.loop import COMMIT_ACTION, STATUS_ACTION, SUMMARY_BUTTON
from bot.listeners.actions.action_status import action_status
from bot.listeners.actions.add_question import add_question
from bot.listeners.actions.commit_action import commit_action
from bot.listeners.actions.digest_details import digest_details
from bot.listeners.actions.open_settings import SETTINGS_BUTTON, open_settings
from bot.listeners.actions.open_staff_summary import open_staff_summary
from bot.listeners.actions.privacy_info import privacy_info
from bot.listeners.actions.question_menu import question_menu
from bot.listeners.actions.start_checkin import start_checkin
from bot.listeners.actions.toggle_pause import toggle_pause


def register_checkin(app: App) -> None:
    app.action("start_checkin")(start_checkin)


def register(app: App) -> None:
    app.action("privacy_info")(privacy_info)
    app.action("toggle_pause")(toggle_pause)
    app.action(SETTINGS_BUTTON)(open_settings)
    app.action("question_menu")(question_menu)
    app.action("add_question")(add_question)
    app.action(DIGEST_DETAILS)(digest_details)
    app.action(COMMIT_ACTION)(commit_action)
    app.action(STATUS_ACTION)(action_status)
    app.action(SUMMARY_BUTTON)(open_staff_summary)
