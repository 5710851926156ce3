"""Stay and exit pulses (`/candor pulse`): anonymous open questions about why
people stay and why they leave. A pulse is a round of its own kind: the same
one-time tickets, sealed ballots and close as a check-in, but one required
open answer, held to the *comment* threshold and shown organisation-wide.

- A stay pulse asks everyone in the audience one seed question, rotating.
- An exit pool collects one-off check-ins that an admin offers to people who
  are leaving; candor sends them, not the admin. An offer can be answered
  for OFFER_DAYS (its ticket says until when). A pool opens when its last
  offer has run out, if at least the comment threshold answered; otherwise
  it waits, sealed, for more offers. Which pool an offer joins, and when a
  pool can open, depend on offers alone, never on when anyone answered.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.context import Candor
from bot.i18n import t
from bot.services import ballots, people
from bot.services.errors import Invalid, ServiceError
from bot.slackapi import directory
from bot.slackapi.directory import is_invitable
from storage import pulses as pulse_rows
from storage import rounds as round_rows
from storage import workspaces
from storage.models import Delivery, Round
from storage.pulses import OFFER_DAYS

log = logging.getLogger("candor.services")

STAY_SEEDS = ("why_stay", "draw_away", "almost_not_join")
EXIT_SEED = "exit"
# A pool takes this many times the comment threshold in offers, then the
# next leaver starts a new pool: enough that it fills even if a third answer.
OFFERS_PER_POOL = 3
USAGE = ("`/candor pulse stay`, `/candor pulse close`, `/candor pulse exit @person` or "
         "`/candor pulse`")


def _round(team_id: str, kind: str, number: int, seed: str, now, closes, invited: int) -> Round:
    return Round(team_id=team_id, kind=kind, number=number, seed=seed, status="open",
                 opened_at=now, closes_at=closes, question_keys=[], invited=invited,
                 published=[])


def _invitation(team_id: str, user_id: str, now) -> Delivery:
    return Delivery(team_id=team_id, user_id=user_id, team_label=pulse_rows.PULSE_LABEL,
                    kind="prompt", status="pending", send_after=now, attempts=0)


def open_stay(c: Candor, team_id: str) -> str:
    """Invite the whole audience, now, to one open question."""
    with c.db.session() as s:
        workspaces.ensure(s, team_id)
        if round_rows.open_round(s, team_id, kind="stay") is not None:
            raise ServiceError("A stay pulse is already open. Close it early with "
                               "`/candor pulse close`.")
    _, invite = people.roster_and_audience(c, team_id)
    if not invite:
        raise ServiceError("Nobody to invite: the audience channels have no active people. "
                           "Add one with `/candor audience add #channel`.")
    now = c.now()
    with c.db.session() as s:
        ws = workspaces.require(s, team_id)
        if round_rows.open_round(s, team_id, kind="stay") is not None:
            raise ServiceError("A stay pulse is already open.")
        number = round_rows.next_number(s, team_id, "stay")
        seed = STAY_SEEDS[(number - 1) % len(STAY_SEEDS)]
        rnd = _round(team_id, "stay", number, seed, now, now + timedelta(days=ws.window_days),
                     len(invite))
        round_rows.add(s, rnd, [_invitation(team_id, uid, now) for uid in invite],
                       {pulse_rows.PULSE_LABEL: len(invite)})
        k = ws.min_comment_n
    log.info("stay pulse %s opened with %s invitations", number, len(invite))
    return (f"Stay pulse {number} is open: {len(invite)} people will get one anonymous "
            f"question by DM: _{_question(seed)}_ It closes {rnd.closes_at:%A %d %B at %H:%M} "
            f"UTC. Answers are posted to the digest channel then, only if {k} or more people "
            "answered. Close it early with `/candor pulse close`.")


def _question(seed: str) -> str:
    return t("en", f"pulse.seed.{seed}")


def close_stay(c: Candor, team_id: str) -> str:
    with c.db.session() as s:
        rnd = round_rows.open_round(s, team_id, kind="stay")
        rid = rnd.id if rnd else None
    if rid is None:
        raise ServiceError("No stay pulse is open. Start one with `/candor pulse stay`.")
    rnd = ballots.close_round(c, team_id, rid)
    return (f"Stay pulse {rnd.number} is closed. Its answers are posted to the digest "
            "channel if enough people answered; otherwise they were destroyed unopened.")


def _leaver(c: Candor, team_id: str, admin: str, user: str):
    """The person to offer an exit check-in to, checked."""
    if user == admin:
        raise Invalid("You can't offer the exit check-in to yourself; another admin can.",
                      None, USAGE)
    with c.db.session() as s:
        person = workspaces.person(s, team_id, user)
    if person is None:  # not in the cached roster: maybe new since the last round
        person = people.refresh_roster(c, team_id).get(user)
    if person is not None and person.active:
        # Asked afresh: someone leaving is often deactivated after the roster
        # was cached, and a DM to them would fail while the offer still counted.
        try:
            person = person if is_invitable(directory.user(c.client_for(team_id), user)) \
                else None
        except SlackApiError:
            person = None
    if person is None or not person.active:
        raise Invalid("I can't find that person among this workspace's active members "
                      "(bots and deactivated accounts can't be offered one).", None, USAGE)
    if people.is_paused(c, team_id, user):
        raise ServiceError("That person has paused candor, so I won't message them.")
    return person


def offer_exit(c: Candor, team_id: str, admin: str, user: str) -> str:
    """DM `user` a one-off anonymous exit check-in, in the open pool that is
    still filling (or a new one)."""
    _leaver(c, team_id, admin, user)
    now = c.now()
    with c.db.session() as s:
        ws = workspaces.require(s, team_id)
        k = ws.min_comment_n
        if pulse_rows.was_offered(s, team_id, user):
            raise ServiceError(f"<@{user}> already has an exit check-in waiting; it is sent "
                               "once.")
        pools = pulse_rows.open_pools(s, team_id)
        # Which pool an offer joins depends on offers alone, never on answers
        # (or the pools' members would bracket when someone answered).
        pool = next((p for p in pools if p.invited < OFFERS_PER_POOL * k), None)
        offer = _invitation(team_id, user, now)
        if pool is None:
            number = round_rows.next_number(s, team_id, "exit")
            pool = _round(team_id, "exit", number, EXIT_SEED, now, now + OFFER_DAYS, 1)
            round_rows.add(s, pool, [offer], {pulse_rows.PULSE_LABEL: 1})
        else:
            pulse_rows.add_offer(s, pool, offer, now + OFFER_DAYS)
    log.info("exit check-in offered")
    return (f"candor will DM <@{user}> an anonymous exit check-in now; they can answer for "
            f"{OFFER_DAYS.days} days. Their answer is sealed and pooled with other leavers' "
            f"answers, and the pool is posted to the digest channel only once {k} or more "
            "have answered, however long that takes. Nobody, you included, is told whether "
            "they answered.")


def status_text(c: Candor, team_id: str) -> str:
    with c.db.session() as s:
        ws = workspaces.ensure(s, team_id)
        k = ws.min_comment_n
        stay = round_rows.open_round(s, team_id, kind="stay")
        pools = pulse_rows.open_pools(s, team_id)
        offered = sum(p.invited for p in pools)
        since = min((p.opened_at for p in pools), default=None)
        done = pulse_rows.closed_pulses(s, team_id, limit=3)
    lines = ["*Pulses*"]
    lines.append(f"• Stay pulse {stay.number} is open until {stay.closes_at:%Y-%m-%d %H:%M} UTC."
                 if stay else "• No stay pulse is open. `/candor pulse stay` starts one.")
    # No answer count for exit pools, not even a band: offers are few, so any
    # count would tell the admin whether the person they just offered answered.
    lines.append(f"• Exit check-ins: {offered} offered since {since:%Y-%m-%d}, sealed until "
                 f"{k} or more have answered." if pools else
                 "• No exit check-ins are waiting. `/candor pulse exit @person` offers one.")
    lines += [f"• Closed: {r.kind} pulse {r.number} on {r.closed_at:%Y-%m-%d}"
              + (" (too few answers: destroyed unopened)" if r.unopened else "") for r in done]
    return "\n".join(lines)
