"""`candor clock`: the scheduler process.

APScheduler 3 with an in-memory job store (never shared between processes);
the lease decides which process may act. Jobs:
- lease: renew the lease (a few times per lease period);
- delivery: every running clock (lease or not) sends invitations and
  reminders as they fall due, the workspaces shared out between the clocks
  (bot/processes/sharing.py: a delivery lease per workspace, per-row claims);
- lifecycle: close rounds whose window ended, post owed digests (retried
  until posted, exactly once), open scheduled rounds, queue reminders
  (every 15 s);
- housekeeping: daily retention purge.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from analytics import calendar
from bot.context import Candor
from bot.processes.sharing import DeliveryShare
from bot.services import ballots, digests, operations, schedule, staff_summary
from bot.services.errors import ServiceError
from storage import rounds as round_rows
from storage import workspaces
from storage.lease import ClockLease

log = logging.getLogger("candor.clock")

# Longer than the invitation poster's HTTP timeout (10 s): by then any post a
# dead process had in flight has landed, or never will.
DEAD_HOLDER_WINDOW = timedelta(seconds=15)
# A holder whose lease expired may only be frozen, and wake mid-send.
EXPIRED_HOLDER_WINDOW = timedelta(seconds=60)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}

# How the lease was taken (ClockLease.previous), for the log.
TAKEN = {"new": "holds the lease",
         "dead": "took over the lease from a clock that is no longer running",
         "expired": "took over the lease from a clock that stopped renewing it"}


class Clock:
    def __init__(self, c: Candor, tick_seconds: float = 1.0, lease_ttl: float = 20.0):
        self.c = c
        self.lease = ClockLease(c.db, c.now, ttl=lease_ttl)
        self.tick_seconds = tick_seconds
        self.holding = False
        self.share = DeliveryShare(c, lease_ttl, DEAD_HOLDER_WINDOW, EXPIRED_HOLDER_WINDOW)
        self.scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- jobs ----------------------------------------------------------------
    def hold(self) -> bool:
        """Take or renew the lease (and this clock's delivery leases)."""
        was = self.holding
        try:
            self.holding = self.lease.acquire()
        except Exception:
            log.exception("lease check failed")
            self.holding = False
        if was and not self.holding:
            log.warning("clock lease lost; standing by until it can take it again")
        if self.holding and not was:
            log.info("clock %s (%s)", TAKEN.get(self.lease.previous, "holds the lease"),
                     self.lease.holder)
        # What a previous holder left mid-send is checked per workspace, by
        # the clock that takes over its delivery (sharing.DeliveryShare._take).
        try:
            self.share.heartbeat()
        except Exception:
            log.exception("delivery lease check failed")
        return self.holding

    def deliver(self) -> int:
        """Send everything due now in this clock's share of the workspaces,
        one after another (the running clock gives each its own thread)."""
        return sum(self.share.deliver_team(team) for team in self.share.balance())

    def _deliver_loop(self) -> None:
        # Threads, not interval jobs: a fan-out can take minutes and must not
        # pile up overlapping runs. The heartbeat job keeps the leases.
        while not self._stop.is_set():
            try:
                self.share.balance()
                self.share.run_workers(self._stop, self.tick_seconds)
            except Exception:
                log.exception("delivery balance failed")
            self._stop.wait(self.tick_seconds)

    def lifecycle(self) -> None:
        """Each step, and each round or workspace within it, fails alone: one
        bad round must never stop closes, digests, catch-up or recovery
        anywhere else."""
        if not self.hold():
            return
        for name, step in (("close", self.close_due),
                           ("digests", lambda: digests.publish_owed(self.c)),
                           ("scrub", lambda: ballots.scrub_residue(self.c)),
                           ("schedule", lambda: schedule.run_due(self.c)),
                           ("loop", lambda: staff_summary.run_due(self.c)),
                           ("recovery", self._recover)):
            try:
                step()
            except Exception:
                log.exception("lifecycle step %s failed; the others go on", name)

    def _recover(self) -> None:
        # Only the workspaces this clock delivers for, never mid-batch there:
        # another clock's rows in "sending" may be in flight.
        self.share.recover_held()

    def sync_schedules(self) -> None:
        """Rebuild each workspace's CronTrigger job from the database, so a
        schedule change takes effect within a minute without a restart."""
        with self.c.db.session() as s:
            wanted = {f"open:{w.team_id}": w for w in workspaces.all_workspaces(s)}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("open:") and job.id not in wanted:
                job.remove()
        for job_id, ws in wanted.items():
            trig = calendar.cron_for(ws)
            existing = self.scheduler.get_job(job_id)
            if trig is None:
                if existing:
                    existing.remove()
                continue
            if existing is not None and str(existing.trigger) == str(trig):
                continue
            self.scheduler.add_job(self.open_for, trig, args=[ws.team_id], id=job_id,
                                   replace_existing=True, misfire_grace_time=6 * 3600,
                                   coalesce=True)

    def open_for(self, team_id: str) -> None:
        if not self.hold():
            return
        day = calendar.next_send_day_on_fire(self.c.now())
        schedule.open_scheduled(self.c, team_id, day)

    def close_due(self) -> list[int]:
        now = self.c.now()
        with self.c.db.session() as s:
            due = round_rows.due_to_close(s, now)
        closed = []
        for rid, team in due:
            try:
                ballots.close_round(self.c, team, rid)
                closed.append(rid)
            except ServiceError as e:
                log.info("round %s not closed here: %s", rid, e)  # closed elsewhere meanwhile
            except Exception:
                log.exception("round %s could not close; retried next tick", rid)
        return closed

    def housekeeping(self) -> None:
        if not self.hold():
            return
        operations.purge(self.c)

    # -- running -------------------------------------------------------------
    def start(self) -> None:
        sched = self.scheduler
        self.hold()
        sched.add_job(self.hold, "interval", seconds=max(1.0, self.lease.ttl / 4), id="lease")
        sched.add_job(self.lifecycle, "interval", seconds=15, id="lifecycle")
        sched.add_job(self.sync_schedules, "interval", seconds=30, id="sync",
                      next_run_time=self.c.now().replace(tzinfo=UTC))
        sched.add_job(self.housekeeping, "interval", hours=24, id="housekeeping")
        sched.start()
        self._thread = threading.Thread(target=self._deliver_loop, name="deliver", daemon=True)
        self._thread.start()
        if self.holding:
            log.info("clock started")
        else:
            log.info("clock started, standing by: another clock holds the lease; this one "
                     "takes over if that one stops")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.holding:
            self.lease.release()
        self.share.stop()
