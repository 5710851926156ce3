"""Workspace rows: settings, the question bank, audiences, roster and pauses.

Every function takes a session and is scoped to one workspace (team_id).
Reading never creates: `get` returns None for an unknown workspace and
`ensure` is the one place a workspace (and its default bank) is made.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analytics.instruments import load_bank
from analytics.questions import Question, builtin_question, default_bank, module_questions
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
            s.add(_row(team_id, q))
        s.flush()
    return ws


def _row(team_id: str, q: Question) -> QuestionRow:
    return QuestionRow(
        team_id=team_id, key=q.key, scale=q.scale_key, text_en=q.text_en,
        text_es=q.text_es, theme=q.theme, required=q.required, validated=q.validated,
        builtin=True, source=q.source, citation=q.citation, enabled=q.enabled,
        position=q.position,
    )


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


def _refresh(row: QuestionRow, q: Question) -> None:
    # Built-in wording can't be edited by admins: the bank file is the truth.
    row.text_en, row.text_es = q.text_en, q.text_es
    row.source, row.citation, row.validated = q.source, q.citation, q.validated
    row.scale, row.theme = q.scale_key, q.theme


def sync_bank(s: Session, team_id: str) -> list[str]:
    """Bring a workspace's built-in items up to the bank file: new wording
    and provenance for the items it has, retired items disabled (kept, so
    older rounds stay readable), and new core items added with their
    default on/off. Returns the keys added. Module items are added only when
    an admin turns their module on."""
    ws = require(s, team_id)
    org = ws.org_name
    rows = question_rows(s, team_id)
    have = {r.key: r for r in rows}
    bank = load_bank()
    for r in rows:
        item = bank.item(r.key) if r.builtin else None
        if item is None:
            continue
        q = builtin_question(r.key, r.position, org)
        assert q is not None
        _refresh(r, q)
        if item.retired:
            r.enabled = False
    added = []
    pos = max((r.position for r in rows), default=-1) + 1
    for q in default_bank(org):
        if q.key not in have:
            s.add(_row(team_id, replace(q, position=pos)))
            added.append(q.key)
            pos += 1
    s.flush()
    return added


def set_module(s: Session, team_id: str, module: str, on: bool) -> int:
    """Turn a module's items (and its derived scores) on or off; rows are
    added the first time and only disabled after, so history stays readable.
    Returns how many rows the bank gained."""
    sync_bank(s, team_id)
    org = require(s, team_id).org_name
    rows = {r.key: r for r in question_rows(s, team_id)}
    pos = max((r.position for r in rows.values()), default=-1) + 1
    added = 0
    for q in module_questions(module, org):
        row = rows.get(q.key)
        if row is None:
            if not on:
                continue
            row = _row(team_id, replace(q, position=pos))
            s.add(row)
            pos += 1
            added += 1
        row.enabled = on
    s.flush()
    return added


def set_organization(s: Session, team_id: str, name: str | None) -> None:
    """Store the organisation's name and put it into the items that name it."""
    ws = require(s, team_id)
    ws.org_name = name
    sync_bank(s, team_id)


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
