"""A submit's one write: spend the ticket and store its sealed ballot.

The click storm's hot path (issue 12), so it does the least a database can:
- PostgreSQL: one statement, run in autocommit (a statement is its own
  transaction), so one round trip (after the pool's pre-ping) instead of BEGIN, a read,
  two INSERTs and COMMIT;
- SQLite: a read and two INSERTs on the group commit's warm connection
  (storage.writers), no second connection.

The same statement also reads what the thank-you needs (`Facts`) and checks
that the roster the comment was scrubbed against is still the workspace's
current one: if it changed, nothing is written (`Stale`) and the caller
scrubs again. The work is the same whatever the ballot says.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import DateTime, String, bindparam, exists, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from storage.models import Participation, Round, SealedBallot, Workspace


class RoundClosed(Exception):
    """The round closed before this ballot was deposited."""


class AlreadyAnswered(Exception):
    """This ticket was spent already."""


class NoWorkspace(Exception):
    """The ticket's workspace is gone (uninstalled): nothing was written."""


@dataclass(frozen=True)
class Facts:
    """What a submit's thank-you needs from its workspace."""

    resources_text: str | None
    dm_receipts: bool
    roster_version: object  # roster_refreshed_at: which roster the scrubber must know


NO_FACTS = Facts(None, False, None)  # no workspace row (operations and tests that deposit directly)


class Stale(Exception):  # noqa: N818 - a state, not a failure
    """The roster changed after the comment was scrubbed: nothing was
    written; scrub again against `facts.roster_version`."""

    def __init__(self, facts: Facts):
        super().__init__("the roster changed")
        self.facts = facts


ANY_ROSTER = object()  # deposit without checking the roster (operations, tests: no comment scrub)

_rounds, _spent, _sealed = Round.__table__, Participation.__table__, SealedBallot.__table__

# Spend a ticket only while its round is open, in one statement. FOR SHARE
# (PostgreSQL; SQLite takes its write lock here) holds the round open until
# commit: a close waits for submits in flight, and submits don't wait on each
# other. A second spend of the same ticket fails on the primary key.
_SPEND = insert(_spent).from_select(
    ["team_id", "round_id", "token"],
    select(_rounds.c.team_id, _rounds.c.id, bindparam("token", type_=String))
    .where(_rounds.c.id == bindparam("round_id"), _rounds.c.status == "open")
    .with_for_update(read=True)
).returning(_spent.c.round_id)  # the spent row, if any (rowcount of INSERT isn't kept)
_STORE = insert(_sealed).values(id=bindparam("id"), team_id=bindparam("team_id"),
                                round_id=bindparam("round_id"), sealed=bindparam("sealed"))
_FACTS = select(Workspace.resources_text, Workspace.dm_receipts, Workspace.roster_refreshed_at
                ).where(Workspace.team_id == bindparam("team_id"))
_TICKET_STATE = select(
    _rounds.c.status,
    exists().where(_spent.c.round_id == bindparam("round_id"),
                   _spent.c.token == bindparam("token")),
).where(_rounds.c.id == bindparam("round_id"))

# PostgreSQL: all of it in one statement. Data-modifying CTEs run exactly
# once, in one snapshot, and the whole statement commits or fails together.
_PG_DEPOSIT = text("""
WITH w AS (
  SELECT resources_text, dm_receipts, roster_refreshed_at, true AS here FROM workspaces
  WHERE team_id = :team_id
), spent AS (
  INSERT INTO participation (team_id, round_id, token)
  SELECT r.team_id, r.id, :token FROM rounds r
  WHERE r.id = :round_id AND r.status = 'open'
    AND (NOT :check
         OR EXISTS (SELECT 1 FROM w WHERE w.roster_refreshed_at IS NOT DISTINCT FROM :version))
  FOR SHARE OF r
  RETURNING round_id
), stored AS (
  INSERT INTO sealed_ballots (id, team_id, round_id, sealed)
  SELECT :id, :team_id, round_id, :sealed FROM spent
  RETURNING 1
)
SELECT w.resources_text, w.dm_receipts, w.roster_refreshed_at, (SELECT count(*) FROM stored),
       (SELECT status FROM rounds WHERE id = :round_id), w.here IS NOT NULL
FROM (SELECT 1) AS one LEFT JOIN w ON true
""").bindparams(bindparam("version", type_=DateTime()),
                bindparam("token", type_=String), bindparam("sealed", type_=String))


def deposit(conn: Connection, round_id: int, spent_mark: str, team_id: str, ballot_id: str,
            sealed: str, roster=ANY_ROSTER) -> Facts:
    """Spend the ticket (its `spent_mark`) and store the sealed ballot, in the
    caller's transaction (PostgreSQL: one statement, fine in autocommit).
    Returns the workspace's Facts. Raises NoWorkspace, Stale (nothing
    written), RoundClosed or AlreadyAnswered."""
    params = {"team_id": team_id, "round_id": round_id, "token": spent_mark, "id": ballot_id,
              "sealed": sealed}
    check = roster is not ANY_ROSTER
    if conn.dialect.name == "postgresql":
        return _pg_deposit(conn, params, check, roster)
    row = conn.execute(_FACTS, params).first()
    if row is None and check:
        raise NoWorkspace(team_id)
    facts = Facts(row[0], bool(row[1]), row[2]) if row else NO_FACTS
    if check and facts.roster_version != roster:
        raise Stale(facts)
    try:
        spent = conn.execute(_SPEND, params).first()
    except IntegrityError:
        raise AlreadyAnswered(round_id) from None
    if spent is None:
        raise RoundClosed(round_id)
    conn.execute(_STORE, params)
    return facts


def _pg_deposit(conn: Connection, params: dict, check: bool, roster) -> Facts:
    try:
        row = conn.execute(_PG_DEPOSIT, {**params, "check": check,
                                         "version": roster if check else None}).first()
    except IntegrityError:
        raise AlreadyAnswered(params["round_id"]) from None
    if not row[5] and check:
        raise NoWorkspace(params["team_id"])
    facts = Facts(row[0], bool(row[1]), row[2]) if row[5] else NO_FACTS
    if row[3]:
        return facts
    if row[4] == "open":  # open, yet not spent: only the roster check stops it
        raise Stale(facts)
    raise RoundClosed(params["round_id"])


def ticket_state(conn, round_id: int, spent_mark: str) -> str | None:
    """"open", "closed" or "spent" (spent in an open round); None: no such round."""
    row = conn.execute(_TICKET_STATE, {"round_id": round_id, "token": spent_mark}).first()
    if row is None:
        return None
    if row[0] != "open":
        return "closed"
    return "spent" if row[1] else "open"
