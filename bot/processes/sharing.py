"""Clocks share delivery by workspace.

Slack's rate limits are per workspace, so each workspace's invitations are
sent by one clock at a time: its pacer is then that workspace's only one, and
two clocks never split (and together overrun) one workspace's limit. The
workspaces with work are spread over the running clocks:
- each clock keeps a member lease ("member:…") alive, so clocks can count
  each other;
- it holds a delivery lease ("deliver:<team>") for each workspace it sends
  for, at most its fair share (ceil(workspaces with work / live clocks)),
  and lets go of any above that, so a clock that starts later gets some;
- on taking a workspace it first checks that workspace's rows a previous
  holder left in "sending" (in the DM's history, as after a crash), with the
  same windows as the clock lease: a dead holder's posts have landed after
  the poster's timeout, an expired holder may still be finishing one.
Rows are still claimed one by one with a guarded UPDATE (pending -> sending
only while still pending, storage/outbox.claim), so two clocks overlapping on
a workspace during a handover can never both send one row.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
import zlib
from datetime import timedelta

from bot.context import Candor
from bot.services import outbox
from storage.lease import ClockLease

log = logging.getLogger("candor.clock")

MEMBER = "member:"
DELIVER = "deliver:"
BATCH = 50


class DeliveryShare:
    def __init__(self, c: Candor, ttl: float, dead_window: timedelta,
                 expired_window: timedelta):
        self.c, self.ttl = c, ttl
        self.windows = {"dead": dead_window, "new": dead_window, "expired": expired_window}
        self.member = ClockLease(c.db, c.now, name=MEMBER + uuid.uuid4().hex[:16], ttl=ttl)
        # Where this clock starts in the list of workspaces, so clocks that
        # start together don't all reach for the same ones first.
        self.offset = zlib.crc32(self.member.holder.encode())
        self.held: dict[str, ClockLease] = {}
        self.age: dict[str, timedelta] = {}  # per workspace: how old an orphan must be
        self.locks: dict[str, threading.Lock] = {}
        self.workers: dict[str, threading.Thread] = {}
        self._mutex = threading.RLock()

    # -- leases ------------------------------------------------------------------
    def heartbeat(self) -> None:
        """Renew the member lease and every workspace lease held; drop lost ones."""
        self.member.acquire()
        with self._mutex:
            for team, lease in list(self.held.items()):
                if not lease.acquire():
                    log.warning("delivery lease for %s lost; another clock sends there", team)
                    self.held.pop(team, None)

    def balance(self) -> list[str]:
        """Take or let go of workspaces so this clock holds its fair share of
        those with work. Returns the workspaces held."""
        self.heartbeat()
        teams = outbox.teams_with_work(self.c)
        clocks = max(1, self.member.count_live(MEMBER))
        share = math.ceil(len(teams) / clocks)
        with self._mutex:
            for team in [t for t in self.held if t not in teams]:
                self._release(team)  # nothing left to send there
            while len(self.held) > share:
                self._release(sorted(self.held)[-1])
            start = self.offset % len(teams) if teams else 0
            for team in teams[start:] + teams[:start]:
                if len(self.held) >= share:
                    break
                if team not in self.held:
                    self._take(team)
            return sorted(self.held)

    def _take(self, team: str) -> None:
        lease = ClockLease(self.c.db, self.c.now, name=DELIVER + team, ttl=self.ttl)
        if not lease.acquire():
            return
        self.held[team] = lease
        self.age[team] = self.windows.get(lease.previous, self.windows["expired"])
        self.locks.setdefault(team, threading.Lock())
        log.info("clock %s delivers for workspace %s (lease was %s)", self.member.holder,
                 team, lease.previous)
        self.recover(team)

    def _release(self, team: str) -> None:
        lease = self.held.pop(team, None)
        if lease is not None:
            lease.release()

    def holds(self, team: str) -> bool:
        with self._mutex:
            return team in self.held

    def stop(self) -> None:
        with self._mutex:
            for team in list(self.held):
                self._release(team)
        self.member.release()

    # -- work --------------------------------------------------------------------
    def recover(self, team: str, blocking: bool = True) -> dict | None:
        """Check this workspace's rows left in "sending" (never while this
        clock is itself mid-batch there)."""
        lock = self.locks.setdefault(team, threading.Lock())
        if not lock.acquire(blocking=blocking):
            return None
        try:
            return outbox.recover_orphans(self.c, older_than=self.age.get(team),
                                          team_id=team)
        finally:
            lock.release()

    def recover_held(self) -> None:
        for team in self.balance():
            try:
                self.recover(team, blocking=False)
            except Exception:
                log.exception("recovery for workspace %s failed; retried next tick", team)

    def deliver_team(self, team: str) -> int:
        """Send what is due in one workspace, batch by batch, while held."""
        sent = 0
        while self.holds(team):
            with self.locks.setdefault(team, threading.Lock()):
                res = outbox.deliver_due(self.c, limit=BATCH, team_id=team)
            if not res:
                break
            sent += sum(res.values())
        return sent

    def run_workers(self, stop: threading.Event, tick: float) -> None:
        """A thread per workspace held: a slow workspace never holds up a fast one."""
        with self._mutex:
            for team in self.held:
                worker = self.workers.get(team)
                if worker is None or not worker.is_alive():
                    worker = threading.Thread(target=self._work, args=(team, stop, tick),
                                              name=f"deliver-{team}", daemon=True)
                    self.workers[team] = worker
                    worker.start()

    def _work(self, team: str, stop: threading.Event, tick: float) -> None:
        while not stop.is_set() and self.holds(team):
            try:
                worked = self.deliver_team(team)
            except Exception:
                log.exception("delivery pass for workspace %s failed", team)
                worked = 0
            if not worked:
                stop.wait(tick)
