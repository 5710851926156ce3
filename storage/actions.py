"""Tracked actions, their status history, staff summaries and where they go.

Actions are ordinary data about leaders (owner, who committed it, when); none
of it is joined to answers. Every function is scoped to one workspace, except
the clock's cross-workspace reads (`due_for_reminder`, `summary_due_ids`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import ActionRow, ActionUpdate, Delivery, LoopSetting, Round, StaffSummary

OPEN = ("planned", "in_progress")
SUMMARY_KIND = "summary"


# -- actions ---------------------------------------------------------------------

def add(s: Session, row: ActionRow) -> ActionRow:
    s.add(row)
    s.flush()
    s.add(ActionUpdate(action_id=row.id, team_id=row.team_id, status=row.status,
                       changed_by=row.created_by, changed_at=row.created_at))
    return row


def get(s: Session, team_id: str, action_id: int) -> ActionRow | None:
    """An action only if it belongs to this workspace."""
    row = s.get(ActionRow, action_id)
    return row if row is not None and row.team_id == team_id else None


def listed(s: Session, team_id: str, *, open_only: bool = False,
           limit: int = 50) -> list[ActionRow]:
    q = select(ActionRow).where(ActionRow.team_id == team_id)
    if open_only:
        q = q.where(ActionRow.status.in_(OPEN))
    return list(s.scalars(q.order_by(ActionRow.due_on, ActionRow.id).limit(limit)))


def set_status(s: Session, team_id: str, action_id: int, status: str, by: str,
               now: datetime) -> str | None:
    """Move an action to `status`; returns the status it had (None if there is
    no such action here). Moving to the same status records nothing."""
    row = get(s, team_id, action_id)
    if row is None:
        return None
    before = row.status
    if before != status:
        row.status = status
        s.add(ActionUpdate(action_id=row.id, team_id=team_id, status=status, changed_by=by,
                           changed_at=now))
    return before


def moves_since(s: Session, team_id: str, since: datetime | None) -> dict[int, list[str]]:
    """action id -> the statuses it moved through after `since`, oldest first."""
    q = select(ActionUpdate.action_id, ActionUpdate.status).where(
        ActionUpdate.team_id == team_id)
    if since is not None:
        q = q.where(ActionUpdate.changed_at > since)
    out: dict[int, list[str]] = {}
    for aid, status in s.execute(q.order_by(ActionUpdate.changed_at, ActionUpdate.id)):
        out.setdefault(aid, []).append(status)
    return out


def due_for_reminder(s: Session, due_by: date, limit: int = 100) -> list[ActionRow]:
    """Open actions due by `due_by` whose owner hasn't been reminded."""
    return list(s.scalars(select(ActionRow).where(
        ActionRow.status.in_(OPEN), ActionRow.due_on <= due_by,
        ActionRow.reminded_at.is_(None)).order_by(ActionRow.due_on, ActionRow.id).limit(limit)))


def claim_reminder(s: Session, action_id: int, now: datetime) -> bool:
    """Take the one reminder of an action; False if someone else already did.
    A conditional UPDATE, so two clocks can never both send it."""
    return bool(s.execute(update(ActionRow).where(
        ActionRow.id == action_id, ActionRow.reminded_at.is_(None))
        .values(reminded_at=now)).rowcount)


def release_reminder(s: Session, action_id: int) -> None:
    """Slack turned the reminder down before posting it (a 429): try again later."""
    s.execute(update(ActionRow).where(ActionRow.id == action_id).values(reminded_at=None))


# -- the staff summary -----------------------------------------------------------

def staff_channel(s: Session, team_id: str) -> str | None:
    row = s.get(LoopSetting, team_id)
    return row.staff_channel if row else None


def set_staff_channel(s: Session, team_id: str, channel: str | None) -> None:
    row = s.get(LoopSetting, team_id)
    if row is None:
        s.add(LoopSetting(team_id=team_id, staff_channel=channel))
    else:
        row.staff_channel = channel


def summary(s: Session, round_id: int) -> StaffSummary | None:
    return s.get(StaffSummary, round_id)


def add_summary(s: Session, row: StaffSummary) -> bool:
    """Record the confirmed summary; False if the round already has one (a
    double click, or another leader a moment earlier)."""
    if s.get(StaffSummary, row.round_id) is not None:
        return False
    s.add(row)
    s.flush()
    return True


def drop_summary(s: Session, round_id: int) -> None:
    """The post to the staff channel failed: nothing was published."""
    s.execute(delete(StaffSummary).where(StaffSummary.round_id == round_id))


def invited(s: Session, round_id: int) -> list[tuple[str, str]]:
    """(user id, team label) of everyone invited to a round."""
    return list(s.execute(select(Delivery.user_id, Delivery.team_label).where(
        Delivery.round_id == round_id, Delivery.kind == "prompt")
        .order_by(Delivery.id)).all())


def queue_summary_dms(s: Session, team_id: str, round_id: int, people: list[tuple[str, str]],
                      now: datetime) -> int:
    """One outbox row per person invited to the round, sent at Slack's pace."""
    s.add_all(Delivery(team_id=team_id, round_id=round_id, user_id=uid, team_label=label,
                       kind=SUMMARY_KIND, status="pending", send_after=now)
              for uid, label in people)
    return len(people)


def summary_due_ids(s: Session, now: datetime, limit: int) -> list[int]:
    """Pending summary DMs (of closed rounds: the outbox's own query sends only
    for open ones), oldest first."""
    return list(s.scalars(select(Delivery.id).join(Round, Round.id == Delivery.round_id).where(
        Delivery.kind == SUMMARY_KIND, Delivery.status == "pending",
        Delivery.send_after <= now, Round.status == "closed")
        .order_by(Delivery.send_after, Delivery.id).limit(limit)))


def summary_progress(s: Session, round_id: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for (status,) in s.execute(select(Delivery.status).where(
            Delivery.round_id == round_id, Delivery.kind == SUMMARY_KIND)):
        out[status] = out.get(status, 0) + 1
    return out
