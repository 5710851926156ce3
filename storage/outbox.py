"""Outbox rows (deliveries): which invitations are due, and each row's moves
pending -> sending -> sent | done | failed.

Every move is one UPDATE of one row by id; the claim is conditional on the
row still being "pending", so two senders can never both claim it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Delivery, Round


def due_ids(s: Session, now: datetime, limit: int, team_id: str | None = None) -> list[int]:
    """Ids of pending rows of open rounds whose time has come, oldest first."""
    q = (select(Delivery.id).join(Round, Round.id == Delivery.round_id)
         .where(Delivery.status == "pending", Delivery.send_after <= now,
                Round.status == "open")
         .order_by(Delivery.send_after, Delivery.id).limit(limit))
    if team_id:
        q = q.where(Delivery.team_id == team_id)
    return list(s.scalars(q))


def by_id(s: Session, delivery_id: int) -> Delivery | None:
    return s.get(Delivery, delivery_id)


def claim(s: Session, delivery_id: int, now: datetime) -> bool:
    """pending -> sending, counting the attempt; False if the row was not
    pending any more (another sender won it)."""
    return bool(s.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending")
        .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
    ).rowcount)


def still_claimed(s: Session, delivery_id: int, claimed_at: datetime) -> bool:
    """Whether the row is still in "sending" under this very claim."""
    return s.scalar(select(Delivery.id).where(
        Delivery.id == delivery_id, Delivery.status == "sending",
        Delivery.claimed_at == claimed_at)) is not None


def _set(s: Session, delivery_id: int, **values) -> None:
    s.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


def mark_sent(s: Session, delivery_id: int, channel: str | None, ts: str | None) -> None:
    _set(s, delivery_id, status="sent", channel=channel, ts=ts, last_error=None)


def mark_unconfirmed(s: Session, delivery_id: int, error: str, now: datetime) -> None:
    """Stays "sending"; `claimed_at` restarts the wait before recovery checks it."""
    _set(s, delivery_id, last_error=error[:200], claimed_at=now)


def mark_failed_or_retry(s: Session, delivery_id: int, error: str, *, final: bool,
                         retry_at: datetime) -> None:
    _set(s, delivery_id, status="failed" if final else "pending", last_error=error[:200],
         send_after=retry_at)


def sending_rows(s: Session, claimed_before: datetime | None = None,
                 team_id: str | None = None) -> list[Delivery]:
    """Rows left in "sending", optionally only those claimed before a time,
    or of one workspace."""
    q = select(Delivery).where(Delivery.status == "sending")
    if claimed_before is not None:
        q = q.where(Delivery.claimed_at < claimed_before)
    if team_id is not None:
        q = q.where(Delivery.team_id == team_id)
    return list(s.scalars(q))


def teams_with_work(s: Session, now: datetime) -> list[str]:
    """Workspaces with rows due now (open rounds) or left in "sending": what
    the clocks share between them (bot/processes/sharing.py)."""
    due = (select(Delivery.team_id).join(Round, Round.id == Delivery.round_id)
           .where(Delivery.status == "pending", Delivery.send_after <= now,
                  Round.status == "open"))
    sending = select(Delivery.team_id).where(Delivery.status == "sending")
    return sorted(set(s.scalars(due.distinct())) | set(s.scalars(sending.distinct())))


def mark_found(s: Session, d: Delivery, channel: str, ts: str) -> None:
    """Recovery found the message in the DM: the row ends exactly as if the
    send had been confirmed, error cleared."""
    mark_sent(s, d.id, channel, ts)


def give_up(s: Session, delivery_id: int) -> None:
    _set(s, delivery_id, status="failed")


def requeue(s: Session, delivery_id: int) -> None:
    _set(s, delivery_id, status="pending")
