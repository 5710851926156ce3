"""The clock's and `/candor status`'s queries against the number of invitations.

    python benchmarks/clock_queries.py [--sizes 2000 20000] [--database-url ...]

For each size: a fresh database holding one open round with N invitations
(and N reminders), most of them not yet due (people's local send times),
then the median time of `due` (what the clock asks every second) and the
status counts (`/candor status`). Goal: flat from 2k to 20k. Prints the
query plans too. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import scratch_database  # also puts the checkout on sys.path
from sqlalchemy import insert, text

from bot.context import utcnow
from storage import outbox, rounds
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Delivery, Round, Workspace

TEAM = "TBENCH0001"


def _fill(db: Database, n: int) -> int:
    now = utcnow()
    with db.session() as s:
        s.add(Workspace(team_id=TEAM))
        rnd = Round(team_id=TEAM, number=1, status="open", opened_at=now,
                    closes_at=now + timedelta(days=3), question_keys=[], invited=n, published=[])
        s.add(rnd)
        s.flush()
        rid = rnd.id
        rows = []
        for i in range(n):
            later = now + timedelta(minutes=1 + i % 600)  # spread over local send times
            for kind, at in (("prompt", later if i % 50 else now), ("reminder", later + timedelta(days=2))):
                rows.append({"team_id": TEAM, "round_id": rid, "user_id": f"U{i:09d}",
                             "team_label": f"team-{i % 8}", "kind": kind, "status": "pending",
                             "send_after": at, "attempts": 0})
        for i in range(0, len(rows), 5000):
            s.execute(insert(Delivery), rows[i:i + 5000])
    return rid


def _median_ms(fn, repeats: int = 30) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _measure(db: Database, rid: int) -> tuple[float, float]:
    now = utcnow()

    def due():
        with db.session() as s:
            outbox.due_ids(s, now, 50)

    def status():
        with db.session() as s:
            rounds.delivery_progress(s, rid)
            rounds.delivery_failures(s, rid)
    return _median_ms(due), _median_ms(status)


def _plan(url: str, db: Database) -> str:
    q = ("SELECT d.id FROM deliveries d JOIN rounds r ON r.id = d.round_id WHERE d.status = "
         "'pending' AND d.send_after <= CURRENT_TIMESTAMP AND r.status = 'open' "
         "ORDER BY d.send_after, d.id LIMIT 50")
    explain = "EXPLAIN QUERY PLAN " if url.startswith("sqlite") else "EXPLAIN "
    with db.engine.connect() as c:
        return " | ".join(str(r[-1]) for r in c.execute(text(explain + q)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    p.add_argument("--database-url", default=None, help="PostgreSQL server URL")
    a = p.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.sizes:
            url, drop = scratch_database(a.database_url, Path(tmp), f"clock{n}")
            try:
                upgrade(url)
                db = Database(url)
                rid = _fill(db, n)
                with db.engine.connect() as c:
                    if not url.startswith("sqlite"):
                        c.execute(text("ANALYZE"))
                        c.commit()
                results.append((n, *_measure(db, rid)))
                print(f"{n:>6} invitations: due {results[-1][1]:.2f} ms, status "
                      f"{results[-1][2]:.2f} ms; plan: {_plan(url, db)}")
                db.dispose()
            finally:
                drop()
    (n0, d0, s0), (n1, d1, s1) = results[0], results[-1]
    print(f"x{n1 / n0:.0f} invitations: due x{d1 / d0:.1f}, status x{s1 / s0:.1f} (goal: flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
