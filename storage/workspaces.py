"""Workspace rows: settings, the question bank, audiences, roster and pauses.

Every function takes a session and is scoped to one workspace (team_id).
Reading never creates: `get` returns None for an unknown workspace and
`ensure` is the one place a workspace (and its default bank) is made.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analytics.questions import Question, default_bank
from analytics.thresholds import DEFAULT_MIN_COMMENT_N, DEFAULT_MIN_SCORE_N
from storage.models import Audience, Pause, Person, QuestionRow, Workspace

DEFAULT_TZ = "America/New_York"


class UnknownWorkspace(LookupError):
    """A workspace that candor has never seen; nothing was created."""


def get(s: Session, team_id: str) -> Workspace | None:
    return s.get(Workspace, team_id)


def require(s: Session, team_id: str) -> Workspace:
    ws = s.get(Workspace, team_id)
    if ws is None:
        raise UnknownWorkspace(team_id)
    return ws


def ensure(s: Session, team_id: str, enterprise_id: str | None = None) -> Workspace:
    """The workspace, created with the default question bank if it is new."""
    ws = s.get(Workspace, team_id)
    if ws is None:
        ws = Workspace(team_id=team_id, enterprise_id=enterprise_id,
                       min_score_n=DEFAULT_MIN_SCORE_N, min_comment_n=DEFAULT_MIN_COMMENT_N,
                       max_questions=5, window_days=3, reminder_on=True, default_tz=DEFAULT_TZ)
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


def ensure_committed(db, team_id: str, enterprise_id: str | None = None) -> None:
    """`ensure` in its own transaction, so two first requests arriving together
    can't both insert."""
    try:
        with db.session() as s:
            ensure(s, team_id, enterprise_id)
    except IntegrityError:
        pass  # the other request created it


def team_ids(s: Session) -> list[str]:
    return list(s.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))


def all_workspaces(s: Session) -> list[Workspace]:
    return list(s.scalars(select(Workspace)))


def scheduled(s: Session) -> list[Workspace]:
    return list(s.scalars(select(Workspace).where(Workspace.schedule_every.is_not(None))))


# -- questions -------------------------------------------------------------------

def to_question(r: QuestionRow) -> Question:
    return Question(
        key=r.key, scale_key=r.scale, text_en=r.text_en, text_es=r.text_es, theme=r.theme,
        required=r.required, validated=r.validated, builtin=r.builtin, source=r.source,
        citation=r.citation, enabled=r.enabled, position=r.position,
    )


def question_rows(s: Session, team_id: str) -> list[QuestionRow]:
    return list(s.scalars(select(QuestionRow).where(QuestionRow.team_id == team_id)
                          .order_by(QuestionRow.position, QuestionRow.id)))


def questions(s: Session, team_id: str) -> list[Question]:
    return [to_question(r) for r in question_rows(s, team_id)]


def add_question(s: Session, row: QuestionRow) -> None:
    s.add(row)


# -- audiences -------------------------------------------------------------------

def audiences(s: Session, team_id: str) -> list[Audience]:
    return list(s.scalars(select(Audience).where(Audience.team_id == team_id)
                          .order_by(Audience.channel_name, Audience.channel_id)))


def has_audience(s: Session, team_id: str, channel_id: str) -> bool:
    return s.scalar(select(Audience.channel_id).where(
        Audience.team_id == team_id, Audience.channel_id == channel_id)) is not None


def add_audience(s: Session, team_id: str, channel_id: str, name: str) -> None:
    s.add(Audience(team_id=team_id, channel_id=channel_id, channel_name=name))


def remove_audience(s: Session, team_id: str, channel_id: str) -> int:
    return s.execute(delete(Audience).where(Audience.team_id == team_id,
                                            Audience.channel_id == channel_id)).rowcount


# -- people and pauses -----------------------------------------------------------

def person(s: Session, team_id: str, user_id: str) -> Person | None:
    return s.get(Person, (team_id, user_id))


def replace_roster(s: Session, team_id: str, people: list[Person], now) -> None:
    s.execute(delete(Person).where(Person.team_id == team_id))
    s.add_all(people)
    ws = s.get(Workspace, team_id)
    if ws is not None:
        ws.roster_refreshed_at = now


def roster_names(s: Session, team_id: str) -> list[str]:
    rows = s.scalars(select(Person.names).where(Person.team_id == team_id)).all()
    return [n for names in rows for n in (names or [])]


def roster_version(s: Session, team_id: str):
    return s.scalar(select(Workspace.roster_refreshed_at).where(Workspace.team_id == team_id))


def paused_ids(s: Session, team_id: str) -> set[str]:
    return set(s.scalars(select(Pause.user_id).where(Pause.team_id == team_id)))


def is_paused(s: Session, team_id: str, user_id: str) -> bool:
    return s.get(Pause, (team_id, user_id)) is not None


def set_paused(s: Session, team_id: str, user_id: str, paused: bool) -> None:
    """A Pause row while paused, none otherwise; nothing else is recorded."""
    row = s.get(Pause, (team_id, user_id))
    if paused and row is None:
        s.add(Pause(team_id=team_id, user_id=user_id))
    elif not paused and row is not None:
        s.delete(row)


def update(s: Session, team_id: str, **settings) -> Workspace:
    """Change some of a workspace's settings (creating it if it is new)."""
    ws = ensure(s, team_id)
    for name, value in settings.items():
        if not hasattr(Workspace, name):
            raise AttributeError(name)
        setattr(ws, name, value)
    return ws
