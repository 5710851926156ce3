from slack_bolt import App

from bot.blocks.admin import (
    ADD_QUESTION_CALLBACK,
    PRIVACY_CALLBACK,
    RESOURCES_CALLBACK,
    SCHEDULE_CALLBACK,
)
from bot.blocks.checkin import CHECKIN_CALLBACK
from bot.blocks.loop import COMMIT_CALLBACK, SUMMARY_CONFIRM_CALLBACK, SUMMARY_PICK_CALLBACK
from bot.listeners.views.action_committed import action_committed
from bot.listeners.views.checkin_submitted import checkin_submitted
from bot.listeners.views.privacy_submitted import privacy_submitted
from bot.listeners.views.question_added import question_added
from bot.listeners.views.resources_submitted import resources_submitted
from bot.listeners.views.schedule_submitted import schedule_submitted
from bot.listeners.views.staff_summary_confirmed import staff_summary_confirmed
from bot.listeners.views.staff_summary_picked import staff_summary_picked


def register_checkin(app: App) -> None:
    app.view(CHECKIN_CALLBACK)(checkin_submitted)


def register(app: App) -> None:
    app.view(ADD_QUESTION_CALLBACK)(question_added)
    app.view(PRIVACY_CALLBACK)(privacy_submitted)
    app.view(SCHEDULE_CALLBACK)(schedule_submitted)
    app.view(RESOURCES_CALLBACK)(resources_submitted)
    app.view(COMMIT_CALLBACK)(action_committed)
    app.view(SUMMARY_PICK_CALLBACK)(staff_summary_picked)
    app.view(SUMMARY_CONFIRM_CALLBACK)(staff_summary_confirmed)
