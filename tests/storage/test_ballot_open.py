"""Opening in bulk at close (storage.ballot_open): the same Fernet tokens as
storage.keys, parsed without their padding, and the comments a close hands
its digest."""

from __future__ import annotations

import calendar
import json
import random
from datetime import datetime

import pytest
from cryptography.fernet import InvalidToken
from sqlalchemy import func, select

from storage.ballot_box import Ballot, BallotBox
from storage.ballot_open import open_json, random_ids
from storage.keys import PAD_BLOCK, Keyring, pad, seal
from storage.models import Comment, Round, TeamCount

OPENED = datetime(2026, 11, 2, 9, 0, 0)
AT = calendar.timegm(OPENED.timetuple())
OLD, NEW = "o" * 40, "n" * 40
BODIES = [
    {"t": "A", "a": {"burnout": 3}, "c": None, "r": None, "y": None},
    {"t": "équipe", "a": {"q": -1000}, "c": "Ñ  spaced   out  \u2014 \"quoted\" ", "r": "rn", "y": "2to5"},
    {"t": "B", "a": {}, "c": "x" * 3000, "r": None, "y": None},
]


def _plain(body: dict) -> bytes:
    return pad(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())


@pytest.mark.parametrize("body", BODIES)
def test_open_json_reads_what_a_submit_sealed_padding_left_unread(body):
    token = seal(Keyring(NEW).sealer("ballot"), _plain(body), AT)
    assert open_json(Keyring(NEW).sealer("ballot"), token) == body
    assert open_json(Keyring(NEW, [OLD]).sealer("ballot"), token) == body
    with pytest.raises(InvalidToken):
        open_json(Keyring(OLD).sealer("ballot"), token)


def test_random_ids_are_distinct_128_bit_hex():
    ids = random_ids(5000)
    assert len(set(ids)) == 5000
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert len({i[0] for i in ids}) == 16  # uniform enough to reach every first digit


def _round_with_comments(db, box, comments: list[str]) -> int:
    with db.session() as s:
        r = Round(team_id="T1", number=1, status="open", opened_at=OPENED,
                  closes_at=datetime(2026, 11, 5), question_keys=["burnout"], invited=50,
                  published=[])
        s.add(r)
        s.flush()
        s.add(TeamCount(team_id="T1", round_id=r.id, team_label="A", invited=50, ballots=0))
        rid = r.id
    for c in comments:
        with db.session() as s:
            t = box.read_ticket(box.issue_ticket(s.get(Round, rid), "A"))
        with db.session() as s:
            box.cast(s, t, Ballot("A", {"burnout": 3}, c))
    return rid


def _close(db, box, rid):
    with db.session() as s:
        rnd = s.get(Round, rid)
        rnd.status = "closed"
        box.close(s, rnd, 5)


def test_the_digest_after_a_close_reads_the_same_comments_as_from_the_database(db):
    box = BallotBox(Keyring(NEW), k=5, rng=random.Random(3))
    texts = [f"comment {i}" for i in range(8)] + [None] * 4
    rid = _round_with_comments(db, box, texts)
    _close(db, box, rid)
    with db.session() as s:
        just_closed = box.read_comments(s, rid)  # handed over by the close
        from_db = box.read_comments(s, rid)  # once only: now unsealed from the table
        fresh = BallotBox(Keyring(NEW)).read_comments(s, rid)
    assert sorted(just_closed) == sorted(from_db) == sorted(fresh) == sorted(texts[:8])


def test_a_rolled_back_close_hands_over_nothing(db):
    box = BallotBox(Keyring(NEW), k=5)
    rid = _round_with_comments(db, box, [f"c{i}" for i in range(6)])
    with pytest.raises(RuntimeError), db.session() as s:
        rnd = s.get(Round, rid)
        rnd.status = "closed"
        box.close(s, rnd, 5)
        raise RuntimeError("the close failed after opening")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 0
        assert box.read_comments(s, rid) == []  # not the comments of the undone close
    _close(db, box, rid)  # the ballots are still sealed: the close can run again
    with db.session() as s:
        assert sorted(box.read_comments(s, rid)) == [f"c{i}" for i in range(6)]


def test_every_sealed_comment_is_one_size(db):
    box = BallotBox(Keyring(NEW), k=5)
    rid = _round_with_comments(db, box, ["x", "y" * 900, "z" * 40, "é" * 300, "w", "v"])
    _close(db, box, rid)
    with db.session() as s:
        sizes = {len(c) for c in s.scalars(select(Comment.sealed).where(Comment.round_id == rid))}
    one_block = len(seal(Keyring(NEW).sealer("comment"), b" " * PAD_BLOCK, AT))
    assert sizes == {one_block}


def test_the_histogram_kept_at_close_is_the_answers_grouped(db):
    """What the digest reads (answer_counts, summed) is exactly what grouping
    the stored answers gives, per team, role and tenure."""
    from storage.ballot_box import value_counts
    from storage.models import Response
    from storage.segments import segment_counts

    box = BallotBox(Keyring(NEW), k=5, rng=random.Random(5))
    rid = _round_with_comments(db, box, [None] * 12)
    _close(db, box, rid)
    with db.session() as s:
        grouped = s.execute(select(Response.round_id, Response.team_label, Response.role,
                                   Response.tenure, Response.question_key, Response.value,
                                   func.count())
                            .group_by(Response.round_id, Response.team_label, Response.role,
                                      Response.tenure, Response.question_key,
                                      Response.value)).all()
        assert sorted(map(tuple, grouped)) == sorted(segment_counts(s, "T1", [rid]))
        assert value_counts(s, "T1", [rid]) == [(rid, "A", "burnout", 3, 12)]
