"""Repository verbs over a session, each scoped to one workspace (team_id)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics.questions import Question, default_bank
from storage.models import Audience, Delivery, QuestionRow, Round, Workspace


def ensure_workspace(db, team_id: str, enterprise_id: str | None = None) -> None:
    """Create the workspace (and its default bank) on first contact, in its own
    transaction, so two first requests arriving together can't both insert."""
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session() as s:
            workspace(s, team_id, enterprise_id)
    except IntegrityError:
        pass  # the other request created it


def workspace(s: Session, team_id: str, enterprise_id: str | None = None) -> Workspace:
    """The workspace's settings; created with the default bank on first use."""
    ws = s.get(Workspace, team_id)
    if ws is None:
        ws = Workspace(team_id=team_id, enterprise_id=enterprise_id, min_score_n=5,
                       min_comment_n=10, max_questions=5, window_days=3, reminder_on=True,
                       default_tz="America/New_York")
        s.add(ws)
        for q in default_bank():
            s.add(QuestionRow(
                team_id=team_id, key=q.key, scale=q.scale_key, text_en=q.text_en,
                text_es=q.text_es, theme=q.theme, required=q.required, validated=q.validated,
                builtin=True, source=q.source, citation=q.citation, enabled=True,
                position=q.position,
            ))
        s.flush()
    return ws


def to_question(r: QuestionRow) -> Question:
    return Question(
        key=r.key, scale_key=r.scale, text_en=r.text_en, text_es=r.text_es, theme=r.theme,
        required=r.required, validated=r.validated, builtin=r.builtin, source=r.source,
        citation=r.citation, enabled=r.enabled, position=r.position,
    )


def questions(s: Session, team_id: str) -> list[Question]:
    rows = s.scalars(select(QuestionRow).where(QuestionRow.team_id == team_id)
                     .order_by(QuestionRow.position, QuestionRow.id)).all()
    return [to_question(r) for r in rows]


def audiences(s: Session, team_id: str) -> list[Audience]:
    return list(s.scalars(select(Audience).where(Audience.team_id == team_id)
                          .order_by(Audience.channel_name)))


def open_round(s: Session, team_id: str) -> Round | None:
    return s.scalar(select(Round).where(Round.team_id == team_id, Round.status == "open")
                    .order_by(Round.number.desc()).limit(1))


def get_round(s: Session, team_id: str, round_id: int) -> Round | None:
    """A round only if it belongs to this workspace."""
    r = s.get(Round, round_id)
    return r if r is not None and r.team_id == team_id else None


def closed_rounds(s: Session, team_id: str, limit: int = 12) -> list[Round]:
    return list(s.scalars(select(Round).where(Round.team_id == team_id, Round.status == "closed")
                          .order_by(Round.number.desc()).limit(limit)))


def last_round(s: Session, team_id: str) -> Round | None:
    return s.scalar(select(Round).where(Round.team_id == team_id)
                    .order_by(Round.number.desc()).limit(1))


def next_round_number(s: Session, team_id: str) -> int:
    return (s.scalar(select(func.max(Round.number)).where(Round.team_id == team_id)) or 0) + 1


def invitation(s: Session, round_id: int, user_id: str) -> Delivery | None:
    return s.scalar(select(Delivery).where(Delivery.round_id == round_id,
                                           Delivery.user_id == user_id,
                                           Delivery.kind == "prompt"))


def delivery_progress(s: Session, round_id: int) -> dict[str, int]:
    rows = s.execute(select(Delivery.status, func.count()).where(
        Delivery.round_id == round_id, Delivery.kind == "prompt").group_by(Delivery.status)).all()
    return {status: n for status, n in rows}


def value_counts(s: Session, team_id: str, round_ids: list[int]) -> list[tuple]:
    """(round_id, team, question_key, value, n): the histogram every digest
    figure is computed from, aggregated in SQL rather than in Python."""
    from storage.models import Response

    if not round_ids:
        return []
    return [tuple(r) for r in s.execute(
        select(Response.round_id, Response.team_label, Response.question_key, Response.value,
               func.count())
        .where(Response.team_id == team_id, Response.round_id.in_(round_ids))
        .group_by(Response.round_id, Response.team_label, Response.question_key, Response.value)
    )]


def team_counts(s: Session, round_ids: list[int]) -> dict[int, list]:
    from storage.models import TeamCount

    out: dict[int, list] = {}
    for tc in s.scalars(select(TeamCount).where(TeamCount.round_id.in_(round_ids))):
        out.setdefault(tc.round_id, []).append(tc)
    return out
