"""The clock lease: a row in the database (SQLite or PostgreSQL) that lets
one process at a time run the clock.

The holder renews it every few seconds; another process takes over only after
it expires, or at once if the holder was on this host and its pid is gone.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import Lease

HOST = socket.gethostname()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, but another user's
    return True


class ClockLease:
    def __init__(self, db: Database, now, name: str = "clock", ttl: float = 20.0):
        self.db, self.now, self.name, self.ttl = db, now, name, ttl
        self.holder = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.previous = "new"

    def _dead_local(self, holder: str) -> bool:
        host, _, rest = holder.partition(":")
        pid = rest.split(":")[0]
        return host == HOST and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid))

    def acquire(self) -> bool:
        """Take or renew the lease. True if this process holds it now.

        `self.previous` tells how it was taken: "renewed", "new" (nobody held
        it), "dead" (the holder's process on this host is gone) or "expired"
        (the holder stopped renewing; it may still be finishing a send)."""
        now = self.now()
        exp = now + timedelta(seconds=self.ttl)
        with self.db.session() as s:
            before = s.scalar(select(Lease.holder).where(Lease.name == self.name))
            self.previous = ("renewed" if before == self.holder else
                             "new" if before is None else
                             "dead" if self._dead_local(before) else "expired")
            n = s.execute(update(Lease).where(
                Lease.name == self.name,
                (Lease.holder == self.holder) | (Lease.expires_at < now),
            ).values(holder=self.holder, expires_at=exp)).rowcount
            if n:
                return True
            cur = s.scalar(select(Lease.holder).where(Lease.name == self.name))
            if cur is not None and self._dead_local(cur):
                n = s.execute(update(Lease).where(Lease.name == self.name, Lease.holder == cur)
                              .values(holder=self.holder, expires_at=exp)).rowcount
                return bool(n)
            if cur is not None:
                return False
        try:
            with self.db.session() as s:
                s.add(Lease(name=self.name, holder=self.holder, expires_at=exp))
            return True
        except IntegrityError:
            return False

    def release(self) -> None:
        with self.db.session() as s:
            s.execute(update(Lease).where(Lease.name == self.name, Lease.holder == self.holder)
                      .values(expires_at=self.now() - timedelta(seconds=1)))

    def count_live(self, prefix: str) -> int:
        """How many unexpired leases are named `prefix`… (e.g. running clocks'
        member leases)."""
        with self.db.session() as s:
            return len(s.scalars(select(Lease.name).where(
                Lease.name.startswith(prefix, autoescape=True),
                Lease.expires_at > self.now())).all())

    def holder_alive(self) -> bool:
        """Whether any clock holds an unexpired lease (for /candor status)."""
        with self.db.session() as s:
            exp = s.scalar(select(Lease.expires_at).where(Lease.name == self.name))
        return exp is not None and exp > self.now()
