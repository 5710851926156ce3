"""Adversaries 1-3: someone who can read the database (snapshots during the
round, backups, the files and WAL after close), plus the submission order
(the worst case: v1's DM "recorded" edits gave it away), and the operator
who also holds CANDOR_SECRET_KEY.

Ground truth is known: N people submit in a known order, and their answers
are a function of that order (the worst case: if storage kept any trace of
order, the answer would follow). For each side channel the attacker pairs
people with stored answers and we check the result is no better than chance.
Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import json
import struct
from datetime import datetime

import pytest
from sqlalchemy import DateTime, select, text
from sqlalchemy.exc import DBAPIError

from storage.ballot_box import Ballot, BallotBox
from storage.keys import Keyring
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
                  closes_at=datetime(2026, 11, 5), question_keys=["burnout", "support"],
                  invited=N, published=[])
        s.add(r)
        s.flush()
        return r.id


def _fernet_time(token: str) -> int:
    raw = base64.urlsafe_b64decode(token.encode())
    return struct.unpack(">Q", raw[1:9])[0]


@pytest.fixture
def box():
    # Production randomness: nothing about the attack depends on a seed.
    return BallotBox(Keyring(SECRET), k=K)


def _tickets(db, box, rid) -> list[str]:
    """One ticket per invitation, as the outbox makes them (in memory only)."""
    with db.session() as s:
        rnd = s.get(Round, rid)
        return [box.issue_ticket(rnd, TEAMS[i]) for i in range(N)]


def _submit(db, box, token, i, comment=None):
    t = box.read_ticket(token)
    with db.session() as s:
        box.cast(s, t, Ballot(t.team_label, {"burnout": BURNOUT[i], "support": SUPPORT[i]},
                              comment))


def _close(db, box, rid):
    with db.session() as s:
        rnd = s.get(Round, rid)
        rnd.status = "closed"
        box.close(s, rnd, K)
    return db.forget_free_space()


@pytest.fixture
def closed_round(db, box):
    """Everyone submits in order; the attacker captures everything in the
    database while the round is open (a backup taken mid-round); then it
    closes."""
    rid = _new_round(db)
    tickets = _tickets(db, box, rid)
    for i in range(N):
        _submit(db, box, tickets[i], i, f"comment number {i:03d}")
    with db.engine.connect() as c:
        mid_round = {
            "participation": {t for (t,) in c.execute(text("SELECT token FROM participation"))},
            "sealed": [t for (t,) in c.execute(text("SELECT sealed FROM sealed_ballots"))],
        }
    _close(db, box, rid)
    return rid, mid_round


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
    idx = [int(json.loads(sealer.decrypt(t.encode()))["c"].rsplit(" ", 1)[1]) for t in sealed]
    assert sorted(idx) == list(range(N))
    quintile = [1 + (5 * i) // N for i in idx]  # same shape as the burnout attack
    _attack("comment storage order (decrypted)", quintile, BURNOUT)


def test_fernet_timestamps_all_equal_round_start(db, box):
    rid = _new_round(db)
    tickets = _tickets(db, box, rid)[:K + 2]
    for i, t in enumerate(tickets):
        _submit(db, box, t, i, "hi")
    start = calendar.timegm(OPENED.timetuple())
    with db.session() as s:
        sealed = s.scalars(select(SealedBallot.sealed)).all()
    _close(db, box, rid)
    with db.session() as s:
        comments = s.scalars(select(Comment.sealed)).all()
    stamps = {_fernet_time(t) for t in [*tickets, *sealed, *comments]}
    print(f"\n[privacy] fernet timestamps: {len(stamps)} distinct value(s) over "
          f"{len(tickets) + len(sealed) + len(comments)} tokens, all == round start: "
          f"{stamps == {start}}")
    assert stamps == {start}


COMMENTS = ["", "ok", "x" * 37, "ñ" * 400, "The caseload is 70 and " * 40, "🙂" * 1000]


def test_ciphertext_length_says_nothing_about_the_comment(db, box):
    """Adversary 1: ciphertext length once narrowed a quoted comment's author.
    Every sealed ballot, and every stored comment, now has one length."""
    rid = _new_round(db)
    tickets = _tickets(db, box, rid)
    for i, comment in enumerate(COMMENTS * 2):
        _submit(db, box, tickets[i], i, comment or None)
    with db.session() as s:
        sealed = {len(t) for t in s.scalars(select(SealedBallot.sealed))}
    _close(db, box, rid)
    with db.session() as s:
        stored = {len(t) for t in s.scalars(select(Comment.sealed))}
    print(f"\n[privacy] sealed ballot lengths: {sorted(sealed)}; comment lengths: {sorted(stored)}")
    assert len(sealed) == 1 and len(stored) == 1


def test_nothing_team_labelled_before_close(db, box):
    """Adversary 1: a reader with a snapshot after every submission. Before
    close there is nothing to read but a count: no response, no team count,
    no team label; so no anonymity set smaller than the whole round."""
    rid = _new_round(db)
    tickets = _tickets(db, box, rid)
    for i in range(40):
        _submit(db, box, tickets[i], i, "comment")
        with db.engine.connect() as c:
            assert c.execute(text("SELECT COUNT(*) FROM responses")).scalar() == 0
            assert c.execute(text("SELECT COUNT(*) FROM comments")).scalar() == 0
            assert not c.execute(text("SELECT * FROM team_counts WHERE ballots > 0")).all()
            dump = str(c.execute(text("SELECT * FROM sealed_ballots")).all())
        assert not any(team in dump for team in set(TEAMS))
    print("\n[privacy] open round: 40 snapshots, 0 responses / team labels visible; "
          "anonymity set = every respondent")


def test_spent_tickets_cannot_be_tied_to_anyone_even_with_the_key(db, box, closed_round):
    """Adversaries 2 and 3: the mid-round backup holds one hash per spent
    ticket. With the master key and the full list of who was invited, no
    computation over a user id reproduces any of them; after close they are
    gone."""
    rid, mid_round = closed_round
    captured = mid_round["participation"]
    assert len(captured) == N
    with db.session() as s:
        assert s.scalar(select(Participation.token).limit(1)) is None
    kr = Keyring(SECRET)
    ticket_key = kr.sealer("ticket")._fernets[0]._signing_key
    guesses = set()
    for u in USERS:
        for data in (u.encode(), f"{rid}:{u}".encode(), f"{u}:{rid}".encode()):
            guesses.add(hashlib.sha256(data).hexdigest())
            guesses.add(hmac.new(ticket_key, data, hashlib.sha256).hexdigest())
    hits = len(guesses & captured)
    print(f"\n[privacy] spent tickets recomputed from user ids with the key: {hits}/{N}")
    assert hits == 0
    # What the attacker can decrypt with the key holds no person either.
    sealer = kr.sealer("ballot")
    opened = [json.loads(sealer.decrypt(t.encode())) for t in mid_round["sealed"]]
    # team, answers, comment, and the voluntary role and tenure (issue 14)
    assert all(set(b) == {"t", "a", "c", "r", "y"} for b in opened)
    assert not any(u in json.dumps(opened) for u in USERS)


def _raw_files(db) -> bytes:
    path = db.engine.url.database
    out = b""
    for suffix in ("", "-wal", "-journal"):
        try:
            with open(path + suffix, "rb") as fh:
                out += fh.read()
        except FileNotFoundError:
            pass
    return out


def test_sqlite_file_and_wal_after_close_hold_no_sealed_ballot(db, box, closed_round):
    """Adversary 2: a copy of the database files after close (SQLite)."""
    if db.is_postgres:
        pytest.skip("SQLite only")
    _, mid_round = closed_round
    raw = _raw_files(db)
    left = sum(t.encode() in raw for t in mid_round["sealed"])
    spent = sum(t.encode() in raw for t in mid_round["participation"])
    print(f"\n[privacy] sqlite raw bytes after close: {left}/{N} sealed ballots, "
          f"{spent}/{N} spent tickets remain ({len(raw)} bytes read)")
    assert left == 0 and spent == 0


def test_sqlite_wal_truncation_waits_for_a_reader_and_then_happens(db, box):
    """A reader holding a transaction across the close (a backup, a BI tool)
    stops the WAL truncating: forget_free_space says so, and succeeds once
    the reader goes."""
    if db.is_postgres:
        pytest.skip("SQLite only")
    rid = _new_round(db)
    tickets = _tickets(db, box, rid)
    for i in range(K):
        _submit(db, box, tickets[i], i)
    reader = db.engine.connect()
    reader.exec_driver_sql("BEGIN")
    reader.exec_driver_sql("SELECT COUNT(*) FROM sealed_ballots").all()
    try:
        assert _close(db, box, rid) is False
    finally:
        reader.rollback()
        reader.close()
    assert db.forget_free_space() is True


def test_postgres_relation_files_after_close_hold_no_sealed_ballot(db, box, closed_round):
    """Adversary 2 on PostgreSQL: dead tuples. VACUUM FULL rewrote the tables
    into new files; the raw pages (read as superuser) hold nothing sealed."""
    if not db.is_postgres:
        pytest.skip("PostgreSQL only")
    _, mid_round = closed_round
    with db.engine.connect() as c:
        raw = b""
        for table in ("sealed_ballots", "participation"):
            path = c.execute(text("SELECT pg_relation_filepath(:t)"), {"t": table}).scalar()
            size = c.execute(text("SELECT pg_relation_size(:t)"), {"t": table}).scalar()
            if size:
                raw += bytes(c.execute(text("SELECT pg_read_binary_file(:p)"), {"p": path}).scalar())
    left = sum(t.encode() in raw for t in mid_round["sealed"])
    spent = sum(t.encode() in raw for t in mid_round["participation"])
    print(f"\n[privacy] postgres relation files after close: {left}/{N} sealed ballots, "
          f"{spent}/{N} spent tickets ({len(raw)} bytes)")
    assert left == 0 and spent == 0


def test_postgres_wal_after_close_ties_no_ballot_to_a_person(db, box, closed_round):
    """Adversary 3: the operator with the master key reads pg_wal after
    close. The WAL still holds the sealed ballots (we can't erase it), and
    the key opens them; but no record in it carries a user id or anything
    computed from one, so a ballot can't be tied to its author from the
    database alone. What remains (arrival order) is in docs/privacy.md."""
    if not db.is_postgres:
        pytest.skip("PostgreSQL only")
    rid, mid_round = closed_round
    with db.engine.connect() as c:
        c.execute(text("SELECT pg_switch_wal()"))
        # Up to the segment being written now: later names are recycled,
        # pre-allocated segments holding older traffic (or none).
        current = c.execute(text("SELECT pg_walfile_name(pg_current_wal_lsn())")).scalar()
        names = [n for (n,) in c.execute(text(
            "SELECT name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$' AND name <= :cur "
            "ORDER BY name"), {"cur": current})]
        wal = b"".join(bytes(c.execute(text("SELECT pg_read_binary_file(:p)"),
                                       {"p": f"pg_wal/{n}"}).scalar()) for n in names[-6:])
    # Long values are TOASTed in ~2 kB chunks: a ballot counts as readable
    # when its first chunk is there (the attacker can put the chunks together).
    found = sum(t[:1500].encode() in wal for t in mid_round["sealed"])
    spent = {t for t in mid_round["participation"] if t.encode() in wal}
    kr = Keyring(SECRET)
    ticket_key = kr.sealer("ticket")._fernets[0]._signing_key
    guesses = {f(u) for u in USERS for f in (
        lambda u: hashlib.sha256(u.encode()).hexdigest(),
        lambda u: hmac.new(ticket_key, u.encode(), hashlib.sha256).hexdigest(),
        lambda u: hmac.new(ticket_key, f"{rid}:{u}".encode(), hashlib.sha256).hexdigest())}
    print(f"\n[privacy] pg_wal after close: {found}/{N} sealed ballots still in the WAL "
          f"(the key opens them; they name nobody), {len(spent)}/{N} spent-ticket hashes, "
          f"{len(spent & guesses)} of them recomputable from a user id")
    assert spent and not spent & guesses
