"""The check-in modal's Submit: spend the ticket, seal the ballot, thank.

Every outcome is answered inside the 3-second ack: thanks, a kind refusal, or
field errors that keep the modal (and the person's answers) open. The thanks
is the same for everyone. Nothing here passes on or logs the user id: the
ballot is found by its ticket alone.
"""

from __future__ import annotations

import json
import logging

from bot.blocks.checkin import recorded_blocks, refusal_modal, thanks_modal
from bot.i18n import LANGS, t
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


def _meta(view: dict) -> dict:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, TypeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _choice(el: dict) -> int | None:
    opt = el.get("selected_option") or {}
    v = opt.get("value") if isinstance(opt, dict) else None
    # ASCII digits only: "²".isdigit() is true, but int("²") fails.
    ok = isinstance(v, str) and v.isascii() and v.lstrip("-").isdigit() and len(v) < 6
    return int(v) if ok else None


def _answers(view: dict) -> tuple[dict[str, int | None], str | None]:
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    answers: dict[str, int | None] = {}
    comment = None
    for block_id, actions in (values if isinstance(values, dict) else {}).items():
        el = actions.get("answer") if isinstance(actions, dict) else None
        if not isinstance(el, dict):
            continue
        if block_id == "comment":
            v = el.get("value")
            comment = v if isinstance(v, str) else None
        elif block_id.startswith("q_"):
            answers[block_id[2:]] = _choice(el)
    return answers, comment


def _segments(view: dict) -> dict[str, str | None]:
    """The voluntary role and tenure picks (the service keeps only known keys)."""
    values = (view.get("state") or {}).get("values") if isinstance(view.get("state"), dict) else None
    out: dict[str, str | None] = {}
    for dim in ("role", "tenure"):
        block = (values or {}).get(f"seg_{dim}") if isinstance(values, dict) else None
        el = block.get("answer") if isinstance(block, dict) else None
        opt = el.get("selected_option") if isinstance(el, dict) else None
        v = opt.get("value") if isinstance(opt, dict) else None
        out[dim] = v if isinstance(v, str) and len(v) < 20 else None
    return out


def _lang(c, team: str | None, user: str | None, meta: dict) -> str:
    """The language the modal was opened in (Start check-in puts it in the
    metadata, so a submit needn't look the person up); else the person's."""
    if meta.get("l") in LANGS:
        return meta["l"]
    try:
        return lang_of(c, team, user) if team and user else "en"
    except DatabaseError:
        return "en"  # the database is down; say so below, in English


def checkin_submitted(ack, body, context, client):
    c, team, user = asker(context, body)
    view = body.get("view") or {}
    meta = _meta(view)
    ticket = meta.get("k") if isinstance(meta.get("k"), str) else None
    lang = _lang(c, team, user, meta)
    if not (team and user and ticket):
        ack(response_action="update", view=refusal_modal(lang, "not_invited"))
        return
    answers, comment = _answers(view)
    try:
        # The thank-you's text is read in the ballot's own transaction, before
        # it commits: a fault after the ballot is stored can't ask to retry.
        thanks = ballots.record_ballot(c, team, ticket, answers, comment, lang,
                                       segments=_segments(view))
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
        # (the ballot and its spent ticket share one transaction).
        log.error("database unavailable during a submit; the clinician was asked to retry")
        ack(response_action="errors", errors={"comment": t(lang, "modal.db_down")})
        return
    ack(response_action="update", view=thanks_modal(lang, thanks.resources))
    if thanks.receipts:
        _mark_dm(client, lang, meta)


def _mark_dm(client, lang: str, meta: dict) -> None:
    """Opt-in (`/candor privacy receipts on`): edit the invitation to say so."""
    channel, ts = meta.get("c"), meta.get("ts")
    if not (isinstance(channel, str) and isinstance(ts, str)):
        return
    blocks, text = recorded_blocks(lang)
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except Exception:
        log.warning("could not update a check-in DM after submit")
