"""Adversary: someone who can read the database (and its backups), plus a Slack
export that tells them the order in which people submitted (DM edit times).

Ground truth is known: N people submit in a known order, and their answers
are a function of that order (the worst case: if storage kept any trace of
order, the answer would follow). For each side channel the attacker pairs
people with stored answers and we check the result is no better than chance.
Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import base64
import calendar
import struct
from datetime import datetime

import pytest
from sqlalchemy import DateTime, select, text
from sqlalchemy.exc import DBAPIError

from storage.ballot_box import Ballot, BallotBox, RoundClosed
from storage.keys import Keyring, new_round_salt
from storage.models import Base, Comment, Participation, Round, SealedBallot
from tests.privacy.attack_kit import (
    chance_accuracy,
    chance_bound,
    exact_match_accuracy,
    report,
    rho,
    rho_bound,
)

N = 200
K = 5
OPENED = datetime(2026, 11, 2, 9, 0, 0)
SECRET = "attack-suite-master-secret-0123456789abcdef"
USERS = [f"U{i:08d}" for i in range(N)]
# Answers follow submission order: the first fifth all answer 1, the last all 5.
BURNOUT = [1 + (5 * i) // N for i in range(N)]
SUPPORT = [1 + (i * 7) % 5 for i in range(N)]
TEAMS = [("Alpha", "Beta", "Gamma")[i % 3] for i in range(N)]


def _new_round(db) -> int:
    with db.session() as s:
        r = Round(team_id="T1", number=1, status="open", opened_at=OPENED,
                  closes_at=datetime(2026, 11, 5), salt=new_round_salt(),
                  question_keys=["burnout", "support"], invited=N, published=[])
        s.add(r)
        s.flush()
        return r.id


def _fernet_time(token: str) -> int:
    raw = base64.urlsafe_b64decode(token.encode())
    return struct.unpack(">Q", raw[1:9])[0]


@pytest.fixture
def box():
    # Production randomness: nothing about the attack depends on a seed.
    return BallotBox(Keyring(SECRET), batch_min=K)


@pytest.fixture
def closed_round(db, box):
    """Everyone submits in order; the attacker captures the participation
    tokens while the round is open (a backup taken mid-round); then it closes."""
    rid = _new_round(db)
    for i, uid in enumerate(USERS):
        with db.session() as s:
            box.cast(s, rid, uid, Ballot(TEAMS[i], {"burnout": BURNOUT[i], "support": SUPPORT[i]},
                                         f"comment number {i:03d}"))
    with db.engine.connect() as c:
        tokens_mid_round = {t for (t,) in c.execute(text("SELECT token FROM participation"))}
    with db.session() as s:
        rnd = s.get(Round, rid)
        rnd.status = "closed"
        box.close(s, rnd)
    return rid, tokens_mid_round


def _attack(name: str, stored: list[int], truth: list[int]) -> float:
    """The attacker pairs the i-th submitter with the i-th stored value."""
    assert sorted(stored) == sorted(truth)
    acc = exact_match_accuracy(truth, stored)
    chance, bound = chance_accuracy(truth), chance_bound(truth)
    r = rho(range(len(stored)), stored)
    report(name, acc, chance, bound, f"rho={r:+.3f} rho_bound={rho_bound(len(stored)):.3f}")
    assert acc <= bound, f"{name}: {acc:.3f} > {bound:.3f}"
    assert abs(r) <= rho_bound(len(stored)), f"{name}: rank correlation {r:.3f}"
    return acc


def test_no_time_columns_finer_than_the_round():
    for table in ("responses", "comments", "sealed_ballots", "participation", "team_counts"):
        cols = Base.metadata.tables[table].columns
        assert not [c.name for c in cols if isinstance(c.type, DateTime)], table
        assert not [c.name for c in cols if "user" in c.name or c.name == "ballot_id"], table


def test_storage_order_natural_scan(db, closed_round):
    """The table's physical order, read without ORDER BY.

    Secondary indexes are kept out of it: the digest's covering index returns
    rows sorted by (team, question, value), an order made from the content
    itself that says nothing about who answered, but that would look
    "correlated" with this test's ground truth, whose values rise with
    submission order. On SQLite the table's own b-tree is named explicitly
    (NOT INDEXED still picks a covering index for WITHOUT ROWID tables)."""
    with db.engine.connect() as c:
        if db.is_postgres:
            for knob in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
                c.execute(text(f"SET {knob} = off"))
        table = "responses" if db.is_postgres else "responses INDEXED BY sqlite_autoindex_responses_1"
        for key, truth in (("burnout", BURNOUT), ("support", SUPPORT)):
            stored = [v for (v,) in c.execute(text(
                f"SELECT value FROM {table} WHERE question_key = :k"), {"k": key})]
            _attack(f"natural scan order ({key}, {db.engine.dialect.name})", stored, truth)


def test_storage_order_by_primary_key(db, closed_round):
    with db.engine.connect() as c:
        stored = [v for (v,) in c.execute(text(
            "SELECT value FROM responses WHERE question_key = 'burnout' ORDER BY id"))]
    _attack(f"primary-key order ({db.engine.dialect.name})", stored, BURNOUT)


def test_sqlite_rowid(db, closed_round):
    if db.is_postgres:
        pytest.skip("SQLite only")
    for table in ("responses", "comments", "participation", "sealed_ballots"):
        with db.engine.connect() as c, pytest.raises(DBAPIError):
            c.execute(text(f"SELECT rowid FROM {table}")).all()  # WITHOUT ROWID
    print("\n[privacy] sqlite rowid: not available (WITHOUT ROWID tables)")


def test_postgres_ctid_and_xmin(db, closed_round):
    if not db.is_postgres:
        pytest.skip("PostgreSQL only")
    with db.engine.connect() as c:
        stored = [v for (v,) in c.execute(text(
            "SELECT value FROM responses WHERE question_key = 'burnout' ORDER BY ctid"))]
        xmins = {x for (x,) in c.execute(text("SELECT xmin::text FROM responses"))}
        cxmins = {x for (x,) in c.execute(text("SELECT xmin::text FROM comments"))}
    _attack("postgres ctid order", stored, BURNOUT)
    print(f"[privacy] postgres xmin: {len(xmins)} distinct over {N * 2} response rows, "
          f"{len(cxmins)} over {N} comments")
    assert len(xmins) == 1 and xmins == cxmins  # one transaction rewrote the whole round


def test_comment_order_with_the_key(db, box, closed_round):
    """Even the operator, who can decrypt comments, gets them in an order
    unrelated to submission."""
    rid, _ = closed_round
    order = "ctid" if db.is_postgres else "id"
    with db.engine.connect() as c:
        sealed = [t for (t,) in c.execute(text(f"SELECT sealed FROM comments ORDER BY {order}"))]
    sealer = Keyring(SECRET).sealer("comment")
    idx = [int(sealer.decrypt(t.encode()).decode().rsplit(" ", 1)[1]) for t in sealed]
    assert sorted(idx) == list(range(N))
    quintile = [1 + (5 * i) // N for i in idx]  # same shape as the burnout attack
    _attack("comment storage order (decrypted)", quintile, BURNOUT)


def test_fernet_timestamps_all_equal_round_start(db, box):
    rid = _new_round(db)
    for i in range(K - 1):  # still sealed: a batch is not full
        with db.session() as s:
            box.cast(s, rid, USERS[i], Ballot("A", {"burnout": 1}, "hi"))
    start = calendar.timegm(OPENED.timetuple())
    with db.session() as s:
        sealed = s.scalars(select(SealedBallot.sealed)).all()
        rnd = s.get(Round, rid)
        rnd.status = "closed"
        box.close(s, rnd)
    with db.session() as s:
        comments = s.scalars(select(Comment.sealed)).all()
    stamps = {_fernet_time(t) for t in [*sealed, *comments]}
    print(f"\n[privacy] fernet timestamps: {len(stamps)} distinct value(s) over "
          f"{len(sealed) + len(comments)} tokens, all == round start: {stamps == {start}}")
    assert stamps == {start}


def test_participation_tokens_cannot_be_recomputed_after_close(db, box, closed_round):
    rid, captured = closed_round
    assert len(captured) == N  # the attacker's mid-round backup
    with db.session() as s:
        rnd = s.get(Round, rid)
        assert rnd.salt is None
        assert s.scalar(select(Participation.token).limit(1)) is None
        with pytest.raises(RoundClosed):
            box.token(rnd, USERS[0])
    # Holding the master key does not help: without the destroyed salt the
    # per-round key is unknown; the obvious guesses reproduce nothing.
    kr = Keyring(SECRET)
    guesses = {kr.participation_token(salt, rid, u)
               for u in USERS for salt in (b"", b"\0" * 32)}
    hits = len(guesses & captured)
    print(f"\n[privacy] participation recomputation after close: {hits}/{N} tokens matched")
    assert hits == 0


def test_batch_membership_while_open(db):
    """A reader who snapshots the database after every submission, during an
    open round, learns batch membership and nothing finer: rows appear only
    in groups of at least K ballots, written in shuffled order."""
    box = BallotBox(Keyring(SECRET), batch_min=K)
    rid = _new_round(db)
    seen: set[str] = set()
    batches: list[list[int]] = []  # submitter indices per batch
    pending: list[int] = []
    within_first = []
    n = 60
    values = [1 + (i * 3) % 5 for i in range(n)]
    for i in range(n):
        with db.session() as s:
            box.cast(s, rid, USERS[i], Ballot("A", {"burnout": values[i], "support": 3}, None))
        pending.append(i)
        order = "ctid" if db.is_postgres else "id"
        with db.engine.connect() as c:
            rows = c.execute(text(
                f"SELECT id, value FROM responses WHERE question_key='burnout' ORDER BY {order}")).all()
        new = [r for r in rows if r.id not in seen]
        if new:
            batches.append(pending)
            assert len(new) == len(pending)
            within_first.append([r.value for r in new])
            pending = []
            seen |= {r.id for r in new}
    sizes = [len(b) for b in batches]
    # Attacker's best guess: the most common value in the person's batch.
    guess = {}
    for members in batches:
        vals = [values[i] for i in members]
        best = max(set(vals), key=vals.count)
        guess.update({i: best for i in members})
    acc = sum(guess[i] == values[i] for i in guess) / len(guess)
    print(f"\n[privacy] open-round batch attack: batches={len(batches)} min anonymity set="
          f"{min(sizes)} (k={K}); best-guess accuracy={acc:.3f} "
          f"chance={chance_accuracy(values):.3f} (batch membership only, as documented)")
    assert min(sizes) >= K
    # After close, batch membership is gone too (see the xmin test).
