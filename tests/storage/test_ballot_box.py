"""The sealed ballot box, on SQLite and PostgreSQL."""

from __future__ import annotations

import calendar
import json
import random
from datetime import datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from storage.ballot_box import AlreadyAnswered, Ballot, BallotBox, RoundClosed
from storage.keys import Keyring, new_round_salt
from storage.models import Participation, Response, Round, SealedBallot, TeamCount

OPENED = datetime(2026, 11, 2, 9, 0, 0)


@pytest.fixture
def box():
    return BallotBox(Keyring("x" * 40), batch_min=5, rng=random.Random(1))


def _round(db, status="open") -> int:
    with db.session() as s:
        r = Round(team_id="T1", number=1, status=status, opened_at=OPENED,
                  closes_at=datetime(2026, 11, 5), salt=new_round_salt(),
                  question_keys=["burnout"], invited=50, published=[])
        s.add(r)
        s.flush()
        return r.id


def _cast(db, box, rid, user, value, team="A", comment=None):
    with db.session() as s:
        return box.cast(s, rid, user, Ballot(team, {"burnout": value}, comment))


def test_ballots_wait_sealed_until_k_then_open_together(db, box):
    rid = _round(db)
    for i in range(4):
        assert _cast(db, box, rid, f"U{i:08d}", 1 + i % 5) == 0
    with db.session() as s:
        assert s.scalar(select(Response.id).limit(1)) is None
        sealed = s.scalars(select(SealedBallot.sealed)).all()
    assert len(sealed) == 4
    assert all("burnout" not in x for x in sealed)  # encrypted, not readable
    assert _cast(db, box, rid, "U00000004", 3) == 5
    with db.session() as s:
        assert s.scalar(select(SealedBallot.id).limit(1)) is None
        assert len(s.scalars(select(Response.id)).all()) == 5
        assert s.get(TeamCount, (rid, "A")).ballots == 5


def test_fernet_timestamp_is_the_round_start_not_now(db, box):
    rid = _round(db)
    _cast(db, box, rid, "U00000001", 2)
    with db.session() as s:
        token = s.scalar(select(SealedBallot.sealed))
    ts = Fernet._get_unverified_token_data(token.encode())[0]
    assert ts == calendar.timegm(OPENED.timetuple())


def test_second_answer_in_a_round_is_refused_and_not_counted(db, box):
    rid = _round(db)
    _cast(db, box, rid, "U00000001", 2)
    with pytest.raises(AlreadyAnswered):
        _cast(db, box, rid, "U00000001", 5)
    with db.session() as s:
        assert len(s.scalars(select(SealedBallot.id)).all()) == 1


def test_closed_round_refuses_and_close_destroys_token_material(db, box):
    rid = _round(db)
    for i in range(3):
        _cast(db, box, rid, f"U{i:08d}", 4, comment=f"comment {i}")
    with db.session() as s:
        rnd = s.get(Round, rid)
        rnd.status = "closed"
        assert box.close(s, rnd) == 3  # fewer than k still open at close
    with db.session() as s:
        rnd = s.get(Round, rid)
        assert rnd.salt is None
        assert s.scalar(select(Participation.token).limit(1)) is None
        assert len(s.scalars(select(Response.id)).all()) == 3
        assert sorted(box.read_comments(s, rid)) == ["comment 0", "comment 1", "comment 2"]
    with pytest.raises(RoundClosed):
        _cast(db, box, rid, "U00000009", 1)


def test_rows_hold_no_user_id_and_no_fine_time(db, box):
    rid = _round(db)
    for i in range(6):
        _cast(db, box, rid, f"UUSER{i:04d}", 1 + i % 5, comment="hello")
    with db.engine.connect() as c:
        for table in ("responses", "comments", "sealed_ballots", "participation", "team_counts"):
            rows = c.execute(text(f"SELECT * FROM {table}")).all()
            dump = json.dumps([list(map(str, r)) for r in rows])
            assert "UUSER" not in dump, table
            cols = c.execute(text(f"SELECT * FROM {table}")).keys()
            assert not any("time" in k or k.endswith("_at") for k in cols), table


def test_storage_order_does_not_follow_submission_order(db, box):
    """Cast 60 ballots whose value encodes submission order; read the table
    in storage order (rowid on SQLite, ctid on PostgreSQL) and check the
    rank correlation is near zero."""
    from scipy.stats import spearmanr

    rid = _round(db)
    with db.session() as s:
        s.get(Round, rid).question_keys = ["seq"]
    for i in range(60):
        with db.session() as s:
            box.cast(s, rid, f"U{i:08d}", Ballot("A", {"seq": i}, None))
    with db.session() as s:
        rnd = s.get(Round, rid)
        box.close(s, rnd)
    order = "ctid" if db.is_postgres else "id"  # WITHOUT ROWID: storage order is the key
    with db.engine.connect() as c:
        seq = [v for (v,) in c.execute(text(f"SELECT value FROM responses ORDER BY {order}"))]
    assert sorted(seq) == list(range(60))
    rho, _ = spearmanr(range(60), seq)
    assert abs(rho) < 0.4, rho
