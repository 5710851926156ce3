"""Tables. Every row is scoped by Slack team (workspace) ID.

Anonymity lives in the shape of these tables:
- `responses` and `comments` carry no user, no ballot id and no time; their
  primary keys are random 128-bit ids, and on SQLite they are WITHOUT ROWID
  tables so storage order follows those random ids, not insertion order.
- `participation` holds keyed hashes of (round, user) with no time and no link
  to ballots; the round's salt is destroyed (and tokens deleted) at close.
- `sealed_ballots` hold encrypted submissions until the ballot box opens them
  in shuffled batches.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from analytics.thresholds import DEFAULT_MIN_COMMENT_N, DEFAULT_MIN_SCORE_N

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NO_ROWID = {"sqlite_with_rowid": False}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Workspace(Base):
    __tablename__ = "workspaces"
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    digest_channel: Mapped[str | None] = mapped_column(String(32))
    min_score_n: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_SCORE_N)
    min_comment_n: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_COMMENT_N)
    max_questions: Mapped[int] = mapped_column(Integer, default=5)
    schedule_every: Mapped[str | None] = mapped_column(String(16))  # weekly|biweekly|monthly
    schedule_weekday: Mapped[int | None] = mapped_column(Integer)  # 0 = Monday
    schedule_time: Mapped[str | None] = mapped_column(String(5))  # HH:MM, recipient-local
    window_days: Mapped[int] = mapped_column(Integer, default=3)
    reminder_on: Mapped[bool] = mapped_column(Boolean, default=True)
    default_tz: Mapped[str] = mapped_column(String(64), default="America/New_York")
    resources_text: Mapped[str | None] = mapped_column(Text)
    roster_refreshed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Biweekly schedules count weeks from this date.
    schedule_anchor: Mapped[str | None] = mapped_column(String(10))
    # When the schedule was last set: catch-up never opens an occurrence that
    # had already begun by then (a new schedule is not a missed one).
    schedule_set_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Edit the invitation DM to "recorded" after a submit. Off by default: the
    # edit shows anyone with the workspace export who answered, and when.
    dm_receipts: Mapped[bool] = mapped_column(Boolean, default=False)
    # The organisation's name, put into items that name it ("… really cares
    # about my well-being"); NULL: "my organization".
    org_name: Mapped[str | None] = mapped_column(String(80))
    # The check-in's voluntary role and tenure questions (issue 14), off by
    # default; role_labels: {role key: label} overriding the default wording.
    ask_role: Mapped[bool] = mapped_column(Boolean, default=False)
    ask_tenure: Mapped[bool] = mapped_column(Boolean, default=False)
    role_labels: Mapped[dict | None] = mapped_column(JSON)


class Audience(Base):
    __tablename__ = "audiences"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    channel_name: Mapped[str] = mapped_column(String(128))


class QuestionRow(Base):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("team_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    key: Mapped[str] = mapped_column(String(64))
    scale: Mapped[str] = mapped_column(String(32))
    text_en: Mapped[str] = mapped_column(Text)
    text_es: Mapped[str] = mapped_column(Text)
    theme: Mapped[str | None] = mapped_column(String(32))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    validated: Mapped[bool] = mapped_column(Boolean, default=False)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
    citation: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Person(Base):
    """Roster cache from users.list: who can be invited, their time zone and
    language, and names to scrub from comments. Never joined to answers."""

    __tablename__ = "people"
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    names: Mapped[list] = mapped_column(JSON, default=list)
    tz: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # human, not deleted


class Pause(Base):
    """A person who asked not to be invited. Nothing else is recorded."""

    __tablename__ = "pauses"
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("team_id", "kind", "number"),
                      UniqueConstraint("team_id", "schedule_key"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    # "checkin", or a pulse (bot/services/pulses.py): "stay" asks everyone one
    # open question; "exit" pools one-off check-ins offered to leavers.
    # Numbered per kind, so pulses never shift the check-ins' round numbers.
    kind: Mapped[str] = mapped_column(String(8), default="checkin", server_default="checkin")
    number: Mapped[int] = mapped_column(Integer)
    # A pulse's seed question (bot/i18n: pulse.seed.<seed>); NULL for check-ins.
    seed: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|closed
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The scheduled occurrence (e.g. "2026-11-24") this round was opened for;
    # unique, so a restarted or second clock can never open it twice.
    schedule_key: Mapped[str | None] = mapped_column(String(32))
    # Closed with fewer than k ballots: they were destroyed unopened.
    unopened: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the engine dropped what it held of the sealed ballots after close
    # (SQLite WAL truncated, PostgreSQL tables rewritten); NULL until then.
    scrubbed_at: Mapped[datetime | None] = mapped_column(DateTime)
    question_keys: Mapped[list] = mapped_column(JSON, default=list)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    # Respondent count per team is written by the ballot box, never per ballot.
    published: Mapped[list] = mapped_column(JSON, default=list)  # cells published so far
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The digest is owed from the close transaction on (an outbox of one):
    # digest_post_id is the one-off id its message metadata carries, so a
    # retry after a crash or a 5xx can find the post instead of doubling it.
    digest_post_id: Mapped[str | None] = mapped_column(String(32))
    digest_claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    digest_attempts: Mapped[int] = mapped_column(Integer, default=0)
    digest_posted_at: Mapped[datetime | None] = mapped_column(DateTime)
    digest_error: Mapped[str | None] = mapped_column(String(200))
    chart_posted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Slack's id of the team heatmap posted under the digest (the same image the
    # leaders' App Home shows); NULL: none posted, or its upload's answer was lost.
    heatmap_file_id: Mapped[str | None] = mapped_column(String(32))


class Delivery(Base):
    """Outbox: one row per (round, person, kind). Holds who was invited, never
    what they answered."""

    __tablename__ = "deliveries"
    # The clock asks for due rows every second and /candor status counts
    # them: both read an index in its order instead of sorting the table.
    __table_args__ = (UniqueConstraint("round_id", "user_id", "kind"),
                      Index("ix_deliveries_due", "status", "send_after", "id"),
                      Index("ix_deliveries_progress", "round_id", "kind", "status", "last_error"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    team_label: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="prompt")  # prompt|reminder
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    send_after: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))


class Participation(Base):
    """Spent tickets: a hash of each ticket's nonce, and nothing that says
    whose ticket it was. Deleted when the round closes."""

    __tablename__ = "participation"
    __table_args__ = NO_ROWID
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True)


class SealedBallot(Base):
    __tablename__ = "sealed_ballots"
    __table_args__ = NO_ROWID
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[str] = mapped_column(Text)


class Response(Base):
    __tablename__ = "responses"
    # The digest's histogram (GROUP BY round, team, question, value) and its
    # role and tenure counts are read straight from this index without
    # touching the table; it also serves lookups by team_id alone.
    __table_args__ = (Index("ix_responses_histogram", "team_id", "round_id", "team_label",
                            "question_key", "value", "role", "tenure"), NO_ROWID)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random 128-bit
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    team_label: Mapped[str] = mapped_column(String(128))
    question_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    # Voluntary, and coarsened at close (analytics.segments): NULL is "not
    # answered" or "dropped so no stored combination is under k" alike.
    role: Mapped[str | None] = mapped_column(String(16))
    tenure: Mapped[str | None] = mapped_column(String(8))


class AnswerCount(Base):
    """The histogram of a round's answers, written with them at close: the
    same counts as grouping `responses`, so the digest reads a few hundred
    rows instead of grouping 100,000. Nothing in it that `responses` doesn't
    hold; its groups are the stored (coarsened) team x role x tenure ones."""

    __tablename__ = "answer_counts"
    __table_args__ = (Index("ix_answer_counts_round", "team_id", "round_id"), NO_ROWID)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, like responses
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    team_label: Mapped[str] = mapped_column(String(128))
    question_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(16))
    tenure: Mapped[str | None] = mapped_column(String(8))
    n: Mapped[int] = mapped_column(Integer)


class Comment(Base):
    """Scrubbed comment, encrypted. No team: comments are only ever shown
    organisation-wide, so nothing here could narrow one to a small group."""

    __tablename__ = "comments"
    __table_args__ = NO_ROWID
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[str] = mapped_column(Text)


class TeamCount(Base):
    """Invitations and ballots per team per round, written at close; a team
    with fewer than k ballots is counted under the merged label instead."""

    __tablename__ = "team_counts"
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    team_label: Mapped[str] = mapped_column(String(128), primary_key=True)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    ballots: Mapped[int] = mapped_column(Integer, default=0)
    # How many people joined or left this team's invited set since the
    # previous round (NULL: no previous round to compare). Fewer than k, and
    # subtracting the two rounds' figures could single someone out.
    changed: Mapped[int | None] = mapped_column(Integer)


class Lease(Base):
    """Only the holder of an unexpired lease runs the clock."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(DateTime)


