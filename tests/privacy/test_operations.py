"""Operator controls: key rotation, retention purge, forgetting a person.
Through the real `candor` CLI where it matters, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import logging
import struct
from datetime import datetime, timedelta

import pytest
from cryptography.fernet import InvalidToken
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.config import load_settings
from bot.context import Candor, utcnow
from bot.processes import cli
from bot.services import operations
from storage.ballot_box import AlreadyAnswered, Ballot, BallotBox
from storage.keys import Keyring
from storage.models import (
    Comment,
    Delivery,
    Participation,
    Pause,
    Person,
    Response,
    Round,
    SealedBallot,
    TeamCount,
)

OLD = "old-master-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
NEW = "new-master-secret-bbbbbbbbbbbbbbbbbbbbbbbbbbbb"
NOW = datetime(2027, 6, 1, 12, 0, 0)
runner = CliRunner()


def _candor(db, database_url, secret=NEW, old="") -> Candor:
    s = load_settings(DATABASE_URL=database_url, CANDOR_SECRET_KEY=secret,
                      CANDOR_OLD_SECRET_KEYS=old)
    c = Candor.build(s, db=db)
    c.now = lambda: NOW
    return c


def _env(database_url, secret=NEW, old=""):
    return {"DATABASE_URL": database_url, "CANDOR_SECRET_KEY": secret,
            "CANDOR_OLD_SECRET_KEYS": old, "SLACK_BOT_TOKEN": "", "LOG_LEVEL": "WARNING"}


def _round(db, number, *, status="closed", opened=NOW - timedelta(days=30), closed=None,
           published=None, team="T1") -> int:
    with db.session() as s:
        r = Round(team_id=team, number=number, status=status, opened_at=opened,
                  closes_at=opened + timedelta(days=3), closed_at=closed,
                  question_keys=["burnout"], invited=10, published=[], published_at=published)
        s.add(r)
        s.flush()
        return r.id


def _spend(db, box, rid, ballot: Ballot) -> str:
    """Issue a ticket, as the outbox does, and cast with it; returns the ticket."""
    with db.session() as s:
        token = box.issue_ticket(s.get(Round, rid), ballot.team_label)
    with db.session() as s:
        box.cast(s, box.read_ticket(token), ballot)
    return token


def _fill(db, box, rid, n=6, comment=True):
    """Cast n ballots into an open round (sealed until it closes)."""
    for i in range(n):
        _spend(db, box, rid, Ballot("A", {"burnout": 1 + i % 5},
                                    f"comment {rid}-{i}" if comment else None))


def _ts(token: str) -> int:
    return struct.unpack(">Q", base64.urlsafe_b64decode(token.encode())[1:9])[0]


# -- keys rotate -------------------------------------------------------------------

def _closed_round_under(db, key: str, number=1) -> int:
    box = BallotBox(Keyring(key), k=5)
    rid = _round(db, number, status="open")
    _fill(db, box, rid, n=12)
    with db.session() as s:
        rnd = s.get(Round, rid)
        rnd.status, rnd.closed_at = "closed", NOW - timedelta(days=1)
        box.close(s, rnd)
    return rid


def test_keys_rotate_reencrypts_keeps_timestamps_and_retires_old_key(db, database_url):
    rid = _closed_round_under(db, OLD)
    with db.session() as s:
        before = {s_: _ts(s_) for s_ in s.scalars(select(Comment.sealed))}
        plain_before = sorted(BallotBox(Keyring(OLD)).read_comments(s, rid))
    res = runner.invoke(cli.app, ["keys", "rotate", "--batch-size", "5"],
                        env=_env(database_url, NEW, OLD))
    print(res.output)
    assert res.exit_code == 0, res.output
    assert "Re-encrypted 12 comments token(s)" in res.output
    assert "retired" in res.output and "CANDOR_OLD_SECRET_KEYS" in res.output
    c = _candor(db, database_url, NEW)  # the new key alone, no retired keys
    assert operations.verify_current_key(c) == 0
    with db.session() as s:
        after = s.scalars(select(Comment.sealed)).all()
        assert sorted(c.box.read_comments(s, rid)) == plain_before
    assert set(after).isdisjoint(before)  # every token rewritten
    assert {_ts(t) for t in after} == set(before.values())  # timestamps kept (round start)
    with pytest.raises(InvalidToken):
        Keyring(OLD).sealer("comment").decrypt(after[0].encode())


def test_keys_rotate_refuses_while_a_round_is_open(db, database_url):
    box = BallotBox(Keyring(OLD))
    rid = _round(db, 1, status="open")
    _fill(db, box, rid, n=3)
    with db.session() as s:
        sealed_before = sorted(s.scalars(select(SealedBallot.sealed)))
    res = runner.invoke(cli.app, ["keys", "rotate"], env=_env(database_url, NEW, OLD))
    assert res.exit_code == 1
    assert "round is open" in res.output and "Nothing was changed" in res.output
    assert "could answer" in res.output
    with db.session() as s:
        assert sorted(s.scalars(select(SealedBallot.sealed))) == sealed_before


def test_keys_rotate_reports_tokens_no_key_opens(db, database_url):
    _closed_round_under(db, OLD)
    _closed_round_under(db, "a-key-nobody-configured-cccccccccccccccccccc", number=2)
    res = runner.invoke(cli.app, ["keys", "rotate"], env=_env(database_url, NEW, OLD))
    assert res.exit_code == 1
    assert "could not be opened" in res.output and "comments: 12" in res.output
    assert "retired:" not in res.output  # never tells the operator to drop keys then


def test_key_change_during_an_open_round_keeps_tickets_and_dedupe(db):
    """A ticket sent under the old key still works after a restart with a new
    key (the old one retired), and still only once."""
    rid = _round(db, 1, status="open")
    ticket = _spend(db, BallotBox(Keyring(OLD)), rid, Ballot("A", {"burnout": 5}, None))
    restarted = BallotBox(Keyring(NEW, [OLD]))
    with pytest.raises(AlreadyAnswered), db.session() as s:
        restarted.cast(s, restarted.read_ticket(ticket), Ballot("A", {"burnout": 5}, None))


# -- purge -------------------------------------------------------------------------

def _seed_purge(db, c, now=NOW):
    ids = {}
    for name, number, published, closed in (
        ("old_published", 1, now - timedelta(days=200), now - timedelta(days=205)),
        ("old_unpublished", 2, None, now - timedelta(days=190)),
        ("recent", 3, now - timedelta(days=10), now - timedelta(days=11)),
    ):
        rid = _round(db, number, status="open", opened=closed - timedelta(days=3))
        _fill(db, c.box, rid, n=6)
        with db.session() as s:
            rnd = s.get(Round, rid)
            rnd.status, rnd.closed_at, rnd.published_at = "closed", closed, published
            c.box.close(s, rnd)
            # Rows that closing should have removed or that must age out.
            s.add(Participation(team_id="T1", round_id=rid, token=f"stray{rid}"))
            for kind, status, err in (("prompt", "sent", None),
                                      ("reminder", "skipped", "already answered")):
                s.add(Delivery(team_id="T1", round_id=rid, user_id=f"UPURGE{rid:04d}",
                               team_label="A", kind=kind, status=status, last_error=err,
                               send_after=closed - timedelta(days=2)))
        ids[name] = rid
    live = _round(db, 4, status="open", opened=now - timedelta(days=1))
    _fill(db, c.box, live, n=3)
    with db.session() as s:
        s.add(Delivery(team_id="T1", round_id=live, user_id="ULIVE00001", team_label="A",
                       kind="prompt", status="sent", send_after=now))
    ids["open"] = live
    return ids


def _count(db, model, **where):
    with db.session() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


def test_purge_deletes_raw_comments_and_tokens_keeps_aggregates(db, database_url, caplog):
    c = _candor(db, database_url, NEW)
    ids = _seed_purge(db, c)
    resp_before = _count(db, Response)
    tc_before = _count(db, TeamCount)
    caplog.set_level(logging.INFO)
    out = operations.purge(c)  # what the clock runs daily (180 days)
    print(f"\n[privacy] purge: {out}")
    assert out == {"comments": 12, "deliveries": 4, "participation_tokens": 3,
                   "reminder_rows": 1}
    assert _count(db, Comment, round_id=ids["old_published"]) == 0
    assert _count(db, Comment, round_id=ids["old_unpublished"]) == 0  # counts from close
    assert _count(db, Comment, round_id=ids["recent"]) == 6
    assert _count(db, Participation, round_id=ids["recent"]) == 0
    assert _count(db, Delivery, round_id=ids["recent"], kind="reminder") == 0
    assert _count(db, Delivery, round_id=ids["recent"], kind="prompt") == 1
    assert _count(db, Delivery, round_id=ids["open"]) == 1  # open rounds untouched
    assert _count(db, Participation, round_id=ids["open"]) == 3
    assert _count(db, Response) == resp_before and _count(db, TeamCount) == tc_before
    logged = [r for r in caplog.records if r.name == "candor.operations"]
    assert logged and "comments=12" in logged[-1].getMessage()
    assert all("UPURGE" not in r.getMessage() and "comment " not in r.getMessage()
               for r in caplog.records)
    # Idempotent.
    assert sum(operations.purge(c).values()) == 0


def test_purge_cli_days_option(db, database_url):
    c = _candor(db, database_url, NEW)
    ids = _seed_purge(db, c, now=utcnow())  # the CLI runs on the real clock
    res = runner.invoke(cli.app, ["purge", "--days", "5"], env=_env(database_url))
    assert res.exit_code == 0, res.output
    assert "Removed 18 comment(s)" in res.output and "Aggregates were kept" in res.output
    assert _count(db, Comment, round_id=ids["recent"]) == 0
    assert _count(db, Comment, round_id=ids["open"]) == 0  # open round: comments still sealed


def test_purge_cli_without_days_uses_candor_retention_days(db, database_url):
    """Found and fixed: without --days, `candor purge` kept comments for 180
    days whatever CANDOR_RETENTION_DAYS said."""
    c = _candor(db, database_url, NEW)
    ids = _seed_purge(db, c, now=utcnow())  # "recent" was published 10 days ago
    res = runner.invoke(cli.app, ["purge"],
                        env={**_env(database_url), "CANDOR_RETENTION_DAYS": "7"})
    assert res.exit_code == 0, res.output
    assert "Removed 18 comment(s)" in res.output
    assert "older than 7 days after publication" in res.output
    assert _count(db, Comment, round_id=ids["recent"]) == 0
    assert _count(db, Delivery, round_id=ids["recent"]) == 0
    assert _count(db, Delivery, round_id=ids["open"]) == 1  # open rounds untouched


# -- forget-user -------------------------------------------------------------------

def test_forget_user_removes_everything_tied_to_the_person(db, database_url):
    c = _candor(db, database_url, NEW)
    who, other = "UFORGET001", "UKEEPME001"
    rid = _round(db, 1, status="open", opened=NOW - timedelta(days=1))
    closed = _round(db, 2, status="closed", closed=NOW - timedelta(days=9))
    with db.session() as s:
        for uid in (who, other):
            s.add(Pause(team_id="T1", user_id=uid))
            s.add(Person(team_id="T1", user_id=uid, names=["X"], tz=None, locale=None))
            for r in (rid, closed):
                s.add(Delivery(team_id="T1", round_id=r, user_id=uid, team_label="A",
                               kind="prompt", status="sent", send_after=NOW))
    for _ in (who, other):
        _spend(db, c.box, rid, Ballot("A", {"burnout": 4}, "x"))
    res = runner.invoke(cli.app, ["forget-user", who], env=_env(database_url))
    print(res.output)
    assert res.exit_code == 0, res.output
    assert ("Removed 1 pause preference(s), 1 roster row(s) and 2 invitation "
            "row(s).") in res.output
    assert "cannot find this person's answers" in res.output
    with db.session() as s:
        assert s.get(Pause, ("T1", who)) is None and s.get(Person, ("T1", who)) is None
        assert s.get(Pause, ("T1", other)) is not None
        assert s.scalar(select(func.count()).where(Delivery.user_id == who)) == 0
        assert s.scalar(select(func.count()).where(Delivery.user_id == other)) == 2
    assert _count(db, SealedBallot) == 2  # their answer stays, unlinkable
    res = runner.invoke(cli.app, ["forget-user", "not-an-id"], env=_env(database_url))
    assert res.exit_code == 2
