"""`/candor ...`: parse, check rights, run, answer ephemerally."""

from __future__ import annotations

import logging

from bot import admin, digest, services
from bot.commands import HELP, UsageError, parse
from bot.i18n import t
from bot.listeners._util import candor, friendly, team_of
from bot.people import is_admin, lang_of

log = logging.getLogger("candor.commands")

# Commands that call Slack or touch many rows: acknowledged at once, answered later.
SLOW = {"send.now", "close.now", "audience.add", "digest.channel", "digest.now", "digest.preview"}


def _run(c, team, user, cmd, client, trigger_id, respond) -> str | None:
    a = cmd.args
    match cmd.name:
        case "help":
            # Admins get the full list; everyone else what they can do, in their language.
            return HELP if is_admin(c, team, user) else t(lang_of(c, team, user), "reply.help")
        case "audience.add":
            return admin.audience_add(c, team, a["channel"], a["name"])
        case "audience.remove":
            return admin.audience_remove(c, team, a["channel"])
        case "audience.list":
            return admin.audience_list(c, team)
        case "digest.channel":
            return admin.digest_channel(c, team, a["channel"], a["name"])
        case "send.now":
            return admin.send_now(c, team)
        case "close.now":
            return admin.close_now(c, team)
        case "status":
            return services.status_text(c, team)
        case "digest.now":
            return digest.post(c, team)
        case "digest.preview":
            blocks, text = digest.preview(c, team)
            respond(blocks=blocks, text=text, response_type="ephemeral", replace_original=False)
            return None
    from bot import settings_commands

    return settings_commands.run(c, team, user, cmd, client, trigger_id)


def candor_command(ack, command, context, respond, client):
    c = candor(context)
    team = team_of(context, command)
    user = command.get("user_id")
    if not team or not user:
        ack(text="That request was missing its workspace or user, so I ignored it.", response_type="ephemeral")
        return
    try:
        cmd = parse(command.get("text") or "")
    except UsageError as e:
        ack(text=str(e), response_type="ephemeral")
        return
    try:
        if cmd.admin_only and not is_admin(c, team, user):
            ack(text=t(lang_of(c, team, user), "reply.admin_only"), response_type="ephemeral")
            return
        if cmd.name in SLOW:
            ack(text="On it…", response_type="ephemeral")
            reply = _run(c, team, user, cmd, client, command.get("trigger_id"), respond)
            if reply:
                respond(text=reply, response_type="ephemeral", replace_original=False)
            return
        reply = _run(c, team, user, cmd, client, command.get("trigger_id"), respond)
        ack(text=reply, response_type="ephemeral") if reply else ack()
    except services.ServiceError as e:
        _answer(ack, respond, cmd, str(e))
    except Exception as e:
        log.exception("command %s failed", cmd.name)
        _answer(ack, respond, cmd, friendly(e))


def _answer(ack, respond, cmd, text):
    if cmd.name in SLOW:
        respond(text=text, response_type="ephemeral", replace_original=False)
    else:
        ack(text=text, response_type="ephemeral")
