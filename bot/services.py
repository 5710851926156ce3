"""The service layer: open a round, record a ballot, close a round, status.

Entrypoints stay thin and call these; these call storage and Slack.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from analytics.privacy import band
from analytics.questions import pick_for_round
from analytics.scoring import needs_support
from bot import roster
from bot.context import Candor
from bot.views.checkin import COMMENT_MAX
from storage import repository as repo
from storage.ballot_box import AlreadyAnswered, Ballot, RoundClosed
from storage.keys import new_round_salt
from storage.models import Delivery, Participation, Round, TeamCount

log = logging.getLogger("candor.services")


class ServiceError(Exception):
    """A refusal with a message fit to show the person who asked."""


class NotInvited(Exception):
    pass


class InvalidBallot(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid ballot")
        self.errors = errors  # question key (or "comment") -> catalog key


# -- rounds ----------------------------------------------------------------------

def open_round(c: Candor, team_id: str, plan=None, schedule_key: str | None = None) -> Round:
    """Open a round and queue one invitation (and one reminder) per audience member.

    `plan` (see bot.schedule) gives each person's send and reminder times in
    UTC, from their own time zone; without one, everyone is due now.
    """
    from bot.schedule import NowPlan

    with c.db.session() as s:
        repo.workspace(s, team_id)
        if repo.open_round(s, team_id) is not None:
            raise ServiceError("A round is already open. Close it with `/candor close now` first.")
        if not repo.audiences(s, team_id):
            raise ServiceError("There is no audience yet. Add one with `/candor audience add #channel`.")
    people = roster.refresh_roster(c, team_id)
    invite = roster.audience(c, team_id, people)
    if not invite:
        raise ServiceError("Nobody to invite: the audience channels have no active people "
                           "(bots, deleted and paused people are never invited).")
    now = c.now()
    with c.db.session() as s:
        ws = repo.workspace(s, team_id)
        if repo.open_round(s, team_id) is not None:
            raise ServiceError("A round is already open.")
        plan = plan or NowPlan(now, ws.window_days)
        number = repo.next_round_number(s, team_id)
        qs = pick_for_round(repo.questions(s, team_id), number, ws.max_questions)
        times = {uid: plan.times(people[uid].tz or ws.default_tz) for uid in invite}
        closes = max(t.closes for t in times.values())
        rnd = Round(team_id=team_id, number=number, status="open", opened_at=now,
                    closes_at=closes, schedule_key=schedule_key, salt=new_round_salt(),
                    question_keys=[q.key for q in qs], invited=len(invite), published=[])
        s.add(rnd)
        s.flush()
        teams: dict[str, int] = {}
        for uid, label in invite.items():
            tm = times[uid]
            s.add(Delivery(team_id=team_id, round_id=rnd.id, user_id=uid, team_label=label,
                           kind="prompt", status="pending", send_after=tm.send, attempts=0))
            if ws.reminder_on and tm.remind is not None:
                s.add(Delivery(team_id=team_id, round_id=rnd.id, user_id=uid, team_label=label,
                               kind="reminder", status="pending", send_after=tm.remind,
                               attempts=0))
            teams[label] = teams.get(label, 0) + 1
        for label, n in teams.items():
            s.add(TeamCount(team_id=team_id, round_id=rnd.id, team_label=label, invited=n, ballots=0))
    log.info("round %s opened with %s invitations", rnd.number, len(invite))
    return rnd


def close_round(c: Candor, team_id: str, round_id: int | None = None) -> Round:
    with c.db.session() as s:
        rnd = repo.get_round(s, team_id, round_id) if round_id else repo.open_round(s, team_id)
        if rnd is None or rnd.status != "open":
            raise ServiceError("There is no open round to close.")
        # Taking the row first serialises with any ballot being cast right now.
        done = s.execute(update(Round).where(Round.id == rnd.id, Round.status == "open")
                         .values(status="closed", closed_at=c.now())).rowcount
        if not done:
            raise ServiceError("That round has already closed.")
        c.box.close(s, rnd)
        # Invitations not yet sent would only lead to a closed round.
        s.execute(update(Delivery).where(Delivery.round_id == rnd.id, Delivery.kind == "prompt",
                                         Delivery.status == "pending")
                  .values(status="skipped", last_error="round closed before sending"))
        # Reminder rows are operational only; gone at close, so nothing in the
        # outbox can hint at who had answered.
        s.execute(delete(Delivery).where(Delivery.round_id == rnd.id, Delivery.kind == "reminder"))
    c.db.forget_free_space()
    log.info("round closed", extra={"round": rnd.number})
    for hook in c.on_close:
        try:
            hook(c, team_id, rnd.id)
        except Exception:  # a failed digest must not undo a close
            log.exception("after-close hook failed")
    return rnd


# -- ballots ---------------------------------------------------------------------

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
        rnd = repo.get_round(s, team_id, round_id)
        if rnd is None:
            raise NotInvited(round_id)
        if rnd.status != "open":
            raise RoundClosed(round_id)
        inv = repo.invitation(s, round_id, user_id)
        if inv is None:
            raise NotInvited(round_id)
        if c.box.has_answered(s, rnd, user_id):  # say so before nit-picking the form
            raise AlreadyAnswered(round_id)
        qs = {q.key: q for q in repo.questions(s, team_id)}
        keys = [k for k in rnd.question_keys if k in qs]
        clean = validate_ballot(keys, {k: qs[k].scale for k in keys}, answers, comment,
                                {k for k in keys})
        team_label, dm = inv.team_label, (inv.channel, inv.ts)
    text = (comment or "").strip()
    scrubbed = roster.scrubber(c, team_id).scrub(text) if text else None
    with c.db.session() as s:
        c.box.cast(s, round_id, user_id, Ballot(team_label, clean, scrubbed or None))
    # Deliberately no user id here: this line sits next to a ballot.
    log.info("ballot sealed", extra={"round_id": round_id})
    return Recorded(any(needs_support(k, v) for k, v in clean.items()), *dm)


def has_answered(c: Candor, team_id: str, round_id: int, user_id: str) -> bool:
    with c.db.session() as s:
        rnd = repo.get_round(s, team_id, round_id)
        return bool(rnd) and c.box.has_answered(s, rnd, user_id)


# -- status ----------------------------------------------------------------------

def status_text(c: Candor, team_id: str) -> str:
    with c.db.session() as s:
        ws = repo.workspace(s, team_id)
        rnd = repo.open_round(s, team_id)
        lines = []
        if rnd is None:
            last = repo.last_round(s, team_id)
            lines.append("*No round is open.*" + (
                f" The last one (round {last.number}) closed {last.closed_at:%Y-%m-%d}." if last else ""))
        else:
            answered = s.scalar(select(func.count()).where(Participation.round_id == rnd.id)) or 0
            prog = repo.delivery_progress(s, rnd.id)
            sent = prog.get("sent", 0)
            failed = prog.get("failed", 0)
            waiting = prog.get("pending", 0) + prog.get("sending", 0)
            lines += [
                f"*Round {rnd.number} is open* (since {rnd.opened_at:%Y-%m-%d}, closes "
                f"{rnd.closes_at:%Y-%m-%d %H:%M} UTC).",
                f"Invited: {rnd.invited}. Delivered: {sent}, waiting: {waiting}, failed: {failed}.",
                # Exact counts while a round is open would let anyone watching
                # who clicked when work out who answered; a band does not.
                f"Responses so far: {band(answered)} (shown as a band while the round is open).",
            ]
            if failed:
                errs = s.execute(select(Delivery.last_error, func.count()).where(
                    Delivery.round_id == rnd.id, Delivery.status == "failed")
                    .group_by(Delivery.last_error)).all()
                lines.append("Failed deliveries: " + "; ".join(f"{n}× {e}" for e, n in errs))
        if ws.digest_channel is None:
            lines.append("No digest channel yet: `/candor digest channel #channel`.")
        from bot.schedule import describe, next_send_day

        day = next_send_day(ws, c.now())
        lines.append(f"*Schedule:* {describe(ws)}." + (
            f" Next round: {day:%A %d %B %Y}." if day else ""))
    from bot.lease import ClockLease

    if not ClockLease(c.db, c.now).holder_alive():
        lines.append(":warning: No clock process is running, so nothing is being sent. "
                     "Start `candor clock` (see the README's deploy section).")
    return "\n".join(lines)
