"""Ballots: what the check-in form asks, recording an answer (validate,
scrub, seal), and closing the round's ballot box, which posts its digest.

A ballot is found by its ticket (see storage/ballot_box.py), never by who
sent it: nothing here takes, stores or logs a user id.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from analytics.instruments import derived_scores
from analytics.questions import Question
from analytics.segments import clean_role, clean_tenure
from bot.blocks.checkin import COMMENT_MAX, Pulse, SegmentAsk
from bot.context import Candor, epoch
from bot.services import digests, people
from bot.services.errors import (
    AlreadyAnswered,
    DatabaseError,
    InvalidBallot,
    NotInvited,
    RoundClosed,
    ServiceError,
)
from bot.services.settings import resources_text
from storage import rounds, workspaces
from storage.ballot_box import (
    BadTicket,
    Ballot,
    BallotTooLarge,
    Ticket,
    comment_fits,
)
from storage.ballot_deposit import ANY_ROSTER, NoWorkspace, Stale, ticket_state
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
        ticket = c.box.read_ticket(token)
    except BadTicket:
        raise NotInvited(None) from None
    if ticket.expires is not None and epoch(c.now()) > ticket.expires:
        raise RoundClosed(ticket.round_id)  # an exit offer that has run out
    return ticket


@dataclass(frozen=True)
class RoundForm:
    """What a round asks, fixed when it opens (`rounds.question_keys`), so a
    process keeps it per round id instead of reading it on every submit."""

    team_id: str
    questions: list[Question]
    opened_at: datetime
    pulse: Pulse | None = None  # a pulse asks one open question, required

    @property
    def keys(self) -> list[str]:
        return [q.key for q in self.questions]


_FORMS = "round_form"  # c.cache key: round id -> RoundForm
_FORMS_MAX = 256  # rounds open at once in one process, with room to spare


def _round_form(c: Candor, team_id: str, round_id: int) -> RoundForm:
    """The round's questions, read once per process. Raises NotInvited (no
    such round in this workspace) or RoundClosed (closed when first read)."""
    forms = c.cache.setdefault(_FORMS, {})
    form = forms.get(round_id)
    if form is None:
        with c.db.session() as s:
            rnd = rounds.get(s, team_id, round_id, kind=None)
            if rnd is None:
                raise NotInvited(round_id)
            if rnd.status != "open":
                raise RoundClosed(round_id)
            qs = {q.key: q for q in workspaces.questions(s, team_id)}
            form = RoundForm(rnd.team_id, [qs[k] for k in rnd.question_keys if k in qs],
                             rnd.opened_at, _pulse(rnd))
        if len(forms) >= _FORMS_MAX:
            forms.clear()
        forms[round_id] = form
    if form.team_id != team_id:
        raise NotInvited(round_id)
    return form


def _forget_round(c: Candor, round_id: int) -> None:
    """A submit found the round closed: its form is no longer needed here."""
    c.cache.get(_FORMS, {}).pop(round_id, None)


def _refusal(c: Candor, ticket: Ticket) -> Exception | None:
    """Why this ticket can't be answered any more, if it can't."""
    with c.db.transaction() as conn:
        state = ticket_state(conn, ticket.round_id, ticket.spent_mark)
    if state == "closed":
        _forget_round(c, ticket.round_id)
        return RoundClosed(ticket.round_id)
    return AlreadyAnswered(ticket.round_id) if state == "spent" else None


@dataclass(frozen=True)
class CheckinForm:
    """What the Start check-in button should open: the questions, or why not."""

    refusal: str | None  # "not_invited", "closed" or "already"; None to answer
    questions: list[Question]
    ask: SegmentAsk = SegmentAsk()  # the voluntary role and tenure questions
    pulse: Pulse | None = None


def _pulse(rnd: Round) -> Pulse | None:
    return Pulse(rnd.kind, rnd.seed or "") if rnd.kind != rounds.CHECKIN else None


def checkin_form(c: Candor, team_id: str, token: str | None) -> CheckinForm:
    # Read afresh on every click (the ack is already sent): the modal shows
    # the questions' current wording.
    try:
        ticket = _ticket(c, team_id, token)
    except NotInvited:
        return CheckinForm("not_invited", [])
    except RoundClosed:
        return CheckinForm("closed", [])
    with c.db.session() as s:
        rnd = rounds.get(s, team_id, ticket.round_id, kind=None)
        if rnd is None:
            return CheckinForm("not_invited", [])
        if rnd.status != "open":
            return CheckinForm("closed", [])
        if c.box.is_spent(s, ticket):
            return CheckinForm("already", [])
        if rnd.kind != rounds.CHECKIN:  # a pulse: its open question, nothing else
            return CheckinForm(None, [], pulse=_pulse(rnd))
        qs = {q.key: q for q in workspaces.questions(s, team_id)}
        ws = workspaces.require(s, team_id)
        ask = SegmentAsk(bool(ws.ask_role), bool(ws.ask_tenure), ws.role_labels or None,
                         ws.min_score_n)
        return CheckinForm(None, [qs[k] for k in rnd.question_keys if k in qs], ask)


@dataclass(frozen=True)
class Thanks:
    """What the thank-you shows, read in the submit's own transaction."""

    resources: str
    receipts: bool  # edit the invitation DM to say "recorded" (opt-in)


# Deposits tried against a roster that changed under them before giving up
# (a roster is refreshed when a round opens, so a second try is already rare).
ROSTER_TRIES = 3


