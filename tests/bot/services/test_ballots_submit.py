"""The submit's hot path: what it runs against the database, and its ticket
spent exactly once under concurrency (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from bot.services import ballots
from bot.services.errors import AlreadyAnswered, InvalidBallot, RoundClosed
from storage.models import SealedBallot
from tests.builders import TEAM_A, click_and_wait, open_round


def _ticket(fake, uid: str) -> str:
    msg = fake.dm_messages(uid)[-1]
    return next(e["value"] for b in msg["blocks"] for e in b.get("elements", [])
                if e.get("action_id") == "start_checkin")


def _answers(view: dict, burnout: int, comment: str | None) -> dict:
    out = {b["block_id"]: (burnout if b["block_id"] == "q_burnout" else 3)
           for b in view["blocks"] if (b.get("block_id") or "").startswith("q_")}
    if comment:
        out["comment"] = comment
    return out


class Statements:
    """Every SQL statement the engine runs while counting (pings included)."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def _before(self, conn, cursor, statement, *_):
        self.seen.append(" ".join(statement.split())[:60])

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)


def test_a_submit_runs_one_write_whatever_it_answers(stack, fake, db):
    open_round(stack)
    seen = []
    for n, (uid, burnout, comment) in enumerate([
            (TEAM_A[1], 3, "warm-up"),  # fills this process's caches
            (TEAM_A[2], 5, "too many intakes this week"), (TEAM_A[3], 1, None)]):
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        with Statements(db.engine) as st:
            r = stack.sender.submit(uid, view, answers=_answers(view, burnout, comment),
                                    apply=False)
        assert r.status == 200 and r.json["response_action"] == "update", r.body
        if n:
            seen.append(st.seen)
    print(f"\n[submit] statements per submit: {len(seen[0])}: {seen[0]}")
    # The same list for every answer. PostgreSQL: one statement (the facts,
    # the ticket's spend and the sealed ballot together, in autocommit).
    # SQLite: the facts, then the spend and the sealed ballot.
    assert seen[0] == seen[1]
    if db.is_postgres:
        assert len(seen[0]) == 1 and seen[0][0].startswith("WITH w AS"), seen[0]
    else:
        assert [s.split()[0] for s in seen[0]] == ["SELECT", "INSERT", "INSERT"], seen[0]


def test_two_submits_of_one_ticket_at_once_store_one_ballot(stack, fake, db):
    open_round(stack)
    c, team = stack.candor, fake.team_id
    token = _ticket(fake, TEAM_A[4])
    keys = ballots._round_form(c, team, c.box.read_ticket(token).round_id).keys
    answers = {k: 3 for k in keys}
    start, outcomes = threading.Barrier(6), []

    def submit():
        start.wait()
        try:
            ballots.record_ballot(c, team, token, answers, None)
            outcomes.append("stored")
        except AlreadyAnswered:
            outcomes.append("already")

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["already"] * 5 + ["stored"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(SealedBallot)) == 1


def test_refusals_come_before_field_errors_and_a_closed_round_is_forgotten(stack, fake, db):
    rid = open_round(stack)
    c, team = stack.candor, fake.team_id
    token = _ticket(fake, TEAM_A[5])
    keys = ballots._round_form(c, team, rid).keys
    with pytest.raises(InvalidBallot):
        ballots.record_ballot(c, team, token, {}, None)
    ballots.record_ballot(c, team, token, {k: 3 for k in keys}, None)
    with pytest.raises(AlreadyAnswered):  # spent: said before the missing answers
        ballots.record_ballot(c, team, token, {}, None)
    ballots.close_round(c, team, rid)
    assert rid in c.cache[ballots._FORMS]
    with pytest.raises(RoundClosed):
        ballots.record_ballot(c, team, _ticket(fake, TEAM_A[6]), {k: 3 for k in keys}, None)
    assert rid not in c.cache[ballots._FORMS]


def test_a_roster_refreshed_after_the_scrubber_was_cached_still_scrubs_the_new_name(
        stack, fake, db):
    """The deposit checks the scrubbed-against roster in the same write: a
    refresh in between (the clock, another process) writes nothing, and the
    comment is scrubbed again against the roster as it is now."""
    from datetime import timedelta

    from bot.context import utcnow
    from storage import workspaces
    from storage.ballot_open import open_json
    from storage.models import Person

    rid = open_round(stack)
    c, team = stack.candor, fake.team_id
    token = _ticket(fake, TEAM_A[7])
    keys = ballots._round_form(c, team, rid).keys
    ballots.warm(c, team)  # this process holds the roster as it was
    before = c.cache["scrubber"][team]
    with db.session() as s:
        s.add(Person(team_id=team, user_id="UNEW000002",
                     names=["Zebediah Quartermaine", "zeb.q"], active=True))
        workspaces.update(s, team, roster_refreshed_at=utcnow() + timedelta(seconds=1))
    ballots.record_ballot(c, team, token, {k: 3 for k in keys},
                          "Zebediah Quartermaine cut my caseload")
    assert c.cache["scrubber"][team][0] != before[0]
    with db.session() as s:
        sealed = s.scalars(select(SealedBallot.sealed).where(SealedBallot.round_id == rid)).all()
    assert len(sealed) == 1
    assert open_json(c.box._ballots, sealed[0])["c"] == "[name] cut my caseload"
