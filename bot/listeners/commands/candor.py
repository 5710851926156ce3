"""`/candor ...`: parse, check rights, run, answer ephemerally.

What each command does is the HANDLERS table below; its words, help, usage,
rights and speed are the table in `bot/commands.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands import HELP, Command, UsageError, parse
from bot.context import Candor
from bot.i18n import t
from bot.listeners._util import SLACK_NO_FORM, candor, open_form, team_of
from bot.services import (
    digests,
    home,
    pulses,
    rounds,
    segments,
    settings,
    staff_summary,
    workspace,
)
from bot.services.errors import ServiceError, friendly
from bot.services.people import is_admin, lang_of

log = logging.getLogger("candor.commands")


@dataclass(frozen=True)
class Asked:
    """One `/candor` request: who, where, and how to answer later."""

    c: Candor
    team: str
    user: str
    args: dict
    trigger_id: str | None
    client: object
    respond: Callable


def _help(a: Asked) -> str:
    # Admins get the full list; everyone else what they can do, in their language.
    return HELP if is_admin(a.c, a.team, a.user) else t(lang_of(a.c, a.team, a.user), "reply.help")


def _preview(a: Asked) -> None:
    blocks, text = digests.preview(a.c, a.team)
    a.respond(blocks=blocks, text=text, response_type="ephemeral", replace_original=False)


def _modal(which: str) -> Callable[[Asked], str | None]:
    def open_modal(a: Asked) -> str | None:
        if not a.trigger_id:
            raise ServiceError("Slack didn't send what I need to open a form. Please try again.")
        if open_form(a.c, a.trigger_id, settings.modal_for(a.c, a.team, which), team=a.team):
            return None
        return SLACK_NO_FORM["en"]
    return open_modal


def _form(a: Asked, build: Callable[[], dict]) -> str | None:
    """Open a form a service builds (after the ack, once); its refusal is the reply."""
    if not a.trigger_id:
        raise ServiceError("Slack didn't send what I need to open a form. Please try again.")
    return None if open_form(a.c, a.trigger_id, build(), team=a.team) else SLACK_NO_FORM["en"]


HANDLERS: dict[str, Callable[[Asked], str | None]] = {
    "help": _help,
    "pause": lambda a: home.pause(a.c, a.team, a.user, True),
    "resume": lambda a: home.pause(a.c, a.team, a.user, False),
    "audience.add": lambda a: workspace.audience_add(a.c, a.team, a.args["channel"],
                                                     a.args["name"]),
    "audience.remove": lambda a: workspace.audience_remove(a.c, a.team, a.args["channel"]),
    "audience.list": lambda a: workspace.audience_list(a.c, a.team),
    "digest.channel": lambda a: workspace.digest_channel(a.c, a.team, a.args["channel"],
                                                         a.args["name"]),
    "digest.now": lambda a: digests.post(a.c, a.team),
    "digest.preview": _preview,
    "send.now": lambda a: rounds.send_now(a.c, a.team),
    "close.now": lambda a: rounds.close_now(a.c, a.team),
    "status": lambda a: rounds.status_text(a.c, a.team),
    "schedule.show": lambda a: settings.schedule_text(a.c, a.team),
    "schedule.set": lambda a: settings.set_schedule(a.c, a.team, a.args["every"],
                                                    a.args["weekday"], a.args["time"]),
    "schedule.off": lambda a: settings.set_schedule(a.c, a.team, None, None, None),
    "schedule.window": lambda a: settings.set_window(a.c, a.team, a.args["days"]),
    "schedule.reminder": lambda a: settings.set_reminder(a.c, a.team, a.args["on"]),
    "questions.edit": _modal("questions"),
    "questions.max": lambda a: settings.set_max_questions(a.c, a.team, a.args["n"]),
    "privacy.show": lambda a: settings.privacy_text(a.c, a.team),
    "privacy.scores": lambda a: settings.set_thresholds(a.c, a.team, scores=a.args["n"]),
    "privacy.comments": lambda a: settings.set_thresholds(a.c, a.team, comments=a.args["n"]),
    "privacy.receipts": lambda a: settings.set_receipts(a.c, a.team, a.args["on"]),
    "resources": _modal("resources"),
    "summary.preview": lambda a: _form(a, lambda: staff_summary.form(a.c, a.team, a.user)),
    "summary.channel": lambda a: staff_summary.set_channel(a.c, a.team, a.args["channel"]),
    "modules.list": lambda a: settings.modules_text(a.c, a.team),
    "modules.on": lambda a: settings.set_module(a.c, a.team, a.args["module"], True),
    "modules.off": lambda a: settings.set_module(a.c, a.team, a.args["module"], False),
    "organization.show": lambda a: settings.organization_text(a.c, a.team),
    "organization.set": lambda a: settings.set_organization(a.c, a.team, a.args["name"]),
    "segments.show": lambda a: segments.segments_text(a.c, a.team),
    "segments.ask": lambda a: segments.set_ask(a.c, a.team, a.args["dim"], a.args["on"]),
    "segments.label": lambda a: segments.set_label(a.c, a.team, a.args["role"], a.args["text"]),
    "pulse.show": lambda a: pulses.status_text(a.c, a.team),
    "pulse.stay": lambda a: pulses.open_stay(a.c, a.team),
    "pulse.close": lambda a: pulses.close_stay(a.c, a.team),
    "pulse.exit": lambda a: pulses.offer_exit(a.c, a.team, a.user, a.args["user"]),
}


def candor_command(ack, command, context, respond, client):
    c = candor(context)
    team = team_of(context, command)
    user = command.get("user_id")
    if not team or not user:
        ack(text="That request was missing its workspace or user, so I ignored it.",
            response_type="ephemeral")
        return
    try:
        cmd = parse(command.get("text") or "")
    except UsageError as e:
        ack(text=str(e), response_type="ephemeral")
        return
    asked = Asked(c, team, user, cmd.args, command.get("trigger_id"), client, respond)
    try:
        _run(ack, cmd, asked)
    except ServiceError as e:
        _answer(ack, respond, cmd, str(e))
    except Exception as e:
        log.exception("command %s failed", cmd.name)
        _answer(ack, respond, cmd, friendly(e))


def _run(ack, cmd: Command, a: Asked) -> None:
    if cmd.admin_only and not is_admin(a.c, a.team, a.user):
        ack(text=t(lang_of(a.c, a.team, a.user), "reply.admin_only"), response_type="ephemeral")
        return
    if cmd.opens_form:
        ack()  # first: the form opens after the ack, within the trigger's 3 s
        reply = HANDLERS[cmd.name](a)
        if reply:
            a.respond(text=reply, response_type="ephemeral", replace_original=False)
        return
    if cmd.slow:
        ack(text="On it…", response_type="ephemeral")
        reply = HANDLERS[cmd.name](a)
        if reply:
            a.respond(text=reply, response_type="ephemeral", replace_original=False)
        return
    reply = HANDLERS[cmd.name](a)
    ack(text=reply, response_type="ephemeral") if reply else ack()


def _answer(ack, respond, cmd: Command, text: str) -> None:
    # A slow command may fail before its ack (the admin check asks Slack):
    # then the answer is the ack, never silence.
    if (cmd.slow or cmd.opens_form) and getattr(ack, "response", None) is not None:
        respond(text=text, response_type="ephemeral", replace_original=False)
    else:
        ack(text=text, response_type="ephemeral")
