"""Rounds: open one (inviting the audience), and report status. Closing is
`ballots.close_round`: a round closes when its ballot box does."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from analytics.calendar import NowPlan, describe, next_send_day
from analytics.instruments import module_of
from analytics.privacy import band
from analytics.questions import active_modules, items_for_round
from bot.context import Candor
from bot.services import ballots, people
from bot.services.errors import ServiceError
from storage import rounds as round_rows
from storage import workspaces
from storage.lease import ClockLease
from storage.models import Delivery, Round

log = logging.getLogger("candor.services")


def _check_can_open(c: Candor, team_id: str) -> None:
    with c.db.session() as s:
        workspaces.ensure(s, team_id)
        if round_rows.open_round(s, team_id) is not None:
            raise ServiceError("A round is already open. Close it with `/candor close now` first.")
        if not workspaces.audiences(s, team_id):
            raise ServiceError("There is no audience yet. Add one with `/candor audience add #channel`.")


# Long modules come at most about monthly: rotation by round number alone
# would let hand-sent rounds (counted as weekly) bring one every few days.
MODULE_GAP = timedelta(days=25)  # monthly schedules open 28 or 35 days apart


def _modules_due(s, team_id: str, bank, now: datetime) -> list[str]:
    """The modules that are on, or none while a module was asked less than
    MODULE_GAP ago (the module's turn then passes to a later round)."""
    on = active_modules(bank)
    if not on:
        return on
    for r in round_rows.closed(s, team_id, limit=200):  # newest first
        if now - r.opened_at >= MODULE_GAP:
            break
        if any(module_of(k) for k in r.question_keys or ()):
            return []
    return on


def open_round(c: Candor, team_id: str, plan=None, schedule_key: str | None = None) -> Round:
    """Open a round and queue one invitation (and one reminder) per audience member.

    `plan` (see analytics.calendar) gives each person's send and reminder
    times in UTC, from their own time zone; without one, everyone is due now.
    """
    _check_can_open(c, team_id)
    roster, invite = people.roster_and_audience(c, team_id)
    if not invite:
        raise ServiceError("Nobody to invite: the audience channels have no active people "
                           "(bots, deleted and paused people are never invited).")
    now = c.now()
    with c.db.session() as s:
        ws = workspaces.require(s, team_id)
        if round_rows.open_round(s, team_id) is not None:
            raise ServiceError("A round is already open.")
        plan = plan or NowPlan(now, ws.window_days)
        number = round_rows.next_number(s, team_id)
        workspaces.sync_bank(s, team_id)  # new items and wording reach older workspaces
        bank = workspaces.questions(s, team_id)
        keys = items_for_round(bank, _modules_due(s, team_id, bank, now), number,
                               ws.schedule_every, ws.max_questions)
        times = {uid: plan.times(roster[uid].tz or ws.default_tz) for uid in invite}
        rnd = Round(team_id=team_id, number=number, status="open", opened_at=now,
                    closes_at=max(t.closes for t in times.values()), schedule_key=schedule_key,
                    question_keys=keys,
                    invited=len(invite), published=[])
        invitations: list[Delivery] = []
        teams: dict[str, int] = {}
        for uid, label in invite.items():
            tm = times[uid]
            invitations.append(Delivery(team_id=team_id, user_id=uid, team_label=label,
                                        kind="prompt", status="pending", send_after=tm.send,
                                        attempts=0))
            if ws.reminder_on and tm.remind is not None:
                invitations.append(Delivery(team_id=team_id, user_id=uid, team_label=label,
                                            kind="reminder", status="pending",
                                            send_after=tm.remind, attempts=0))
            teams[label] = teams.get(label, 0) + 1
        round_rows.add(s, rnd, invitations, teams)
    log.info("round %s opened with %s invitations", rnd.number, len(invite))
    return rnd


def send_now(c: Candor, team_id: str) -> str:
    rnd = open_round(c, team_id)
    return (f"Round {rnd.number} is open: {rnd.invited} people will get a check-in by DM "
            f"in the next few moments. It closes {rnd.closes_at:%A %d %B at %H:%M} UTC. "
            "See progress with `/candor status`.")


def close_now(c: Candor, team_id: str) -> str:
    rnd = ballots.close_round(c, team_id)
    return (f"Round {rnd.number} is closed. No more answers are accepted, and its sealed "
            "ballots have been opened into results.")


# -- status ----------------------------------------------------------------------

def _open_round_lines(c: Candor, s, rnd: Round) -> list[str]:
    answered = c.box.responses_so_far(s, rnd.id)
    prog = round_rows.delivery_progress(s, rnd.id)
    failed = prog.get("failed", 0)
    waiting = prog.get("pending", 0) + prog.get("sending", 0)
    lines = [
        f"*Round {rnd.number} is open* (since {rnd.opened_at:%Y-%m-%d}, closes "
        f"{rnd.closes_at:%Y-%m-%d %H:%M} UTC).",
        f"Invited: {rnd.invited}. Delivered: {prog.get('sent', 0)}, waiting: {waiting}, "
        f"failed: {failed}.",
        # Exact counts while a round is open would let anyone watching
        # who clicked when work out who answered; a band does not.
        f"Responses so far: {band(answered)} (shown as a band while the round is open).",
    ]
    if failed:
        lines.append("Failed deliveries: " + "; ".join(
            f"{n}× {e}" for e, n in round_rows.delivery_failures(s, rnd.id)))
    return lines


def status_text(c: Candor, team_id: str) -> str:
    with c.db.session() as s:
        ws = workspaces.ensure(s, team_id)
        rnd = round_rows.open_round(s, team_id)
        if rnd is None:
            last = round_rows.last(s, team_id)
            lines = ["*No round is open.*" + (
                f" The last one (round {last.number}) closed {last.closed_at:%Y-%m-%d}."
                if last else "")]
        else:
            lines = _open_round_lines(c, s, rnd)
        if ws.digest_channel is None:
            lines.append("No digest channel yet: `/candor digest channel #channel`.")
        day = next_send_day(ws, c.now())
        lines.append(f"*Schedule:* {describe(ws)}." + (
            f" Next round: {day:%A %d %B %Y}." if day else ""))
        owed = [r for r in round_rows.owed_digests(s)
                if r.team_id == team_id and r.kind == round_rows.CHECKIN]
        if owed and ws.digest_channel:
            why = f" (last try: {owed[0].digest_error})" if owed[0].digest_error else ""
            lines.append(f":hourglass: The digest of round {owed[0].number} isn't posted yet"
                         f"{why}. The clock retries it until it is posted, once.")
        if round_rows.unscrubbed(s):
            lines.append(":warning: The database still holds sealed data of a closed round "
                         "(another connection keeps SQLite's WAL open). The clock retries "
                         "every 15 s; close long-running readers or backups of the file.")
    if not ClockLease(c.db, c.now).holder_alive():
        lines.append(":warning: No clock process is running, so nothing is being sent. "
                     "Start `candor clock` (see the README's deploy section).")
    return "\n".join(lines)
