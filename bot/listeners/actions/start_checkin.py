"""The DM's **Start check-in** button: open the modal (or say why not)."""

from __future__ import annotations

import logging

from bot import services
from bot.listeners._util import asker
from bot.people import lang_of
from bot.views.checkin import checkin_modal, refusal_modal
from storage import repository as repo

log = logging.getLogger("candor.actions")


def _round_id(body: dict) -> int | None:
    try:
        rid = int(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return rid if 0 < rid < 2**31 else None


def start_checkin(ack, body, context, client):
    ack()  # within 3 s; the trigger_id is good for 3 s too, so open promptly
    c, team, user = asker(context, body)
    trigger = body.get("trigger_id")
    rid = _round_id(body)
    if not (team and user and trigger and rid):
        return
    lang = lang_of(c, team, user)
    with c.db.session() as s:
        rnd = repo.get_round(s, team, rid)
        invited = rnd is not None and repo.invitation(s, rid, user) is not None
        qs = {q.key: q for q in repo.questions(s, team)}
        keys = list(rnd.question_keys) if rnd else []
        status = rnd.status if rnd else None
    if not invited:
        view = refusal_modal(lang, "not_invited")
    elif status != "open":
        view = refusal_modal(lang, "closed")
    elif services.has_answered(c, team, rid, user):
        view = refusal_modal(lang, "already")
    else:
        container = body.get("container") or {}
        meta = {"r": rid, "c": container.get("channel_id") or (body.get("channel") or {}).get("id"),
                "ts": container.get("message_ts")}
        view = checkin_modal(lang, [qs[k] for k in keys if k in qs], meta)
    client.views_open(trigger_id=trigger, view=view)
