"""Stay and exit pulses: rounds of kind "stay" or "exit" (see Round.kind).
Their tickets, sealed ballots, close and owed post are the check-in's own
(storage.ballot_box, storage.rounds); this module holds what only pulses do.
Every function is scoped to one workspace."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import Delivery, Round, TeamCount

# The one team label of every pulse ballot, delivery and count: pulse answers
# are shown organisation-wide only, so nothing stored narrows them to a team.
PULSE_LABEL = "(everyone)"
# How long a leaver can answer an exit offer; its ticket carries the end.
OFFER_DAYS = timedelta(days=14)


def open_pools(s: Session, team_id: str) -> list[Round]:
    """Open exit pools, newest first."""
    return list(s.scalars(select(Round).where(Round.team_id == team_id, Round.kind == "exit",
                                              Round.status == "open")
                          .order_by(Round.number.desc())))


def was_offered(s: Session, team_id: str, user_id: str) -> bool:
    """Whether this person already has an exit offer in an open pool."""
    return s.scalar(select(Delivery.id).join(Round, Round.id == Delivery.round_id).where(
        Round.team_id == team_id, Round.kind == "exit", Round.status == "open",
        Delivery.user_id == user_id).limit(1)) is not None


def add_offer(s: Session, rnd: Round, offer: Delivery, until: datetime) -> None:
    """One more leaver invited to an open pool: its invited count grows, and
    the pool is next looked at when this offer has run out (`until`, later
    than any earlier offer's end)."""
    offer.round_id = rnd.id
    s.add(offer)
    s.execute(update(Round).where(Round.id == rnd.id).values(
        invited=Round.invited + 1, closes_at=until))
    s.execute(update(TeamCount).where(TeamCount.round_id == rnd.id,
                                      TeamCount.team_label == PULSE_LABEL)
              .values(invited=TeamCount.invited + 1))


def offer_span(s: Session, round_id: int) -> tuple[datetime | None, datetime | None]:
    """When a pool's first and last offers were made (the stated pooling)."""
    return tuple(s.execute(select(func.min(Delivery.send_after), func.max(Delivery.send_after))
                           .where(Delivery.round_id == round_id)).one())


def closed_pulses(s: Session, team_id: str, limit: int = 5) -> list[Round]:
    """The latest closed pulses of either kind, newest first."""
    return list(s.scalars(select(Round).where(Round.team_id == team_id, Round.kind != "checkin",
                                              Round.status == "closed")
                          .order_by(Round.closed_at.desc()).limit(limit)))
