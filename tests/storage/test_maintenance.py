"""Maintenance queries: paging sealed tokens, forgetting one person within a
workspace, and the raw look at a table."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from storage import maintenance
from storage.ballot_box import Ballot, BallotBox
from storage.keys import Keyring
from storage.models import Comment, Delivery, Participation, Pause, Person, Round, SealedBallot

NOW = datetime(2026, 11, 2, 9, 0, 0)


def _open_round(db, team="T1") -> Round:
    with db.session() as s:
        r = Round(team_id=team, number=1, status="open", opened_at=NOW,
                  closes_at=NOW + timedelta(days=3),
                  question_keys=["burnout"], invited=10, published=[])
        s.add(r)
        s.flush()
        return r


def test_sealed_tokens_page_in_id_order_and_reseal_one(db):
    box = BallotBox(Keyring("k" * 40))
    rnd = _open_round(db)
    for _ in range(5):
        ticket = box.read_ticket(box.issue_ticket(rnd, "A"))
        with db.session() as s:
            box.cast(s, ticket, Ballot("A", {"burnout": 3}, None))
    table = SealedBallot.__tablename__
    with db.session() as s:
        assert maintenance.count_sealed(s) == 5
        first = maintenance.sealed_page(s, table, "", 3)
        rest = maintenance.sealed_page(s, table, first[-1][0], 3)
        assert len(first) == 3 and len(rest) == 2
        ids = [rid_ for rid_, _ in first + rest]
        assert ids == sorted(ids) == sorted(s.scalars(select(SealedBallot.id)))
        maintenance.reseal(s, table, ids[0], "replaced")
    with db.session() as s:
        assert "replaced" in list(maintenance.sealed_tokens(s, table))
        assert list(maintenance.sealed_tokens(s, Comment.__tablename__)) == []


def test_forget_person_only_in_the_given_workspace(db):
    rnd, theirs = _open_round(db), _open_round(db, team="T2")
    with db.session() as s:
        for team, r in (("T1", rnd), ("T2", theirs)):
            s.add(Pause(team_id=team, user_id="UGONE0001"))
            s.add(Person(team_id=team, user_id="UGONE0001", names=["X"], tz=None, locale=None))
            s.add(Delivery(team_id=team, round_id=r.id, user_id="UGONE0001", team_label="A",
                           kind="prompt", status="sent", send_after=NOW))
            s.add(Participation(team_id=team, round_id=r.id, token=f"tok-{team}"))
    with db.session() as s:
        assert maintenance.forget_person(s, "UGONE0001", "T1") == {
            "pauses": 1, "people": 1, "deliveries": 1}
    with db.session() as s:
        # Spent tickets name nobody, so forgetting a person can't touch them.
        assert s.scalar(select(func.count()).select_from(Participation)) == 2
        assert s.get(Pause, ("T2", "UGONE0001")) is not None
        assert maintenance.forget_person(s, "UGONE0001") == {
            "pauses": 1, "people": 1, "deliveries": 1}


def test_peek_counts_and_shows_the_first_rows(db):
    rid = _open_round(db).id
    with db.session() as s:
        for i in range(4):
            s.add(Participation(team_id="T1", round_id=rid, token=f"t{i}"))
    with db.session() as s:
        n, rows = maintenance.peek(s, "participation", 2)
    assert n == 4 and len(rows) == 2
    assert set(rows[0]) == {"team_id", "round_id", "token"}
