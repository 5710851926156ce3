"""SQLite's writers (storage.writers): a group commit that answers each
caller only after the commit holding its write, keeps one caller's refusal
from undoing the others, and fails a whole batch when its transaction fails;
and a writer lock that also holds across processes (a file lock)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from storage.db import WEB, Database
from storage.writers import Writers


class Refused(Exception):
    pass


@pytest.fixture
def sqlite_db(tmp_path):
    d = Database(f"sqlite:///{tmp_path / 'w.db'}", WEB)
    with d.engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE spent (k TEXT PRIMARY KEY)")
    yield d
    d.dispose()


def _spend(key: str, hold: threading.Event | None = None):
    def write(conn):
        if hold is not None:
            hold.wait(10)
        try:
            conn.exec_driver_sql("INSERT INTO spent VALUES (?)", (key,))
        except IntegrityError:
            raise Refused(key) from None
        return key
    return write


def _stored(d: Database) -> set[str]:
    with d.engine.connect() as c:
        return {k for (k,) in c.exec_driver_sql("SELECT k FROM spent")}


def _concurrently(d: Database, writes: list) -> tuple[list, int]:
    """Run the writes at once, the first one holding its batch open until
    the rest have queued; returns (each one's result or exception, commits)."""
    commits = []

    def counted(conn):
        commits.append(1)

    event.listen(d.engine, "commit", counted)
    out: list = [None] * len(writes)

    def one(i: int) -> None:
        try:
            out[i] = d.write_now(writes[i])
        except Exception as e:  # noqa: BLE001 - the answer under test
            out[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(writes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    event.remove(d.engine, "commit", counted)
    return out, len(commits)


def test_concurrent_writes_share_commits_and_a_refusal_undoes_only_itself(sqlite_db):
    hold = threading.Event()
    writes = [_spend("a", hold)] + [_spend(f"k{i}") for i in range(12)] + [_spend("k3")]
    timer = threading.Timer(0.5, hold.set)  # the others queue behind the first batch
    timer.start()
    out, commits = _concurrently(sqlite_db, writes)
    timer.cancel()
    assert all(not isinstance(r, BaseException) or isinstance(r, Refused) for r in out), out
    refused = [r for r in out if isinstance(r, Refused)]
    assert len(refused) == 1 and str(refused[0]) == "k3"  # the doubled key: stored once
    assert _stored(sqlite_db) == {"a"} | {f"k{i}" for i in range(12)}
    # The 13 other writes waited behind the first commit and shared few commits
    # (one each would be 14).
    assert commits <= 4, commits


def test_a_failed_batch_fails_every_caller_in_it_and_stores_none_of_it(sqlite_db):
    hold = threading.Event()

    def broken(conn):
        hold.wait(10)
        conn.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")

    writes = [_spend("first", hold)] + [_spend(f"x{i}") for i in range(5)] + [broken]
    # `broken` is queued behind the first batch with the x's: whichever batch
    # holds it fails whole, and nothing of that batch is stored.
    timer = threading.Timer(0.5, hold.set)
    timer.start()
    out, _ = _concurrently(sqlite_db, writes)
    timer.cancel()
    stored = _stored(sqlite_db)
    assert isinstance(out[-1], SQLAlchemyError)
    for key, r in zip(["first"] + [f"x{i}" for i in range(5)], out, strict=False):
        # Thanked only if stored; told of a database error only if not.
        assert (r == key) == (key in stored), (key, r, stored)
        assert r == key or isinstance(r, SQLAlchemyError), r
    assert stored != {"first", *(f"x{i}" for i in range(5))}  # some shared the failed batch


def test_the_writer_lock_holds_across_processes_and_gives_up_after_its_budget(tmp_path):
    path = tmp_path / "x.db"
    # Two Writers on one file stand for two processes: each opens the lock
    # file itself, and flock() locks conflict between open files.
    first, second = Writers(path, budget=5.0), Writers(path, budget=5.0)
    order: list[str] = []
    with first:
        t = threading.Thread(target=lambda: (second.__enter__(), order.append("second"),
                                             second.__exit__(None, None, None)))
        t.start()
        time.sleep(0.3)
        order.append("first done")
    t.join(5)
    assert order == ["first done", "second"]

    impatient = Writers(path, budget=0.1)
    with first:
        t0 = time.monotonic()
        with impatient:  # goes ahead (SQLite's busy handler would decide)
            waited = time.monotonic() - t0
    assert 0.1 <= waited < 2
    for w in (first, second, impatient):
        w.close()
