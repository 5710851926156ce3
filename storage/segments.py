"""What the box holds by role and tenure after opening: aggregates only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import AnswerCount, Response


def segment_counts(s: Session, team_id: str, round_ids: list[int]) -> list[tuple]:
    """(round_id, team, role, tenure, question_key, value, n), aggregated in
    SQL: the role and tenure views are computed from this histogram alone."""
    if not round_ids:
        return []
    # The histogram kept at close has one row per such group already. On the
    # session's connection (Core): plain rows, no ORM row processing.
    h = AnswerCount.__table__.c
    return [tuple(r) for r in s.connection().execute(
        select(h.round_id, h.team_label, h.role, h.tenure, h.question_key, h.value, h.n)
        .where(h.team_id == team_id, h.round_id.in_(round_ids)))]


def stored_combinations(s: Session, round_id: int) -> list[tuple]:
    """(team, role, tenure, question_key, n) as stored: what a database reader sees."""
    cols = (Response.team_label, Response.role, Response.tenure, Response.question_key)
    return [tuple(r) for r in s.execute(
        select(*cols, func.count()).where(Response.round_id == round_id).group_by(*cols))]
