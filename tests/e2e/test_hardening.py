"""Failure handling over real HTTP: database down during a submit, oversized
bodies, /healthz. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from sqlalchemy import create_engine, func, select, text

from storage.models import Participation, SealedBallot
from tests.builders import TEAM_A, click_and_wait, open_round

UNREACHABLE_PG = "postgresql+psycopg://nobody:nothing@127.0.0.1:9/none?connect_timeout=1"


def _open_round(stack, fake):
    open_round(stack)


def _modal(stack, fake, uid):
    view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
    answers = {b["block_id"]: 2 for b in view["blocks"] if b.get("block_id", "").startswith("q_")}
    answers["comment"] = "please keep this"
    return view, answers


def _counts(db):
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(Participation)),
                s.scalar(select(func.count()).select_from(SealedBallot)))


def _assert_kept_open_with_error(r):
    assert r.status == 200, r.body
    assert r.json and r.json.get("response_action") == "errors", r.body
    msg = " ".join(r.json["errors"].values())
    print(f"\n[hardening] clinician sees: {msg}")
    assert "nothing" in msg.lower() or "again" in msg.lower(), msg


def test_submit_while_a_table_is_missing_writes_nothing(stack, fake, db):
    """The ballot's participation token is inserted first; the sealed ballot
    insert then fails. The clinician is told, keeps the modal and their
    answers, and no half-written row (a token without a ballot) remains."""
    _open_round(stack, fake)
    uid = TEAM_A[2]
    view, answers = _modal(stack, fake, uid)
    before = _counts(db)
    with db.engine.begin() as c:
        c.execute(text("ALTER TABLE sealed_ballots RENAME TO sealed_ballots_away"))
    try:
        r = stack.sender.submit(uid, view, answers=answers)
    finally:
        with db.engine.begin() as c:
            c.execute(text("ALTER TABLE sealed_ballots_away RENAME TO sealed_ballots"))
    _assert_kept_open_with_error(r)
    assert "wasn't saved" in r.body or "nothing was recorded" in r.body or "nothing" in r.body
    assert _counts(db) == before  # no participation token without its ballot
    # The modal is still open with the answers; pressing Submit again works.
    r = stack.sender.submit(uid, view, answers=answers)
    assert r.json["response_action"] == "update", r.body
    assert _counts(db) == (before[0] + 1, before[1] + 1)


def test_submit_while_the_database_is_unreachable(stack, fake, db, tmp_path):
    """Point the app's engine at a database that cannot be reached (a closed
    port for PostgreSQL, a file in a missing directory for SQLite), submit,
    then restore it."""
    _open_round(stack, fake)
    uid = TEAM_A[3]
    view, answers = _modal(stack, fake, uid)
    before = _counts(db)
    app_db = stack.candor.db
    real = app_db.engine
    url = UNREACHABLE_PG if db.is_postgres else f"sqlite:///{tmp_path}/missing/dir/candor.db"
    dead = create_engine(url)
    app_db.engine = dead
    app_db._sessions.configure(bind=dead)
    try:
        r = stack.sender.submit(uid, view, answers=answers)
        try:
            urllib.request.urlopen(f"{stack.url}/healthz", timeout=10)
            health = 200
        except urllib.error.HTTPError as e:
            health = e.code
    finally:
        app_db.engine = real
        app_db._sessions.configure(bind=real)
        dead.dispose()
    _assert_kept_open_with_error(r)
    assert health == 503
    assert _counts(db) == before
    r = stack.sender.submit(uid, view, answers=answers)
    assert r.json["response_action"] == "update", r.body
    assert _counts(db) == (before[0] + 1, before[1] + 1)


def test_oversized_body_is_rejected_early(stack):
    big = "payload=" + "x" * (600 * 1024)
    r = stack.sender.post(big)
    assert r.status == 413
    # A forged Content-Length that claims more than the limit is refused before reading.
    req = urllib.request.Request(f"{stack.url}/slack/events", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json"})
    req.add_unredirected_header("Content-Length", str(10 * 1024 * 1024))
    try:
        urllib.request.urlopen(req, timeout=5)
        status = 200
    except urllib.error.HTTPError as e:
        status = e.code
    except Exception:  # the server may also drop a body it will never read
        status = 413
    assert status == 413


def test_healthz_ok(stack):
    with urllib.request.urlopen(f"{stack.url}/healthz", timeout=5) as r:
        assert r.status == 200 and json.loads(r.read())["ok"] is True
