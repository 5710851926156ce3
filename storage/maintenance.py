"""Maintenance across every workspace: re-sealing under a new key, the
retention purge, forgetting one person, and a raw look at a table.

Deletions return counts only, never ids or content.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import (
    Base,
    Comment,
    Delivery,
    Participation,
    Pause,
    Person,
    Round,
    SealedBallot,
)

_SEALED_MODELS = {m.__tablename__: m for m in (SealedBallot, Comment)}
# Table -> the Keyring purpose its `sealed` column is encrypted for.
SEALED_PURPOSES = {SealedBallot.__tablename__: "ballot", Comment.__tablename__: "comment"}


def _n(rowcount) -> int:
    # Some drivers report -1 (or None) when they don't know.
    return max(0, int(rowcount or 0))


def _counts(rowcounts: dict) -> dict[str, int]:
    return {k: _n(v) for k, v in rowcounts.items()}


# -- sealed tokens -----------------------------------------------------------------

def count_sealed(s: Session) -> int:
    return sum(s.scalar(select(func.count()).select_from(m)) or 0
               for m in _SEALED_MODELS.values())


def sealed_page(s: Session, table: str, after: str, limit: int) -> list[tuple[str, str]]:
    """(id, token) of up to `limit` rows with ids above `after`, in id order:
    keyset pagination over the random primary key."""
    m = _SEALED_MODELS[table]
    return [(rid, token) for rid, token in s.execute(
        select(m.id, m.sealed).where(m.id > after).order_by(m.id).limit(limit))]


def reseal(s: Session, table: str, row_id: str, token: str) -> None:
    m = _SEALED_MODELS[table]
    s.execute(update(m).where(m.id == row_id).values(sealed=token))


def sealed_tokens(s: Session, table: str) -> Iterable[str]:
    return s.scalars(select(_SEALED_MODELS[table].sealed))


# -- retention ---------------------------------------------------------------------

def purge_expired(s: Session, cutoff: datetime) -> dict[str, int]:
    """Delete what is no longer needed; keep the aggregates.

    - Encrypted raw comments of rounds published before `cutoff` (a round
      that was never published counts from its close, so unpublished comments
      do not live for ever). Theme counts already published stay in digests.
    - Invitations (deliveries) of those same rounds: who was invited is personal
      data and is no longer needed once the round is done.
    - For every closed round, whatever the age (belt and braces; closing
      already does this): spent tickets, and reminder rows.
    - Responses and team counts (the aggregates) are never touched.
    """
    closed = select(Round.id).where(Round.status == "closed")
    expired = select(Round.id).where(
        Round.status == "closed",
        or_(Round.published_at <= cutoff,
            (Round.published_at.is_(None)) & (Round.closed_at <= cutoff)))
    return _counts({
        "comments": s.execute(delete(Comment).where(Comment.round_id.in_(expired))).rowcount,
        "deliveries": s.execute(delete(Delivery).where(Delivery.round_id.in_(expired))).rowcount,
        "participation_tokens": s.execute(
            delete(Participation).where(Participation.round_id.in_(closed))).rowcount,
        "reminder_rows": s.execute(delete(Delivery).where(
            Delivery.round_id.in_(closed), Delivery.kind == "reminder")).rowcount,
    })


# -- forgetting a person -----------------------------------------------------------

def _scoped(q, model, team_id: str | None):
    return q.where(model.team_id == team_id) if team_id else q


def forget_person(s: Session, user_id: str, team_id: str | None = None) -> dict[str, int]:
    """Delete the rows that carry this Slack user id: pause preference, roster
    cache row and every delivery row."""
    return _counts({
        "pauses": s.execute(_scoped(delete(Pause).where(Pause.user_id == user_id),
                                    Pause, team_id)).rowcount,
        "people": s.execute(_scoped(delete(Person).where(Person.user_id == user_id),
                                    Person, team_id)).rowcount,
        "deliveries": s.execute(_scoped(delete(Delivery).where(Delivery.user_id == user_id),
                                        Delivery, team_id)).rowcount,
    })


# -- a raw look ----------------------------------------------------------------------

def peek(s: Session, table: str, limit: int) -> tuple[int, list[dict]]:
    """(row count, first `limit` rows as column -> value) of one table, as
    anyone with read access to the database would see it."""
    t = Base.metadata.tables[table]
    n = s.scalar(select(func.count()).select_from(t)) or 0
    return n, [dict(r) for r in s.execute(select(t).limit(limit)).mappings()]
