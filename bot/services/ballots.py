"""Ballots: what the check-in form asks, recording an answer (validate,
scrub, seal), and closing the round's ballot box, which posts its digest.

A ballot is found by its ticket (see storage/ballot_box.py), never by who
sent it: nothing here takes, stores or logs a user id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from analytics.questions import Question
from bot.blocks.checkin import COMMENT_MAX
from bot.context import Candor
from bot.services import digests, people
from bot.services.errors import (
    AlreadyAnswered,
    InvalidBallot,
    NotInvited,
    RoundClosed,
    ServiceError,
)
from bot.services.settings import resources_text
from storage import rounds, workspaces
from storage.ballot_box import BadTicket, Ballot, Ticket, comment_fits
from storage.models import Round

log = logging.getLogger("candor.services")


def validate_ballot(question_keys: list[str], scales: dict[str, object],
                    answers: dict[str, int | None], comment: str | None,
                    required: set[str]) -> dict[str, int]:
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for key in question_keys:
        v = answers.get(key)
        if v is None:
            if key in required:
                errors[key] = "modal.required"
            continue
        try:
            clean[key] = scales[key].validate(int(v))
        except (TypeError, ValueError):
            errors[key] = "modal.required"
    if comment is not None:
        if not _storable(comment):
            errors["comment"] = "modal.comment_unreadable"
        elif len(comment) > COMMENT_MAX or not comment_fits(comment):
            errors["comment"] = "modal.comment_too_long"
    if errors:
        raise InvalidBallot(errors)
    return clean


def _storable(text: str) -> bool:
    """Text every database and JSON encoder can keep (no lone surrogates, no NUL)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _ticket(c: Candor, team_id: str, token: str | None) -> Ticket:
    try:
        return c.box.read_ticket(token)
    except BadTicket:
        raise NotInvited(None) from None


@dataclass(frozen=True)
class CheckinForm:
    """What the Start check-in button should open: the questions, or why not."""

    refusal: str | None  # "not_invited", "closed" or "already"; None to answer
    questions: list[Question]


def checkin_form(c: Candor, team_id: str, token: str | None) -> CheckinForm:
    try:
        ticket = _ticket(c, team_id, token)
    except NotInvited:
        return CheckinForm("not_invited", [])
    with c.db.session() as s:
        rnd = rounds.get(s, team_id, ticket.round_id)
        if rnd is None:
            return CheckinForm("not_invited", [])
        if rnd.status != "open":
            return CheckinForm("closed", [])
        if c.box.is_spent(s, ticket):
            return CheckinForm("already", [])
        qs = {q.key: q for q in workspaces.questions(s, team_id)}
        return CheckinForm(None, [qs[k] for k in rnd.question_keys if k in qs])


def record_ballot(c: Candor, team_id: str, token: str | None,
                  answers: dict[str, int | None], comment: str | None) -> None:
    """Spend the ticket and seal the answers. Raises RoundClosed,
    AlreadyAnswered, NotInvited, InvalidBallot; database errors propagate
    untouched so the caller can tell the clinician nothing was saved."""
    ticket = _ticket(c, team_id, token)
    with c.db.session() as s:
        rnd = rounds.get(s, team_id, ticket.round_id)
        if rnd is None:
            raise NotInvited(ticket.round_id)
        if rnd.status != "open":
            raise RoundClosed(ticket.round_id)
        if c.box.is_spent(s, ticket):  # say so before nit-picking the form
            raise AlreadyAnswered(ticket.round_id)
        qs = {q.key: q for q in workspaces.questions(s, team_id)}
        keys = [k for k in rnd.question_keys if k in qs]
        clean = validate_ballot(keys, {k: qs[k].scale for k in keys}, answers, comment,
                                set(keys))
    text = (comment or "").strip()
    # Fetched with or without a comment, so a comment changes nothing observable.
    scrubber = people.scrubber(c, team_id)
    scrubbed = scrubber.scrub(text) if text else None
    with c.db.session() as s:
        c.box.cast(s, ticket, Ballot(ticket.team_label, clean, scrubbed or None))
    log.info("ballot sealed")


def support_resources(c: Candor, team_id: str, lang: str = "en") -> str:
    """The support text every thank-you shows (the same for everyone who
    reads that language, so its size says nothing about the answers)."""
    with c.db.session() as s:
        return resources_text(workspaces.require(s, team_id), lang)


def dm_receipts(c: Candor, team_id: str) -> bool:
    """Whether the invitation DM is edited to say "recorded" after a submit
    (opt-in: the edit tells anyone with the workspace export who answered)."""
    with c.db.session() as s:
        ws = workspaces.get(s, team_id)
        return bool(ws and ws.dm_receipts)


def close_round(c: Candor, team_id: str, round_id: int | None = None) -> Round:
    """Close the round, open its sealed ballots, then post its digest."""
    with c.db.session() as s:
        rnd = (rounds.get(s, team_id, round_id) if round_id
               else rounds.open_round(s, team_id))
        if rnd is None or rnd.status != "open":
            raise ServiceError("There is no open round to close.")
        if not rounds.mark_closed(s, rnd.id, c.now()):
            raise ServiceError("That round has already closed.")
        k = workspaces.require(s, team_id).min_score_n
        opened = c.box.close(s, rnd, k)
        rounds.drop_unsent(s, rnd.id)
        rounds.mark_unopened(s, rnd.id, opened.destroyed)
    scrub_residue(c)
    log.info("round closed", extra={"round": rnd.number})
    digests.post_after_close(c, team_id, rnd.id)
    return rnd


def scrub_residue(c: Candor) -> int:
    """Have the engine drop what it still holds of closed rounds' sealed
    ballots and spent tickets; returns how many rounds still wait (the clock
    retries every lifecycle tick, and `/candor status` warns meanwhile)."""
    with c.db.session() as s:
        waiting = rounds.unscrubbed(s)
    if not waiting:
        return 0
    if not c.db.forget_free_space():
        return len(waiting)
    with c.db.session() as s:
        rounds.mark_scrubbed(s, waiting, c.now())
    return 0
