"""The check-in modal's Submit: seal the ballot, thank, update the DM.

Every outcome is answered inside the 3-second ack: thanks, a kind refusal, or
field errors that keep the modal (and the person's answers) open. Nothing here
logs the user id, because this is the one place it sits next to answers.
"""

from __future__ import annotations

import json
import logging

from bot.blocks.checkin import recorded_blocks, refusal_modal, thanks_modal
from bot.i18n import t
from bot.listeners._util import asker
from bot.services import ballots
from bot.services.errors import (
    AlreadyAnswered,
    DatabaseError,
    InvalidBallot,
    NotInvited,
    RoundClosed,
)
from bot.services.people import lang_of

log = logging.getLogger("candor.submit")

REFUSALS = {AlreadyAnswered: "already", RoundClosed: "closed", NotInvited: "not_invited"}


def _parse(view: dict) -> tuple[int | None, dict, str | None, dict]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        rid = int(meta["r"])
    except (ValueError, KeyError, TypeError):
        return None, {}, None, {}
    if not 0 < rid < 2**31:
        return None, {}, None, {}
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        values = {}
    answers: dict[str, int | None] = {}
    comment = None
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            continue
        el = actions.get("answer") or {}
        if not isinstance(el, dict):
            continue
        if block_id == "comment":
            v = el.get("value")
            comment = v if isinstance(v, str) else None
        elif block_id.startswith("q_"):
            opt = el.get("selected_option") or {}
            v = opt.get("value") if isinstance(opt, dict) else None
            answers[block_id[2:]] = int(v) if isinstance(v, str) and v.lstrip("-").isdigit() else None
    return rid, answers, comment, meta


def checkin_submitted(ack, body, context, client):
    c, team, user = asker(context, body)
    view = body.get("view") or {}
    rid, answers, comment, meta = _parse(view)
    try:
        lang = lang_of(c, team, user) if team and user else "en"
    except DatabaseError:
        lang = "en"  # the database is down; say so below, in English
    if not (team and user and rid):
        ack(response_action="update", view=refusal_modal(lang, "not_invited"))
        return
    try:
        rec = ballots.record_ballot(c, team, user, rid, answers, comment)
    except InvalidBallot as e:
        ack(response_action="errors", errors={
            ("comment" if k == "comment" else f"q_{k}"): t(lang, v, max=1000)
            for k, v in e.errors.items()})
        return
    except (AlreadyAnswered, RoundClosed, NotInvited) as e:
        ack(response_action="update", view=refusal_modal(lang, REFUSALS[type(e)]))
        return
    except DatabaseError:
        # The modal stays open with the person's answers; nothing was written
        # (the ballot and its participation token share one transaction).
        log.error("database unavailable during a submit; the clinician was asked to retry")
        ack(response_action="errors", errors={"comment": t(lang, "modal.db_down")})
        return
    resources = ballots.support_resources(c, team) if rec.support else None
    ack(response_action="update", view=thanks_modal(lang, resources))
    channel, ts = meta.get("c") or rec.dm_channel, meta.get("ts") or rec.dm_ts
    if channel and ts:
        blocks, text = recorded_blocks(lang)
        try:
            client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except Exception:
            log.warning("could not update a check-in DM after submit")
