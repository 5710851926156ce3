"""Ballots: what the check-in form asks, recording an answer (validate,
scrub, seal), and closing the round's ballot box, which posts its digest."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from analytics.questions import Question
from analytics.scoring import needs_support
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
from storage.ballot_box import Ballot
from storage.models import Round

log = logging.getLogger("candor.services")


@dataclass(frozen=True)
class Recorded:
    support: bool  # show support resources in the thanks; never stored
    dm_channel: str | None
    dm_ts: str | None


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
    if comment is not None and len(comment) > COMMENT_MAX:
        errors["comment"] = "modal.comment_too_long"
    if errors:
        raise InvalidBallot(errors)
    return clean


def record_ballot(c: Candor, team_id: str, user_id: str, round_id: int,
                  answers: dict[str, int | None], comment: str | None) -> Recorded:
    """Seal one person's answers. Raises RoundClosed, AlreadyAnswered,
    NotInvited, InvalidBallot; database errors propagate untouched so the
    caller can tell the clinician nothing was saved."""
    with c.db.session() as s:
        rnd = rounds.get(s, team_id, round_id)
        if rnd is None:
            raise NotInvited(round_id)
        if rnd.status != "open":
            raise RoundClosed(round_id)
        inv = rounds.invitation(s, round_id, user_id)
        if inv is None:
            raise NotInvited(round_id)
        if c.box.has_answered(s, rnd, user_id):  # say so before nit-picking the form
            raise AlreadyAnswered(round_id)
        qs = {q.key: q for q in workspaces.questions(s, team_id)}
        keys = [k for k in rnd.question_keys if k in qs]
        clean = validate_ballot(keys, {k: qs[k].scale for k in keys}, answers, comment,
                                {k for k in keys})
        team_label, dm = inv.team_label, (inv.channel, inv.ts)
    text = (comment or "").strip()
    scrubbed = people.scrubber(c, team_id).scrub(text) if text else None
    with c.db.session() as s:
        c.box.cast(s, round_id, user_id, Ballot(team_label, clean, scrubbed or None))
    # Deliberately no user id here: this line sits next to a ballot.
    log.info("ballot sealed", extra={"round_id": round_id})
    return Recorded(any(needs_support(k, v) for k, v in clean.items()), *dm)


def has_answered(c: Candor, team_id: str, round_id: int, user_id: str) -> bool:
    with c.db.session() as s:
        rnd = rounds.get(s, team_id, round_id)
        return bool(rnd) and c.box.has_answered(s, rnd, user_id)


@dataclass(frozen=True)
class CheckinForm:
    """What the Start check-in button should open: the questions, or why not."""

    refusal: str | None  # "not_invited", "closed" or "already"; None to answer
    questions: list[Question]


def checkin_form(c: Candor, team_id: str, user_id: str, round_id: int) -> CheckinForm:
    with c.db.session() as s:
        rnd = rounds.get(s, team_id, round_id)
        if rnd is None or rounds.invitation(s, round_id, user_id) is None:
            return CheckinForm("not_invited", [])
        if rnd.status != "open":
            return CheckinForm("closed", [])
        if c.box.has_answered(s, rnd, user_id):
            return CheckinForm("already", [])
        qs = {q.key: q for q in workspaces.questions(s, team_id)}
        return CheckinForm(None, [qs[k] for k in rnd.question_keys if k in qs])


def support_resources(c: Candor, team_id: str) -> str:
    """The support text shown after a hard burnout answer."""
    with c.db.session() as s:
        return resources_text(workspaces.require(s, team_id))


def close_round(c: Candor, team_id: str, round_id: int | None = None) -> Round:
    """Close the round, open its sealed ballots, then post its digest."""
    with c.db.session() as s:
        rnd = (rounds.get(s, team_id, round_id) if round_id
               else rounds.open_round(s, team_id))
        if rnd is None or rnd.status != "open":
            raise ServiceError("There is no open round to close.")
        if not rounds.mark_closed(s, rnd.id, c.now()):
            raise ServiceError("That round has already closed.")
        c.box.close(s, rnd)
        rounds.drop_unsent(s, rnd.id)
    c.db.forget_free_space()
    log.info("round closed", extra={"round": rnd.number})
    digests.post_after_close(c, team_id, rnd.id)
    return rnd
