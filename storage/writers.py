"""SQLite's writers: one at a time, handed over at once, and committed in
groups (used by storage.db.Database on SQLite only)."""

from __future__ import annotations

import copy
import os
import threading
import time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError


class Writers:
    """SQLite's writers, one at a time, handing over at once (see
    `Database.one_writer`): a thread lock within the process, and across
    processes (two web processes) an advisory lock on a file beside the
    database. SQLite's own busy handler sleeps 1, 2, 5 … 100 ms between
    tries; this polls every 0.1–1 ms instead, and after `budget` seconds
    goes ahead and leaves the wait to SQLite (a stopped process holding the
    lock can't jam this one)."""

    def __init__(self, path: Path | None, budget: float):
        self._thread = threading.Lock()
        self._path = path.with_name(path.name + "-writer.lock") if path else None
        self._budget = budget
        self._fd: int | None = None
        self._held = False

    def _flock(self) -> bool:
        import fcntl

        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline, pause = time.monotonic() + self._budget, 0.0001
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def __enter__(self):
        self._thread.acquire()
        try:
            self._held = self._path is not None and self._flock()
        except (OSError, ImportError):  # no fcntl (Windows) or no lock file: threads only
            self._held = False
        return self

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __exit__(self, *exc) -> None:
        try:
            if self._held:
                import fcntl

                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._held = False
            self._thread.release()


class _Slot:
    __slots__ = ("fn", "done", "value", "error")

    def __init__(self, fn):
        self.fn, self.done, self.value, self.error = fn, False, None, None


class GroupCommit:
    """Group commit for SQLite, which commits one writer at a time and at
    synchronous=FULL syncs the WAL at every commit (about 2-4 ms here): that
    sync, not the work, capped a web process near 400 submits/s, and two
    processes no higher. Writers queue their work; whoever finds no commit
    under way leads: it runs everything queued in one transaction, commits
    once, then hands each caller its own result or error. A caller returns
    only after the commit that holds its write, so nothing is acknowledged
    before it is durable. A statement that fails for one caller (a spent
    ticket's primary key) is undone alone: SQLite keeps the rest of the
    transaction. Any other database error, or a failed commit, fails the
    whole batch, and every caller in it hears so (nothing of it is stored)."""

    def __init__(self, connect, one_writer):
        # Callables, so a database whose engine is replaced uses the new one.
        self._connect, self._one_writer = connect, one_writer
        self._cv = threading.Condition()
        self._queue: list[_Slot] = []
        self._leading = False

    def run(self, fn):
        slot = _Slot(fn)
        with self._cv:
            self._queue.append(slot)
            while self._leading and not slot.done:
                self._cv.wait()
            lead = not slot.done
            if lead:
                self._leading = True
                batch, self._queue = self._queue, []
        if lead:
            try:
                self._commit(batch)
            finally:
                with self._cv:
                    self._leading = False
                    self._cv.notify_all()
        if slot.error is not None:
            raise slot.error
        return slot.value

    def _commit(self, batch: list[_Slot]) -> None:
        try:
            with self._connect() as conn, self._one_writer():
                for slot in batch:
                    try:
                        slot.value = slot.fn(conn)
                    except SQLAlchemyError:
                        raise  # the transaction is in doubt: fail the batch
                    except Exception as e:  # this caller's own answer (a refusal)
                        slot.error = e
                conn.commit()
        except BaseException as e:
            # Interrupted (a signal) as well as failed: every caller in the
            # batch hears it, so none of them can return as if stored.
            failure = e if isinstance(e, Exception) else RuntimeError("the commit was interrupted")
            for slot in batch:
                slot.value, slot.error = None, copy.copy(failure)
            if failure is not e:
                raise
        finally:
            for slot in batch:
                slot.done = True