# -- closing the loop: tracked actions and the staff summary ------------------------
# Actions, owners and updates are ordinary data about leaders, not about anyone
# who answered: they carry user ids and times on purpose.


class ActionRow(Base):
    """An action a leader committed to after a digest, with an owner and a due date."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    # The round whose digest it answers (NULL once that round is gone).
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    answers: Mapped[str] = mapped_column(String(80))  # "measure:<key>" or "theme:<name>"
    owner_id: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Set by the one reminder's claim (a conditional UPDATE), so it is sent once.
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)


class ActionUpdate(Base):
    """Each status an action moved to, by whom and when: "what moved" in a digest."""

    __tablename__ = "action_updates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"),
                                           index=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(DateTime)


class StaffSummary(Base):
    """The "you said, we did" summary of a round, exactly as the leader confirmed
    it; DMs of it are outbox rows (kind "summary") that all carry this text."""

    __tablename__ = "staff_summaries"
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"),
                                          primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    blocks: Mapped[list] = mapped_column(JSON, default=list)
    channel: Mapped[str | None] = mapped_column(String(32))  # NULL: by DM
    published_by: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(DateTime)


class LoopSetting(Base):
    """Where staff summaries go: a staff channel, or (NULL) a DM to everyone invited."""

    __tablename__ = "loop_settings"
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_channel: Mapped[str | None] = mapped_column(String(32))
