"""Outbox rows: which are due, and each move touching only its own columns."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage import outbox
from storage.models import Delivery, Round

NOW = datetime(2026, 11, 2, 9, 0, 0)


def _round(db, status="open", team="T1", number=1) -> int:
    with db.session() as s:
        r = Round(team_id=team, number=number, status=status, opened_at=NOW,
                  closes_at=NOW + timedelta(days=3), question_keys=["burnout"], invited=2,
                  published=[])
        s.add(r)
        s.flush()
        return r.id


def _delivery(db, rid, user, *, kind="prompt", status="pending", after=NOW, team="T1",
              **extra) -> int:
    with db.session() as s:
        d = Delivery(team_id=team, round_id=rid, user_id=user, team_label="A", kind=kind,
                     status=status, send_after=after, attempts=extra.pop("attempts", 0), **extra)
        s.add(d)
        s.flush()
        return d.id


def _row(db, did) -> Delivery:
    with db.session() as s:
        return outbox.by_id(s, did)


def test_due_ids_are_pending_rows_of_open_rounds_oldest_first(db):
    rid = _round(db)
    closed = _round(db, status="closed", number=2)
    other = _round(db, team="T2")
    late = _delivery(db, rid, "U1", after=NOW - timedelta(minutes=1))
    early = _delivery(db, rid, "U2", after=NOW - timedelta(minutes=5))
    _delivery(db, rid, "U3", after=NOW + timedelta(minutes=1))  # not yet
    _delivery(db, rid, "U4", status="sent")
    _delivery(db, closed, "U5")
    theirs = _delivery(db, other, "U6", team="T2")
    with db.session() as s:
        assert outbox.due_ids(s, NOW, 10) == [early, late, theirs]
        assert outbox.due_ids(s, NOW, 1) == [early]
        assert outbox.due_ids(s, NOW, 10, team_id="T2") == [theirs]


def test_claim_wins_once_and_counts_the_attempt(db):
    did = _delivery(db, _round(db), "U1")
    with db.session() as s:
        assert outbox.claim(s, did, NOW)
        assert not outbox.claim(s, did, NOW)
    d = _row(db, did)
    assert (d.status, d.claimed_at, d.attempts) == ("sending", NOW, 1)


def test_moves_change_only_their_columns(db):
    rid = _round(db)
    sent, unsure, retry, failed = (
        _delivery(db, rid, f"U{i}", status="sending", last_error="unconfirmed: HTTP 500",
                  attempts=1) for i in range(4))
    later = NOW + timedelta(minutes=5)
    with db.session() as s:
        outbox.mark_sent(s, sent, "D1", "1.1")
        outbox.mark_unconfirmed(s, unsure, "unconfirmed: " + "x" * 300, later)
        outbox.mark_failed_or_retry(s, retry, "ratelimited", final=False, retry_at=later)
        outbox.mark_failed_or_retry(s, failed, "user_not_found", final=True, retry_at=later)
    d = _row(db, sent)
    assert (d.status, d.channel, d.ts, d.last_error) == ("sent", "D1", "1.1", None)
    d = _row(db, unsure)
    assert (d.status, d.claimed_at, len(d.last_error)) == ("sending", later, 200)
    d = _row(db, retry)
    assert (d.status, d.last_error, d.send_after) == ("pending", "ratelimited", later)
    assert _row(db, failed).status == "failed"


def test_recovery_moves(db):
    rid = _round(db)
    old, new = NOW - timedelta(minutes=5), NOW
    rows = {}
    for name, kind, claimed in (("prompt", "prompt", old), ("reminder", "reminder", old),
                                ("stale", "prompt", old), ("fresh", "prompt", new)):
        rows[name] = _delivery(db, rid, "U" + name, kind=kind, status="sending",
                               claimed_at=claimed, last_error="unconfirmed: Timeout")
    with db.session() as s:
        assert {d.id for d in outbox.sending_rows(s)} == set(rows.values())
        found = {d.id: d for d in outbox.sending_rows(s, claimed_before=NOW)}
    assert set(found) == {rows["prompt"], rows["reminder"], rows["stale"]}
    with db.session() as s:
        outbox.mark_found(s, found[rows["prompt"]], "D1", "9.9")
        outbox.mark_found(s, found[rows["reminder"]], "D2", "8.8")
        outbox.requeue(s, rows["stale"])
        outbox.give_up(s, rows["fresh"])
    # Reminders go to everyone now, so a found reminder ends like any sent
    # message, its "unconfirmed" error cleared: no row keeps a trace of a doubt.
    for name, channel, ts in (("prompt", "D1", "9.9"), ("reminder", "D2", "8.8")):
        d = _row(db, rows[name])
        assert (d.status, d.channel, d.ts, d.last_error) == ("sent", channel, ts, None)
    assert _row(db, rows["stale"]).status == "pending"
    assert _row(db, rows["fresh"]).status == "failed"