def _scrubber(c: Candor, team_id: str, version=ANY_ROSTER) -> tuple[object, people.Scrubber]:
    """(roster version, scrubber): this process's cached one (rebuilt off
    the request path when the roster changes), or, when the deposit found
    the roster at another `version`, one built for the current roster."""
    def cached():
        hit = c.cache.get("scrubber", {}).get(team_id)
        ok = isinstance(hit, tuple) and len(hit) == 2 and (version is ANY_ROSTER or hit[0] == version)
        return hit if ok else None

    found = cached()
    if found is not None:
        return found
    # One build at a time: when a round has just opened, the first submits
    # all miss together, and each building its own scrubber cost every one
    # of them the build (the warm-up thread runs only every 30 s).
    with c.cache.setdefault("scrubber_build", threading.Lock()):
        found = cached()
        if found is None:
            people.scrubber(c, team_id)
            found = c.cache["scrubber"][team_id]
        return found


def warm(c: Candor, team_id: str) -> None:
    """After a click has opened the modal: make sure this process holds the
    roster's scrubber before the submit arrives (a dictionary lookup once
    it does), so the first submits after a round opens don't build it."""
    try:
        _scrubber(c, team_id)
    except DatabaseError:
        pass  # the submit will build it, or say the database is down


def record_ballot(c: Candor, team_id: str, token: str | None,
                  answers: dict[str, int | None], comment: str | None,
                  lang: str = "en", segments: dict[str, str | None] | None = None) -> Thanks:
    """Spend the ticket and seal the answers; returns what the thank-you shows.
    Raises RoundClosed, AlreadyAnswered, NotInvited, InvalidBallot; database
    errors propagate untouched so the caller can tell the clinician nothing
    was saved.

    Every valid submit does the same work whatever it answers: one durable
    write that spends the ticket, stores the sealed ballot and reads the
    thank-you's facts (storage.ballot_deposit: one statement on PostgreSQL).
    The round's questions and the roster's scrubber come from per-process
    caches."""
    ticket = _ticket(c, team_id, token)
    form = _round_form(c, team_id, ticket.round_id)
    keys = form.keys
    try:
        clean = validate_ballot(keys, {q.key: q.scale for q in form.questions}, answers,
                                comment, set(keys))
    except InvalidBallot:
        # Say it's answered or closed before nit-picking the form.
        refusal = _refusal(c, ticket)
        if refusal is not None:
            raise refusal from None
        raise
    if form.pulse is not None and not (comment or "").strip():
        raise InvalidBallot({"comment": "pulse.required"})
    # Multi-item scale scores (a module's Copenhagen burnout, say) are scored
    # per respondent here, before the ballot is sealed and split into rows.
    clean = {**clean, **derived_scores(clean)}
    text = (comment or "").strip()
    # Role and tenure are voluntary: an unknown value is stored as "not
    # stated", and both are coarsened at close (analytics.segments).
    seg = segments or {}
    role, tenure = clean_role(seg.get("role")), clean_tenure(seg.get("tenure"))
    version, scrubber = _scrubber(c, team_id)
    for _ in range(ROSTER_TRIES):
        # Scrubbed with or without a comment's text, so a comment changes
        # nothing observable but the CPU of scrubbing it.
        scrubbed = scrubber.scrub(text) if text else None
        try:
            sealed = c.box.seal_ballot(Ballot(ticket.team_label, clean, scrubbed or None,
                                              role, tenure), form.opened_at)
        except BallotTooLarge:
            raise InvalidBallot({"comment": "modal.comment_too_long"}) from None
        try:
            facts = c.db.write_now(
                lambda conn, v=version, b=sealed: c.box.deposit(conn, ticket, team_id, b, v))
            break
        except Stale as e:  # nothing written: scrub against the roster as it is now
            version, scrubber = _scrubber(c, team_id, e.facts.roster_version)
        except NoWorkspace:
            raise NotInvited(ticket.round_id) from None
        except RoundClosed:
            _forget_round(c, ticket.round_id)
            raise
    else:
        raise DatabaseError("the roster kept changing during a submit; nothing was stored")
    log.info("ballot sealed")
    return Thanks(resources_text(facts, lang), bool(facts.dm_receipts))


# How often a sealed exit pool under the comment threshold is looked at again.
EXIT_REVIEW = timedelta(days=7)


def close_round(c: Candor, team_id: str, round_id: int | None = None) -> Round:
    """Close the round, open its sealed ballots, then post its digest."""
    with c.db.session() as s:
        rnd = (rounds.get(s, team_id, round_id, kind=None) if round_id
               else rounds.open_round(s, team_id))
        if rnd is None or rnd.status != "open":
            raise ServiceError("There is no open round to close.")
        ws = workspaces.require(s, team_id)
        # A pulse's answers are comments: its threshold is the comments' one.
        k = ws.min_score_n if rnd.kind == rounds.CHECKIN else ws.min_comment_n
        waits = rnd.kind == "exit" and c.box.responses_so_far(s, rnd.id) < k
        if waits:
            # An exit pool is never destroyed for being small: it waits, sealed.
            rounds.defer_close(s, rnd.id, c.now() + EXIT_REVIEW)
        else:
            if not rounds.mark_closed(s, rnd.id, c.now()):
                raise ServiceError("That round has already closed.")
            opened = c.box.close(s, rnd, k)
            rounds.drop_unsent(s, rnd.id)
            rounds.mark_unopened(s, rnd.id, opened.destroyed)
    if waits:
        raise ServiceError("The exit pool is still too small to open; it stays sealed.")
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
